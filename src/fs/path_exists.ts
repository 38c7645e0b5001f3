/**
 * Whether a path exists.
 *
 * @module
 */

import { stat } from "node:fs/promises";

/** Whether `path` exists (stat, not access: Deno's access() needs --allow-sys=uid). */
export async function pathExists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

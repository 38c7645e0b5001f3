/**
 * Whether a module is the program being run, in Deno and Node alike (Node before 24 has no
 * `import.meta.main`; a bundled entry compares its URL with the script Node was given).
 *
 * @module
 */

import { realpathSync } from "node:fs";
import process from "node:process";
import { pathToFileURL } from "node:url";

/** Whether the module with this `import.meta` is the program being run. */
export function isMainModule(meta: ImportMeta): boolean {
  const main = (meta as { main?: boolean }).main;
  if (typeof main === "boolean") return main;
  try {
    return !!process.argv[1] && meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

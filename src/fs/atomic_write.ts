/**
 * Atomic file replacement: write a temp file beside the target, flush it, rename it over.
 * A crash at any point leaves either the old file or the new one, never a torn one.
 *
 * @module
 */

import { link, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644; token files use 0o600). */
  mode?: number;
  /** Create missing parent folders with this mode (default: do not create). */
  mkdirMode?: number;
  /** Never replace: fail with `EEXIST` when `path` exists (the file still appears whole). */
  exclusive?: boolean;
}

/**
 * Replace `path` with `data` atomically.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.json`, "{}", { mode: 0o600 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  if (options.mkdirMode !== undefined) {
    await mkdir(dir, { recursive: true, mode: options.mkdirMode });
  }
  const tmp = join(dir, `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const mode = options.mode ?? 0o644;
  const fh = await open(tmp, "wx", mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
    // The umask may have narrowed the mode at creation; set exactly what was asked.
    await fh.chmod(mode);
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    if (options.exclusive) await link(tmp, path);
    else await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (options.exclusive) await rm(tmp, { force: true }); // the file lives on under `path`
}

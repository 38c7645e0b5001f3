/**
 * Opening workspace files so that a concurrent swap (a folder replaced by a symlink between
 * the guard's check and the open) cannot redirect the tool: open without following a final
 * symlink and without blocking (a FIFO opens at once), then verify that what was opened is
 * the file at the checked path — no symlink on the way now, the same inode — before a byte
 * is read or written. Only regular files pass.
 *
 * @module
 */

import { constants } from "node:fs";
import { type FileHandle, lstat, open, readlink, realpath, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { ToolError } from "./tool.ts";
import type { Workspace } from "./workspace.ts";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

function changed(shown: string): ToolError {
  return new ToolError(
    `${shown} changed while it was being opened (a folder on its path was moved or replaced by a link); nothing was read or written. Try again.`,
  );
}

/** Whether the opened handle is the file now at `real`, reached with no symlink. */
async function isAt(fh: FileHandle, real: string, ws: Workspace): Promise<boolean> {
  try {
    const [st, now, at] = await Promise.all([fh.stat(), realpath(real), lstat(real)]);
    return now === real && ws.contains(now) && at.ino === st.ino && at.dev === st.dev;
  } catch {
    return false;
  }
}

/** Open `real` (a path the guard resolved) for reading; a regular file, verified. */
export async function openForRead(ws: Workspace, real: string, shown: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    if ((e as { code?: string }).code === "ELOOP") throw changed(shown);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ToolError(`${shown} is a folder; use list_files.`);
    if (!st.isFile()) {
      throw new ToolError(`${shown} is not a regular file (a pipe, socket or device); refusing.`);
    }
    if (!await isAt(fh, real, ws)) throw changed(shown);
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * Create a new file beside `real` (a random temp name), verified to be inside the
 * workspace; the caller writes it and renames it over `real`. If the folder was swapped so
 * that the file was created elsewhere, it is removed where it landed and the write refused.
 */
export async function createBeside(
  ws: Workspace,
  real: string,
  shown: string,
  mode: number,
): Promise<{ fh: FileHandle; path: string }> {
  const path = `${dirname(real)}/.${crypto.randomUUID().slice(0, 8)}.tmp`;
  let fh: FileHandle;
  try {
    fh = await open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, mode);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ELOOP" || code === "ENOENT" || code === "ENOTDIR") throw changed(shown);
    throw e;
  }
  if (await isAt(fh, path, ws)) return { fh, path };
  // Created somewhere else: find it by the handle, remove it, refuse.
  const landed = await readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
  await fh.close();
  if (landed && !ws.contains(landed)) await unlink(landed).catch(() => {});
  throw changed(shown);
}

/** Check, before replacing it, that `real` is a regular file or absent (never a FIFO etc.). */
export async function replaceable(real: string, shown: string): Promise<number | undefined> {
  try {
    const st = await lstat(real);
    if (st.isDirectory()) throw new ToolError(`${shown} is a folder, not a file.`);
    if (!st.isFile() && !st.isSymbolicLink()) {
      throw new ToolError(`${shown} is not a regular file (a pipe, socket or device); refusing.`);
    }
    return st.mode & 0o777;
  } catch (e) {
    if (e instanceof ToolError) throw e;
    return undefined;
  }
}

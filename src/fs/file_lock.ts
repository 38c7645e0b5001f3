/**
 * A lock file shared by processes: created with O_EXCL, holding the owner's pid and a
 * nonce. Its holder touches it every `heartbeatMs` while it works, so a lock whose owner
 * died is recovered within seconds: at once when its pid is known to be gone, else once it
 * has not been touched for `staleMs` (a sandboxed process may not see other processes).
 *
 * @module
 */

import { type FSWatcher, watch } from "node:fs";
import { link, open, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import { dirname } from "node:path";
import process from "node:process";

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** A lock its holder has not touched for this long is taken over (default 5 s). */
  staleMs?: number;
  /** How often the holder touches the lock (default 1 s). */
  heartbeatMs?: number;
  /** Called once when the wait passes a second: who holds it, and until when we wait. */
  onWait?: (holder: number | undefined, deadline: Date) => void;
  /** Give up waiting after this long (default 60 s). */
  timeoutMs?: number;
  /** Look again at least this often while waiting (default 250 ms); a release wakes waiters
   * at once through a watch on the lock's folder. */
  pollMs?: number;
}

/** The lock could not be had in time. */
export class LockTimeoutError extends Error {
  /** Create one naming the lock and its holder. */
  constructor(path: string, holder: number | undefined) {
    super(
      `Another process${holder ? ` (pid ${holder})` : ""} has held ${path} for too long. ` +
        `If no other codex-provider process is running, delete that file and try again.`,
    );
    this.name = "LockTimeoutError";
  }
}

interface LockInfo {
  pid?: number;
  nonce?: string;
  at?: number;
}

async function readLock(path: string): Promise<{ info: LockInfo; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    let info: LockInfo = {};
    try {
      info = JSON.parse(text);
    } catch { /* being written right now: treat as fresh, by its mtime */ }
    return { info, mtimeMs: st.mtimeMs };
  } catch {
    return undefined; // released meanwhile
  }
}

/** Whether the pid is known to be gone; undefined when this process cannot tell. */
function pidGone(pid: number | undefined): boolean | undefined {
  if (!pid || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ESRCH") return true;
    if (code === "EPERM") return false;
    return undefined; // no permission to look (Deno sandbox): fall back to age
  }
}

/** Take a stale lock away, unless it changed hands since we read it. */
async function breakLock(path: string, seen: LockInfo): Promise<void> {
  const aside = `${path}.${crypto.randomUUID().slice(0, 8)}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // someone else broke or released it
  }
  try {
    const moved = JSON.parse(await readFile(aside, "utf8")) as LockInfo;
    if (seen.nonce && moved.nonce !== seen.nonce) {
      await link(aside, path).catch(() => {}); // a fresh lock: put it back
    }
  } catch { /* unreadable: it was the stale one */ }
  await rm(aside, { force: true });
}

/**
 * Resolve when the lock file is gone (the folder changed and it is no longer there), or after
 * `ms` at most: waiters wake when the holder lets go instead of polling every few ms.
 */
function released(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    const check = () => stat(path).then(() => {}, done);
    try {
      watcher = watch(dirname(path), check);
      watcher.on("error", done);
    } catch { /* cannot watch here: the timeout alone */ }
    void check(); // it may have gone before the watch began
  });
}

/**
 * Run `fn` while holding the lock file at `path`.
 *
 * @example
 * ```ts
 * import { withFileLock } from "./file_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const n = await withFileLock(`${dir}/tokens.json.lock`, () => Promise.resolve(42));
 * console.log(n); // 42
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? 5_000;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 60_000);
  const nonce = crypto.randomUUID();
  let holder: number | undefined;
  let told = false;
  while (true) {
    try {
      const fh = await open(path, "wx", 0o600);
      try {
        await fh.writeFile(JSON.stringify({ pid: process.pid, nonce, at: Date.now() }));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
    }
    const lock = await readLock(path);
    if (!lock) continue;
    holder = lock.info.pid;
    // The holder's heartbeat keeps the mtime fresh; a dead holder's lock goes stale.
    const age = Date.now() - lock.mtimeMs;
    if (pidGone(holder) === true || age > staleMs) {
      await breakLock(path, lock.info);
      continue;
    }
    if (Date.now() > deadline) throw new LockTimeoutError(path, holder);
    if (!told && Date.now() - started > 1000) {
      told = true;
      options.onWait?.(holder, new Date(deadline));
    }
    await released(path, options.pollMs ?? 250);
  }
  const beat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, options.heartbeatMs ?? 1000);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    const lock = await readLock(path);
    if (lock?.info.nonce === nonce) await rm(path, { force: true });
  }
}

/**
 * The IPC folder shared with NanoClaw's host: files we write for it (atomically, as `.tmp`
 * then renamed), and follow-up messages and the close request it writes for us.
 *
 * @module
 */

import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLOSE_SENTINEL, IPC_POLL_MS } from "./protocol.ts";

/** Write `data` as a new JSON file in `dir` (temp file, then rename); returns its name. */
export async function writeIpcFile(dir: string, data: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}.json`;
  const tmp = join(dir, `${name}.tmp`);
  await writeFile(tmp, JSON.stringify(data, null, 2));
  await rename(tmp, join(dir, name));
  return name;
}

/**
 * Watches the input folder: follow-up messages queue up until taken; `_close` is noted.
 * It polls every 500 ms, as NanoClaw's Claude runner does.
 */
export class InputWatcher {
  #dir: string;
  #queue: string[] = [];
  #closed = false;
  #timer?: ReturnType<typeof setInterval>;
  #waiters: (() => void)[] = [];
  #log: (text: string) => void;
  #busy = false;

  /** Watch `dir`; `log` reports unreadable files. */
  constructor(dir: string, log: (text: string) => void) {
    this.#dir = dir;
    this.#log = log;
  }

  /** Delete a `_close` left from an earlier run, then start polling. */
  async start(): Promise<void> {
    await rm(join(this.#dir, CLOSE_SENTINEL), { force: true });
    this.#timer = setInterval(() => void this.poll(), IPC_POLL_MS);
  }

  /** Stop polling. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** Whether the host asked us to finish. */
  get closeRequested(): boolean {
    return this.#closed;
  }

  /** Take the follow-ups that arrived so far. */
  take(): string[] {
    return this.#queue.splice(0);
  }

  /** Look at the folder once (also called by the timer). */
  async poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      let names: string[];
      try {
        names = (await readdir(this.#dir)).sort();
      } catch {
        return; // no folder (yet)
      }
      for (const name of names) {
        if (name === CLOSE_SENTINEL) {
          await rm(join(this.#dir, name), { force: true });
          this.#closed = true;
        } else if (name.endsWith(".json")) {
          const path = join(this.#dir, name);
          try {
            const msg = JSON.parse(await readFile(path, "utf8"));
            if (msg?.type === "message" && typeof msg.text === "string") this.#queue.push(msg.text);
            else this.#log(`ignored input file ${name}: not {type:'message', text}`);
          } catch (e) {
            this.#log(`ignored unreadable input file ${name}: ${(e as Error).message}`);
          }
          await rm(path, { force: true });
        }
      }
    } finally {
      this.#busy = false;
      if (this.#queue.length || this.#closed) this.#waiters.splice(0).forEach((w) => w());
    }
  }

  /** Wait for follow-ups (joined into one prompt) or the close request (undefined). */
  async next(): Promise<string | undefined> {
    while (!this.#queue.length && !this.#closed) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    const texts = this.take();
    return texts.length ? texts.join("\n") : undefined;
  }
}

/**
 * Lines from stdin, one at a time, with a prompt. Lines that arrive while nobody is asking
 * are kept (typed ahead, or piped in all at once), unlike readline's `question()`.
 *
 * @module
 */

import process from "node:process";
import { createInterface, type Interface } from "node:readline";

/** Reads lines from stdin; prompts go to stderr. */
export class LineReader {
  /** The readline interface (for its SIGINT event on a terminal). */
  readonly rl: Interface;
  #lines: AsyncIterator<string>;
  #ended = false;

  /** Start reading stdin. */
  constructor(prompt = "") {
    this.rl = createInterface({
      input: process.stdin,
      output: process.stderr,
      terminal: process.stdin.isTTY === true,
    });
    this.rl.setPrompt(prompt);
    this.rl.on("close", () => (this.#ended = true));
    this.#lines = this.rl[Symbol.asyncIterator]();
  }

  /** The next line, or undefined at end of input. */
  async next(prompt?: string): Promise<string | undefined> {
    if (!this.#ended) {
      if (prompt !== undefined) this.rl.setPrompt(prompt);
      this.rl.prompt();
    }
    const r = await this.#lines.next();
    return r.done ? undefined : String(r.value);
  }

  /** Stop reading. */
  close(): void {
    this.rl.close();
  }
}

/**
 * What every command does before its work: parse the arguments, answer `--help` and
 * `--version`, and turn a bad argument into one usage line.
 *
 * @module
 */

import process from "node:process";
import denoJson from "../../deno.json" with { type: "json" };

/** A parser's answer: the options, or a request for help or the version. */
export type Parsed<T> = T | "help" | "version";

/**
 * Parse `argv` with `parse`. Returns the options, or the exit code to return at once: 0 after
 * printing help or the version, `usageExit` after printing the parser's error.
 */
export function parseCommand<T>(
  argv: string[],
  parse: (argv: string[]) => Parsed<T>,
  help: string,
  usageExit: number,
): T | number {
  try {
    const r = parse(argv);
    if (r === "help") {
      process.stdout.write(help);
      return 0;
    }
    if (r === "version") {
      process.stdout.write(`${denoJson.version}\n`);
      return 0;
    }
    return r;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return usageExit;
  }
}

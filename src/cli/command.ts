/**
 * What every command does before its work: parse the arguments, answer `--help` and
 * `--version`, and turn a bad argument into one usage line.
 *
 * @module
 */

import process from "node:process";
import { parseArgs, type ParseArgsConfig } from "node:util";
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

/** Bad usage: the command prints the message and exits 2. */
export class UsageError extends Error {
  /** Create one; the message says what was wrong and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What `parseArgs`'s error says, in one line a person can act on. */
export function usageMessage(e: Error & { code?: string }, positionals = false): string {
  const quoted = e.message.match(/'([^']+)'/)?.[1] ?? "";
  const option = quoted.split(/[ ,]+/).find((w) => w.startsWith("--")) ?? quoted;
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option '${quoted}'. See --help for the options` +
        (positionals ? " (an argument that starts with '-' goes after '--')." : ".");
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(e.message)
        ? `option '${option}' takes no value. See --help.`
        : `option '${option}' needs a value. See --help.`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument '${quoted}'. See --help.`;
    default:
      return `${e.message}. See --help.`;
  }
}

/** `parseArgs` (strict), throwing {@link UsageError} with {@link usageMessage}. */
export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError(usageMessage(e as Error & { code?: string }, !!config.allowPositionals));
  }
}

/**
 * How a person starts Deno here, for the commands our messages suggest: `deno`, or the
 * `npx -y deno@VERSION` of the quick start when this Deno came from the npm registry.
 */
export function denoCommand(
  execPath: string = (globalThis as { Deno?: { execPath(): string } }).Deno?.execPath() ?? "",
  version: string = (globalThis as { Deno?: { version: { deno: string } } }).Deno?.version.deno ??
    "",
): string {
  return /[/\\]node_modules[/\\]deno[/\\]/.test(execPath) && version
    ? `npx -y deno@${version}`
    : "deno";
}

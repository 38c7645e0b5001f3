/**
 * The entry points' last resort: whatever escaped is one clear line, never a stack trace.
 *
 * @module
 */

import process from "node:process";

/** Print uncaught failures as one line and exit 1. */
export function exitOnUncaught(): void {
  const fail = (e: unknown) => {
    process.stderr.write(
      `error (internal): ${(e as Error)?.message ?? e}\nThis is a bug; please report it.\n`,
    );
    process.exit(1);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
}

/**
 * For a server, in place of {@link exitOnUncaught}: an unhandled rejection is logged and the
 * server keeps serving (one request's bug must not end everyone's); an uncaught exception
 * still ends the process.
 */
export function logUnhandledRejections(log: (line: string) => void): void {
  process.removeAllListeners("unhandledRejection");
  process.removeAllListeners("uncaughtException");
  process.on("unhandledRejection", (e) => {
    log(
      `error (internal, still serving): ${
        (e as Error)?.message ?? e
      }. This is a bug; please report it.`,
    );
  });
  process.on("uncaughtException", (e) => {
    process.stderr.write(
      `error (internal): ${(e as Error)?.message ?? e}\nThis is a bug; please report it.\n`,
    );
    process.exit(1);
  });
}

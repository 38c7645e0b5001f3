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

/**
 * The exit codes of the agent and the server (documented in the README), and the code for a
 * failure.
 *
 * @module
 */

import { SessionError } from "../agent/session_store.ts";
import { TokenFileError } from "../auth/token_file.ts";
import { CodexError } from "../codex/errors.ts";
import { UsageError } from "./command.ts";

/** Exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 3,
  limit: 4,
  cancelled: 130,
} as const;

/** The exit code for a failure. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError || e instanceof SessionError) return EXIT.usage;
  if (e instanceof TokenFileError) return EXIT.auth;
  if (e instanceof CodexError) {
    if (e.code === "authentication") return EXIT.auth;
    if (e.code === "usage_limit" || e.code === "rate_limited" || e.code === "quota_exceeded") {
      return EXIT.limit;
    }
    if (e.code === "aborted") return EXIT.cancelled;
    if (e.code === "model_not_supported") return EXIT.usage;
  }
  return EXIT.failed;
}

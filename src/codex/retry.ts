/**
 * Backoff and abortable sleeping, shared by the client (failures before the stream starts)
 * and the agent (a round whose stream failed).
 *
 * @module
 */

import { CodexError } from "./errors.ts";
import { RETRY_POLICY } from "./protocol.ts";

/** How often and how patiently to retry. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Delay of the first retry; doubles each time. */
  baseDelayMs: number;
  /** Relative jitter, 0.1 = ±10 %. */
  jitter: number;
}

/** The Codex CLI's policy. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { ...RETRY_POLICY };

/** Delay before retry number `attempt` (1-based); a server-given delay wins. */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  serverDelayMs?: number,
  random: () => number = Math.random,
): number {
  if (serverDelayMs !== undefined) return serverDelayMs;
  const base = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.round(base * (1 + policy.jitter * (2 * random() - 1)));
}

/** Sleep, or throw `aborted` when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CodexError("aborted", "The request was cancelled."));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CodexError("aborted", "The request was cancelled."));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Typed failures of the Responses client. Every failure is a {@link CodexError} with a
 * stable `code`, a message that says what to do, and the original `cause`.
 *
 * @module
 */

import { MAX_RETRY_WAIT_MS } from "./protocol.ts";

/** Stable error codes. */
export type CodexErrorCode =
  /** 401/403, or credentials that could not be loaded: log in again. */
  | "authentication"
  /** 429 `usage_limit_reached`: the plan's limit; fatal until `resetsAt`. */
  | "usage_limit"
  /** Plain 429 or `rate_limit_exceeded`: retry after `retryAfterMs`. */
  | "rate_limited"
  /** `insufficient_quota` / `usage_not_included`: the plan does not cover this. */
  | "quota_exceeded"
  /** `context_length_exceeded`: the conversation no longer fits. */
  | "context_too_long"
  /** The model is unknown or retired for ChatGPT accounts. */
  | "model_not_supported"
  /** 400 or `invalid_prompt`: the request itself is wrong. */
  | "invalid_request"
  /** 5xx, `server_is_overloaded`, `slow_down`, other `response.failed`. */
  | "server"
  /** The connection failed (DNS, refused, reset). */
  | "network"
  /** The stream ended before `response.completed`. */
  | "stream_truncated"
  /** The stream stayed silent longer than the idle limit. */
  | "idle_timeout"
  /** `response.incomplete`: the model stopped early (for example max tokens). */
  | "incomplete"
  /** The caller's AbortSignal fired. */
  | "aborted";

const RETRYABLE: ReadonlySet<CodexErrorCode> = new Set([
  "rate_limited",
  "server",
  "network",
  "stream_truncated",
  "idle_timeout",
]);

/** Options of {@link CodexError}. */
export interface CodexErrorOptions {
  /** HTTP status, where one was received. */
  status?: number;
  /** How long to wait before retrying, when the server said. */
  retryAfterMs?: number;
  /** When a usage limit resets, unix seconds. */
  resetsAt?: number;
  /** The plan the server named with a usage limit. */
  planType?: string;
  /** The server's own error code (`response.failed` code or `error.type`). */
  serverCode?: string;
  /** The underlying error or response text. */
  cause?: unknown;
  /** Override whether retrying may help (by default it follows the code). */
  retryable?: boolean;
}

/**
 * A failure talking to the Codex backend.
 *
 * @example
 * ```ts
 * import { CodexError } from "@x/codex-provider";
 * const err = new CodexError("rate_limited", "Rate limited; retrying", { retryAfterMs: 1500 });
 * console.log(err.code, err.retryable); // "rate_limited" true
 * ```
 */
export class CodexError extends Error {
  /** Stable code to branch on. */
  readonly code: CodexErrorCode;
  /** HTTP status, where one was received. */
  readonly status?: number;
  /** Delay the server asked for before a retry. */
  readonly retryAfterMs?: number;
  /** When a usage limit resets, unix seconds. */
  readonly resetsAt?: number;
  /** The plan named by a usage-limit answer. */
  readonly planType?: string;
  /** The server's own code, for diagnostics. */
  readonly serverCode?: string;
  #retryable?: boolean;

  /** Create an error with a stable code and an actionable message. */
  constructor(code: CodexErrorCode, message: string, options: CodexErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CodexError";
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.resetsAt = options.resetsAt;
    this.planType = options.planType;
    this.serverCode = options.serverCode;
    this.#retryable = options.retryable;
  }

  /** Whether retrying the same request may succeed. */
  get retryable(): boolean {
    return this.#retryable ?? RETRYABLE.has(this.code);
  }
}

/** Parse "try again in 1.5s" / "in 250ms" from a rate-limit message, in milliseconds. */
export function parseRetryDelay(message: string | undefined): number | undefined {
  const m = message?.match(/try again in\s*([\d.]+)\s*(ms|s|seconds?)\b/i);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!Number.isFinite(n)) return undefined;
  return m[2].toLowerCase() === "ms" ? n : Math.round(n * 1000);
}

/** Parse a `Retry-After` header (seconds or an HTTP date), in milliseconds. */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeReset(resetsAt: number | undefined, now: number): string {
  if (resetsAt === undefined) return "";
  const minutes = Math.max(1, Math.round((resetsAt * 1000 - now) / 60_000));
  const when = new Date(resetsAt * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const rel = minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`;
  return ` It resets at ${when} (in about ${rel}).`;
}

/** Map a non-2xx HTTP answer of the Responses endpoint to a typed error. */
export function errorFromHttp(
  status: number,
  bodyText: string,
  headers: Headers,
  now: number = Date.now(),
): CodexError {
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(bodyText);
    if (parsed && typeof parsed === "object") body = parsed;
  } catch { /* not JSON: keep the text as the detail */ }
  const error = (body.error && typeof body.error === "object" ? body.error : {}) as Record<
    string,
    unknown
  >;
  const detail = String(
    body.detail ?? error.message ?? (bodyText.slice(0, 300) || `HTTP ${status}`),
  );
  const serverCode = String(error.type ?? error.code ?? "") || undefined;
  const base = { status, serverCode, cause: bodyText.slice(0, 2000) };

  if (status === 401 || status === 403) {
    return new CodexError(
      "authentication",
      `The backend refused the credentials (HTTP ${status}: ${detail}). Log in again.`,
      base,
    );
  }
  if (status === 429) {
    if (serverCode === "usage_limit_reached") {
      const resetsAt = numberOr(error.resets_at) ??
        addSeconds(numberOr(error.resets_in_seconds), now);
      const plan = typeof error.plan_type === "string" ? error.plan_type : undefined;
      return new CodexError(
        "usage_limit",
        `You have reached your ChatGPT${plan ? ` ${plan}` : ""} plan's Codex usage limit.${
          describeReset(resetsAt, now)
        } Wait for the reset, or upgrade the plan.`,
        { ...base, resetsAt, planType: plan },
      );
    }
    const retryAfterMs = parseRetryAfter(headers.get("retry-after"), now) ??
      parseRetryDelay(detail);
    return new CodexError(
      "rate_limited",
      `Rate limited by the backend (HTTP 429: ${detail}).${tooLong(retryAfterMs, now)}`,
      { ...base, retryAfterMs, retryable: waitable(retryAfterMs) },
    );
  }
  if (status >= 500) {
    return new CodexError("server", `The backend failed (HTTP ${status}: ${detail}).`, base);
  }
  if (MODEL_NOT_SUPPORTED.test(detail)) {
    return new CodexError("model_not_supported", detail, base);
  }
  if (/context.*(length|window)|too long/i.test(detail)) {
    return new CodexError("context_too_long", detail, base);
  }
  return new CodexError("invalid_request", `The backend rejected the request: ${detail}`, base);
}

/** The retired-or-unknown model answer, in both its forms (PROTOCOL.md §4). */
const MODEL_NOT_SUPPORTED = /model .*not supported|not supported when using codex/i;

/** Map a `response.failed` / `error` event's error object to a typed error. */
export function errorFromFailure(
  error: { code?: string; message?: string } | undefined,
): CodexError {
  const code = error?.code ?? "";
  const message = error?.message ?? "the response failed";
  const opts = { serverCode: code || undefined, cause: error };
  if (MODEL_NOT_SUPPORTED.test(message)) {
    return new CodexError("model_not_supported", message, opts);
  }
  switch (code) {
    case "context_length_exceeded":
      return new CodexError(
        "context_too_long",
        `The conversation is longer than the model's context window. (${message})`,
        opts,
      );
    case "insufficient_quota":
    case "usage_not_included":
      return new CodexError(
        "quota_exceeded",
        `Your plan does not cover this request (${code}): ${message}`,
        opts,
      );
    case "invalid_prompt":
      return new CodexError("invalid_request", `The backend rejected the prompt: ${message}`, opts);
    case "rate_limit_exceeded": {
      const retryAfterMs = parseRetryDelay(message);
      return new CodexError("rate_limited", `Rate limited: ${message}${tooLong(retryAfterMs)}`, {
        ...opts,
        retryAfterMs,
        retryable: waitable(retryAfterMs),
      });
    }
    default:
      // server_is_overloaded, slow_down and unknown codes: the CLI retries these.
      return new CodexError("server", `The backend failed the response: ${message}`, opts);
  }
}

/** Whether a server-asked wait is one we sit through (see {@link MAX_RETRY_WAIT_MS}). */
function waitable(ms: number | undefined): boolean {
  return ms === undefined || ms <= MAX_RETRY_WAIT_MS;
}

/** For a wait too long to sit through: when to try again. */
function tooLong(ms: number | undefined, now: number = Date.now()): string {
  if (waitable(ms)) return "";
  const at = new Date(now + Math.min(ms!, 8.64e15 - now)).toISOString().replace(/\.\d+Z$/, "Z");
  return ` It asks to wait ${Math.round(ms! / 60_000)} min; try again after ${at}.`;
}

function numberOr(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function addSeconds(seconds: number | undefined, now: number): number | undefined {
  return seconds === undefined ? undefined : Math.floor(now / 1000) + seconds;
}

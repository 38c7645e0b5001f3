/**
 * OpenAI's error answers: `{"error":{message,type,param,code}}` with its status codes, and
 * the client's {@link CodexError}s translated into them.
 *
 * @module
 */

import { CodexError } from "../codex/errors.ts";

/** A failure to answer in OpenAI's shape. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** OpenAI's `error.type`. */
  readonly type: string;
  /** OpenAI's `error.code`, where it has one. */
  readonly code: string | null;
  /** The request field at fault. */
  readonly param: string | null;
  /** Extra response headers (`Retry-After`, `x-should-retry`). */
  readonly headers: Record<string, string>;

  /** Create one; `message` says what went wrong and what to do. */
  constructor(
    status: number,
    message: string,
    o: { type?: string; code?: string; param?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = o.type ?? (status >= 500 ? "server_error" : "invalid_request_error");
    this.code = o.code ?? null;
    this.param = o.param ?? null;
    this.headers = o.headers ?? {};
  }

  /** The JSON body. */
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }

  /** The HTTP answer. */
  toResponse(): Response {
    return Response.json(this.body(), {
      status: this.status,
      headers: { ...this.headers },
    });
  }
}

/** A bad request field: 400 `invalid_request_error` naming the field. */
export function badRequest(message: string, param?: string, code?: string): ApiError {
  return new ApiError(400, message, { param, code });
}

/** Don't let SDKs retry what will fail again (the OpenAI SDKs honour this header). */
const NO_RETRY = { "x-should-retry": "false" };

function seconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** The client's failure, as the answer an OpenAI client understands. */
export function fromCodexError(e: CodexError, now: number = Date.now()): ApiError {
  switch (e.code) {
    case "usage_limit": {
      const wait = e.resetsAt ? e.resetsAt * 1000 - now : undefined;
      return new ApiError(429, e.message, {
        type: "usage_limit_reached",
        code: "usage_limit_reached",
        headers: { ...NO_RETRY, ...(wait && wait > 0 ? { "retry-after": seconds(wait) } : {}) },
      });
    }
    case "rate_limited":
      return new ApiError(429, e.message, {
        type: "rate_limit_exceeded",
        code: "rate_limit_exceeded",
        headers: e.retryAfterMs ? { "retry-after": seconds(e.retryAfterMs) } : {},
      });
    case "quota_exceeded":
      return new ApiError(429, e.message, {
        type: "insufficient_quota",
        code: "insufficient_quota",
        headers: NO_RETRY,
      });
    case "context_too_long":
      return new ApiError(400, e.message, { code: "context_length_exceeded", param: "messages" });
    case "model_not_supported":
      return new ApiError(404, e.message, { code: "model_not_found", param: "model" });
    case "invalid_request":
      return new ApiError(400, e.message, { code: e.serverCode });
    case "authentication":
      // The ChatGPT login behind the server, not the caller's key: not a 401, which clients
      // read as "your API key is wrong".
      return new ApiError(503, e.message, {
        type: "login_required",
        code: "login_required",
        headers: NO_RETRY,
      });
    case "aborted":
      return new ApiError(499, e.message, { type: "client_closed_request" });
    case "incomplete":
      return new ApiError(502, e.message, { code: "incomplete" });
    default: // server, network, stream_truncated, idle_timeout
      return new ApiError(502, `The ChatGPT backend failed: ${e.message}`, { code: e.code });
  }
}

/** Any failure, as an {@link ApiError} (unexpected ones say so, without a stack). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof CodexError) return fromCodexError(e);
  return new ApiError(500, `Internal error in codex-provider serve: ${(e as Error)?.message ?? e}`);
}

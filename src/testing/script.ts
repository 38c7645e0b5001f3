/**
 * What a test scripts the fake backend to answer: responses made of output items, and
 * faults. Steps are plain data; a step may also be a function of the request it answers.
 *
 * @module
 */

import type { Usage } from "../codex/types.ts";
import type { RecordedRequest } from "./fake_backend.ts";

/** One output item of a scripted response. */
export type FakeOutput =
  | { kind: "text"; text: string }
  | { kind: "reasoning"; summary: string[] }
  | { kind: "function_call"; name: string; arguments: string; callId?: string }
  /** A `compaction` item holding this text (default: what the fake compacts from the input). */
  | { kind: "compaction"; text?: string; withoutEncryptedContent?: boolean };

/** How a scripted stream ends. */
export type StreamEnding =
  /** `response.completed` with usage (the normal end). */
  | { kind: "completed" }
  /** The body ends cleanly without `response.completed`. */
  | { kind: "cut" }
  /** The socket is destroyed mid-stream. */
  | { kind: "reset" }
  /** Nothing more is sent for `ms` (default: until the client gives up). */
  | { kind: "stall"; ms?: number }
  /** `response.failed` with this error. */
  | { kind: "failed"; code: string; message: string }
  /** `response.incomplete` with this reason. */
  | { kind: "incomplete"; reason: string }
  /** A top-level `error` event. */
  | { kind: "error_event"; code: string; message: string };

/** A streamed (HTTP 200) answer. */
export interface ResponseStep {
  /** Step kind. */
  kind: "response";
  /** Items in order. */
  output: FakeOutput[];
  /** Usage to report (defaults estimated from the request). */
  usage?: Partial<Usage>;
  /** Extra response headers (rate limits, …). */
  headers?: Record<string, string>;
  /** How the stream ends; default completed. */
  end?: StreamEnding;
  /** Interleave event types the client does not know. */
  unknownEvents?: boolean;
  /** Insert a `data:` line that is not JSON. */
  malformedLine?: boolean;
  /** CRLF line endings and `:` comment lines. */
  crlf?: boolean;
  /** Write the body in slices of this many bytes (splits UTF-8 characters too). */
  chunkBytes?: number;
  /** Send items only in `response.completed`'s output, not as `output_item.done`. */
  onlyCompletedOutput?: boolean;
}

/** A non-200 answer. */
export interface HttpStep {
  /** Step kind. */
  kind: "http";
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
}

/** Accept the request and never answer, not even headers (until the client gives up). */
export interface HangStep {
  /** Step kind. */
  kind: "hang";
}

/** One scripted answer, or a function that makes one from the request. */
export type FakeStep =
  | ResponseStep
  | HttpStep
  | HangStep
  | ((req: RecordedRequest) => ResponseStep | HttpStep | HangStep);

/** Output items. */
export const item = {
  /** An assistant message. */
  text: (text: string): FakeOutput => ({ kind: "text", text }),
  /** A reasoning item with these summary parts (and encrypted content the fake issues). */
  reasoning: (...summary: string[]): FakeOutput => ({ kind: "reasoning", summary }),
  /** A function call; `args` is JSON-encoded unless it is already a string. */
  call: (name: string, args: unknown, callId?: string): FakeOutput => ({
    kind: "function_call",
    name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
    callId,
  }),
  /** A compaction item (for scripting broken compaction answers). */
  compaction: (text?: string): FakeOutput => ({ kind: "compaction", text }),
};

/**
 * Scripted answers.
 *
 * @example
 * ```ts
 * import { reply, item } from "@x/codex-provider/testing";
 * const step = reply.items([item.reasoning("thinking"), item.call("list_files", {})]);
 * console.log(step.kind); // "response"
 * ```
 */
export const reply = {
  /** A plain text answer. */
  text: (text: string, extra: Partial<ResponseStep> = {}): ResponseStep => ({
    kind: "response",
    output: [{ kind: "text", text }],
    ...extra,
  }),
  /** An answer made of these items. */
  items: (output: FakeOutput[], extra: Partial<ResponseStep> = {}): ResponseStep => ({
    kind: "response",
    output,
    ...extra,
  }),
};

/** Faults the real backend shows. */
export const fault = {
  /** Any HTTP error with a JSON body. */
  http: (
    status: number,
    body: unknown = { detail: `HTTP ${status}` },
    headers?: Record<
      string,
      string
    >,
  ): HttpStep => ({ kind: "http", status, body, headers }),
  /** 429 `usage_limit_reached` with `resets_at` (or the older `resets_in_seconds`). */
  usageLimit: (
    opts: { resetsAt?: number; resetsInSeconds?: number; planType?: string } = {},
  ): HttpStep => ({
    kind: "http",
    status: 429,
    body: {
      error: {
        type: "usage_limit_reached",
        message: "The usage limit has been reached",
        plan_type: opts.planType ?? "plus",
        ...(opts.resetsInSeconds !== undefined
          ? { resets_in_seconds: opts.resetsInSeconds }
          : { resets_at: opts.resetsAt ?? Math.floor(Date.now() / 1000) + 3600 }),
      },
    },
  }),
  /** A plain 429 with `Retry-After` (seconds). */
  rateLimited: (retryAfterSeconds: number): HttpStep => ({
    kind: "http",
    status: 429,
    body: { error: { type: "rate_limit_exceeded", message: "Rate limit reached" } },
    headers: { "retry-after": String(retryAfterSeconds) },
  }),
  /** `response.failed` after `response.created`. */
  failed: (code: string, message = code): ResponseStep => ({
    kind: "response",
    output: [],
    end: { kind: "failed", code, message },
  }),
  /** `response.incomplete` with a reason. */
  incomplete: (reason: string, output: FakeOutput[] = []): ResponseStep => ({
    kind: "response",
    output,
    end: { kind: "incomplete", reason },
  }),
  /** The body ends before `response.completed`, after these items. */
  cut: (output: FakeOutput[] = [item.text("partial")]): ResponseStep => ({
    kind: "response",
    output,
    end: { kind: "cut" },
  }),
  /** The connection is reset mid-stream. */
  reset: (output: FakeOutput[] = [item.text("partial")]): ResponseStep => ({
    kind: "response",
    output,
    end: { kind: "reset" },
  }),
  /** No answer at all: the connection is accepted, no headers ever come. */
  hang: (): HangStep => ({ kind: "hang" }),
  /** The stream goes silent after these items. */
  stall: (output: FakeOutput[] = [], ms?: number): ResponseStep => ({
    kind: "response",
    output,
    end: { kind: "stall", ms },
  }),
};

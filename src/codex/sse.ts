/**
 * Server-sent events of the Responses stream: bytes in, parsed JSON events out.
 * Parsing is `eventsource-parser`'s; this file adds UTF-8 decoding across chunk
 * boundaries, the idle limit, cancellation, and skipping of malformed `data:` lines.
 *
 * @module
 */

import { EventSourceParserStream } from "eventsource-parser/stream";
import { CodexError } from "./errors.ts";
import { StreamGuard } from "./watchdog.ts";

/** One event of the stream: the `data:` JSON, with its `type`. */
export interface ServerEvent {
  /** Event type, e.g. `response.output_text.delta`. */
  type: string;
  /** Other fields of the event's JSON. */
  [key: string]: unknown;
}

/** Options of {@link parseServerEvents}. */
export interface ParseOptions {
  /** Error out when no event nor comment (keep-alive) arrives for this long. */
  idleTimeoutMs: number;
  /** Cancels reading. */
  signal?: AbortSignal;
  /** Called with the raw text of a `data:` line that is not JSON (it is skipped). */
  onMalformed?: (data: string) => void;
}

/**
 * Parse an SSE byte stream into events. Unknown types are passed on; the caller ignores
 * what it does not know. Throws {@link CodexError} `idle_timeout`, `aborted` or `network`.
 *
 * @example
 * ```ts
 * import { parseServerEvents } from "@x/codex-provider";
 * const body = new Response('data: {"type":"response.created"}\n\n').body!;
 * for await (const ev of parseServerEvents(body, { idleTimeoutMs: 1000 })) console.log(ev.type);
 * ```
 */
export function parseServerEvents(
  body: ReadableStream<Uint8Array>,
  options: ParseOptions,
): AsyncIterableIterator<ServerEvent> {
  const { signal, idleTimeoutMs } = options;
  // Each event or comment (a keep-alive) only bumps the guard's one watchdog.
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onComment: () => guard.bump() }))
    .getReader();
  const guard = new StreamGuard({
    idleTimeoutMs,
    signal,
    onStop: (e) => void reader.cancel(e).catch(() => {}),
  });
  const finish = () => {
    if (guard.finish()) reader.cancel().catch(() => {});
  };
  const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
  // A plain iterator, not an async generator: one promise per event, as a raw read costs.
  return {
    async next(): Promise<IteratorResult<ServerEvent>> {
      if (guard.finished) return end;
      while (true) {
        let next: ReadableStreamReadResult<{ data: string; event?: string }>;
        try {
          next = await reader.read();
        } catch (e) {
          finish();
          if (guard.stopped) throw guard.stopped;
          throw e instanceof CodexError ? e : new CodexError(
            "network",
            `The connection failed while streaming: ${errorText(e)}`,
            { cause: e },
          );
        }
        if (guard.stopped) {
          finish();
          throw guard.stopped;
        }
        if (next.done) {
          finish();
          return end;
        }
        guard.bump();
        const { data, event } = next.value;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          options.onMalformed?.(data);
          continue;
        }
        if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
          options.onMalformed?.(data);
          continue;
        }
        const obj = parsed as Record<string, unknown>;
        if (typeof obj.type === "string") return { done: false, value: obj as ServerEvent };
        if (!event) {
          options.onMalformed?.(data);
          continue;
        }
        return { done: false, value: { ...obj, type: event } }; // the type on `event:` only
      }
    },
    return(): Promise<IteratorResult<ServerEvent>> {
      finish();
      return Promise.resolve(end);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

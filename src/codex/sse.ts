/**
 * Server-sent events of the Responses stream: bytes in, parsed JSON events out.
 * Parsing is `eventsource-parser`'s; this file adds UTF-8 decoding across chunk
 * boundaries, the idle limit, cancellation, and skipping of malformed `data:` lines.
 *
 * @module
 */

import { EventSourceParserStream } from "eventsource-parser/stream";
import { CodexError } from "./errors.ts";

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
export async function* parseServerEvents(
  body: ReadableStream<Uint8Array>,
  options: ParseOptions,
): AsyncGenerator<ServerEvent, void, undefined> {
  const { signal, idleTimeoutMs } = options;
  // One watchdog per stream, not a timer per event: each event or comment (a keep-alive)
  // only moves a timestamp, and the timer, when it fires, looks at it and sleeps again or
  // gives the stream up.
  let lastByteAt = Date.now();
  let stopped: CodexError | undefined;
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onComment: () => (lastByteAt = Date.now()) }))
    .getReader();
  const stop = (e: CodexError) => {
    stopped ??= e;
    reader.cancel(e).catch(() => {});
  };
  let watchdog: ReturnType<typeof setTimeout>;
  const check = () => {
    const wait = lastByteAt + idleTimeoutMs - Date.now();
    if (wait > 0) watchdog = setTimeout(check, wait);
    else {
      stop(
        new CodexError(
          "idle_timeout",
          `The backend sent nothing for ${
            Math.round(idleTimeoutMs / 1000)
          } s; the stream was given up.`,
        ),
      );
    }
  };
  watchdog = setTimeout(check, idleTimeoutMs);
  const onAbort = () => stop(new CodexError("aborted", "The request was cancelled."));
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort);
  try {
    while (true) {
      let next: ReadableStreamReadResult<{ data: string; event?: string }>;
      try {
        next = await reader.read();
      } catch (e) {
        if (stopped) throw stopped;
        throw e instanceof CodexError ? e : new CodexError(
          "network",
          `The connection failed while streaming: ${errorText(e)}`,
          { cause: e },
        );
      }
      if (stopped) throw stopped;
      if (next.done) return;
      lastByteAt = Date.now();
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
      if (typeof obj.type === "string") {
        yield obj as ServerEvent;
        continue;
      }
      if (!event) {
        options.onMalformed?.(data);
        continue;
      }
      yield { ...obj, type: event }; // the type only on the `event:` line
    }
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", onAbort);
    reader.cancel().catch(() => {});
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

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
  /** Error out when no byte arrives for this long. */
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
  let lastByteAt = Date.now();
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      lastByteAt = Date.now();
      controller.enqueue(chunk);
    },
  });
  const reader = body
    .pipeThrough(tap)
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();

  const { signal, idleTimeoutMs } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let rejectWait: ((e: unknown) => void) | undefined;
  const onAbort = () => rejectWait?.(new CodexError("aborted", "The request was cancelled."));
  signal?.addEventListener("abort", onAbort);
  try {
    while (true) {
      if (signal?.aborted) throw new CodexError("aborted", "The request was cancelled.");
      const next = await new Promise<ReadableStreamReadResult<{ data: string; event?: string }>>(
        (resolve, reject) => {
          rejectWait = reject;
          const arm = () => {
            const wait = lastByteAt + idleTimeoutMs - Date.now();
            if (wait <= 0) {
              reject(
                new CodexError(
                  "idle_timeout",
                  `The backend sent nothing for ${
                    Math.round(idleTimeoutMs / 1000)
                  } s; the stream was given up.`,
                ),
              );
            } else timer = setTimeout(arm, wait);
          };
          arm();
          reader.read().then(resolve, (e) =>
            reject(
              e instanceof CodexError ? e : new CodexError(
                "network",
                `The connection failed while streaming: ${errorText(e)}`,
                { cause: e },
              ),
            ));
        },
      );
      clearTimeout(timer);
      if (next.done) return;
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
      const type = typeof obj.type === "string" ? obj.type : event;
      if (!type) {
        options.onMalformed?.(data);
        continue;
      }
      yield { ...obj, type };
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    reader.cancel().catch(() => {});
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

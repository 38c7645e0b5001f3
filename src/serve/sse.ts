/**
 * Server-sent events out: a generator of events as a streamed `Response`. A failure after
 * the stream started is sent as the endpoint's error event; a caller that goes away stops
 * the generator, which aborts the backend request.
 *
 * @module
 */

import { type ApiError, toApiError } from "./errors.ts";

/** One event: `data` as JSON (or a literal string such as `[DONE]`), with an optional name. */
export interface SseEvent {
  /** The `event:` line, if any. */
  event?: string;
  /** The `data:` line. */
  data: unknown;
}

/** How a failure mid-stream is told: the endpoint's error event. */
export type ErrorEvent = (error: ApiError) => SseEvent;

/** The chat endpoint's error chunk, which the OpenAI SDKs raise as an error. */
export const chatError: ErrorEvent = (e) => ({ data: e.body() });

const encoder = new TextEncoder();

function frame(ev: SseEvent): Uint8Array {
  const data = typeof ev.data === "string" ? ev.data : JSON.stringify(ev.data);
  return encoder.encode(`${ev.event ? `event: ${ev.event}\n` : ""}data: ${data}\n\n`);
}

/** Stream `events` as `text/event-stream`; `onEnd` runs once, however the stream ends. */
export function sseResponse(
  events: () => AsyncGenerator<SseEvent>,
  options: { onError: ErrorEvent; onEnd?: (error?: ApiError) => void },
): Response {
  let it: AsyncGenerator<SseEvent> | undefined;
  let ended = false;
  const end = (error?: ApiError) => {
    if (ended) return;
    ended = true;
    options.onEnd?.(error);
  };
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      it ??= events();
      try {
        const r = await it.next();
        if (r.done) {
          controller.close();
          end();
        } else controller.enqueue(frame(r.value));
      } catch (e) {
        if (ended) return; // the caller went away: the abort that followed is no news
        const error = toApiError(e);
        controller.enqueue(frame(options.onError(error)));
        controller.close();
        end(error);
      }
    },
    async cancel() {
      end();
      await it?.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    },
  });
}

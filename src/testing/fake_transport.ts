/**
 * How the fake delivers an answer of the Responses endpoint: over HTTP (a JSON status
 * answer, or an SSE stream) or over a WebSocket (`fake_websocket.ts`). The routes decide what
 * to answer; a sink only delivers it.
 *
 * @module
 */

import type { ServerResponse } from "node:http";
import { json, tick } from "./_http.ts";
import { type Event, frameEvents } from "./fake_sse.ts";
import type { ResponseStep } from "./script.ts";

/** Where an answer goes. Each method returns the status for the request log. */
export interface Sink {
  /** A JSON answer with this HTTP status (over a WebSocket: an `error` frame). */
  json(status: number, body: unknown, headers?: Record<string, string>): number;
  /** A streamed response: its events, then the step's ending (a stall, a cut). */
  stream(events: Event[], step: ResponseStep, headers: Record<string, string>): Promise<number>;
  /** Say nothing until the client gives up (status 0: no answer). */
  hang(): Promise<number>;
}

/** Wait until `ms` passed (forever when undefined) or `closed` fires. */
export function stall(ms: number | undefined, onClose: (f: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = ms === undefined ? undefined : setTimeout(resolve, ms);
    onClose(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The HTTP sink: JSON answers, and responses as `text/event-stream`. */
export function httpSink(res: ServerResponse): Sink {
  return {
    json: (status, body, headers) => json(res, status, body, headers),
    hang: () => new Promise((resolve) => res.once("close", () => resolve(0))),
    async stream(events, step, headers) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        ...headers,
      });
      const bytes = new TextEncoder().encode(frameEvents(events, step));
      if (step.chunkBytes) {
        for (let i = 0; i < bytes.length && !res.destroyed; i += step.chunkBytes) {
          res.write(bytes.subarray(i, i + step.chunkBytes));
          await tick(1);
        }
      } else res.write(bytes);
      const end = step.end ?? { kind: "completed" };
      if (end.kind === "stall") await stall(end.ms, (f) => res.once("close", f));
      if (end.kind === "reset") {
        await new Promise<void>((r) => res.write("", () => r()));
        res.socket?.destroy();
        return 200;
      }
      res.end();
      return 200;
    },
  };
}

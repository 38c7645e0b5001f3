/**
 * The WebSocket transport of the Responses endpoint (PROTOCOL.md §6): one connection per
 * conversation; each request is a `response.create` frame carrying only the items added
 * since the previous response on that connection (`previous_response_id`), and the server's
 * frames are the same events as SSE. The client decides when to use it and falls back to SSE.
 *
 * @module
 */

import { CodexError } from "./errors.ts";
import type { ServerEvent } from "./sse.ts";
import type { ResponsesRequestBody } from "./types.ts";
import { noAnswerError, StreamGuard } from "./watchdog.ts";

/** `serverCode` of a {@link CodexError} for a refused upgrade (`status` says how). */
export const WEBSOCKET_REFUSED = "websocket_refused";

/** The server's code when a `previous_response_id` is unknown on this connection. */
export const PREVIOUS_RESPONSE_NOT_FOUND = "previous_response_not_found";

/** The `OpenAI-Beta` value of the WebSocket upgrade (the 0.169 CLI's). */
export const WEBSOCKET_BETA = "responses_websockets=2026-02-06";

/** A WebSocket constructor that takes request headers (Deno, Node 22+ and Bun do). */
export type WebSocketFactory = new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** The runtime's WebSocket, when it has one (Node 20 has none without a flag). */
export function runtimeWebSocket(): WebSocketFactory | undefined {
  const ws = (globalThis as { WebSocket?: unknown }).WebSocket;
  return typeof ws === "function" ? ws as WebSocketFactory : undefined;
}

/**
 * Whether the runtime's WebSocket client holds back mid-sized frames: Deno 2.9's leaves Nagle's
 * algorithm on (no TCP_NODELAY) and writes a frame's header and payload apart, so frames of
 * about 1.1–64 KB wait for the server's delayed ACK, 40 ms each on Linux (`deno task bench:ws`,
 * "a 2 KB tool output" row). Node's and Bun's send at once.
 */
export function webSocketStalls(): boolean {
  return typeof (globalThis as { Deno?: unknown }).Deno === "object" &&
    (globalThis as { WebSocket?: unknown }).WebSocket !== undefined &&
    !(globalThis as { Bun?: unknown }).Bun;
}

/** What was sent and answered last on a connection: the base of the next delta. */
interface LastResponse {
  id: string;
  /** The body without `input`, as JSON: a change of model or tools means a full resend. */
  settings: string;
  /** The full input of that request, then its output items, each as JSON. */
  items: string[];
}

/** The frame of a request: the whole body, or only what is new since `last`. */
export function planFrame(
  body: ResponsesRequestBody,
  last: LastResponse | undefined,
): { frame: Record<string, unknown>; items: string[]; settings: string; incremental: boolean } {
  const { input, ...rest } = body;
  const settings = JSON.stringify(rest);
  const items = input.map((i) => JSON.stringify(i));
  const base = { type: "response.create", ...rest };
  if (
    last && last.settings === settings && last.items.length <= items.length &&
    last.items.every((s, i) => s === items[i])
  ) {
    return {
      frame: { ...base, previous_response_id: last.id, input: input.slice(last.items.length) },
      items,
      settings,
      incremental: true,
    };
  }
  return { frame: { ...base, input }, items, settings, incremental: false };
}

/** The HTTP status in a runtime's upgrade failure, where it says one. */
function refusedStatus(message: string): number | undefined {
  const m = message.match(/status code:?\s*(\d{3})/i);
  return m ? Number(m[1]) : undefined;
}

/** A failure to connect at all (no HTTP answer): the same failure would meet SSE. */
const UNREACHABLE =
  /connect error|refused|unreachable|resolve|dns|not known|timed out|os error|ECONN|ENOTFOUND/i;

function refusal(status: number | undefined, detail: string): CodexError {
  if (status === undefined && UNREACHABLE.test(detail)) {
    return new CodexError(
      "network",
      `Could not reach the backend: ${detail}. Check the connection.`,
      { cause: detail },
    );
  }
  const opts = { status, serverCode: WEBSOCKET_REFUSED, cause: detail };
  if (status === 401 || status === 403) {
    return new CodexError(
      "authentication",
      `The backend refused the credentials (HTTP ${status}). Log in again.`,
      opts,
    );
  }
  return new CodexError(
    "server",
    `The backend refused the WebSocket${status ? ` (HTTP ${status})` : ""}: ${detail}`,
    opts,
  );
}

function unref(timer: ReturnType<typeof setTimeout>): void {
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (deno) deno.unrefTimer(timer as unknown as number);
  else (timer as { unref?: () => void }).unref?.();
}

/** How the events of one response are read. */
export interface EventOptions {
  /** A silent stream is given up after this long. */
  idleTimeoutMs: number;
  /** The first event must come within this long of the request (else it is given up). */
  answerTimeoutMs: number;
  /** Cancels reading (and spends the connection). */
  signal?: AbortSignal;
  /** Called for a frame that is not a JSON event (it is skipped). */
  onMalformed?: () => void;
}

/** One open connection of a conversation. */
export class ResponsesSocket {
  /** What identifies the connection's headers (a change means a new connection). */
  readonly key: string;
  /** The base of the next request's delta, after a completed response. */
  last?: LastResponse;
  #ws: WebSocket;
  #queue: string[] = [];
  #wake?: () => void;
  #closed?: string;
  #abnormal = false;
  #busy = false;
  #idle?: ReturnType<typeof setTimeout>;
  #idleCloseMs: number;

  private constructor(ws: WebSocket, key: string, idleCloseMs: number) {
    this.#ws = ws;
    this.key = key;
    this.#idleCloseMs = idleCloseMs;
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => {
      this.#queue.push(
        typeof e.data === "string" ? e.data : new TextDecoder().decode(e.data as ArrayBuffer),
      );
      this.#wake?.();
    };
    ws.onclose = (e) => {
      this.#abnormal = !e.wasClean;
      this.#closed = `code ${e.code}${e.reason ? `: ${e.reason}` : ""}`;
      this.#wake?.();
    };
    this.#armIdle();
  }

  /** Open a connection; a refused upgrade throws a {@link CodexError} naming its status. */
  static connect(
    url: string,
    headers: Record<string, string>,
    options: {
      key: string;
      WebSocket: WebSocketFactory;
      timeoutMs: number;
      idleCloseMs: number;
      signal?: AbortSignal;
    },
  ): Promise<ResponsesSocket> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new options.WebSocket(url, { headers });
      } catch (e) {
        reject(refusal(undefined, (e as Error).message));
        return;
      }
      const done = (err?: CodexError) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        ws.onopen = ws.onerror = ws.onclose = null;
        if (err) {
          ws.close();
          reject(err);
        } else resolve(new ResponsesSocket(ws, options.key, options.idleCloseMs));
      };
      const onAbort = () => done(new CodexError("aborted", "The request was cancelled."));
      const timer = setTimeout(
        () =>
          done(
            new CodexError(
              "network",
              `The backend did not open the WebSocket within ${
                Math.round(options.timeoutMs / 1000)
              } s.`,
            ),
          ),
        options.timeoutMs,
      );
      options.signal?.addEventListener("abort", onAbort);
      ws.onopen = () => done();
      // Node's WebSocket reports a refused upgrade as an error and never closes: fail on either.
      const fail = (detail: string) => done(refusal(refusedStatus(detail), detail));
      ws.onerror = (e) => fail((e as ErrorEvent).message || "connection failed");
      ws.onclose = () => fail("connection closed");
    });
  }

  /** Whether a response is streaming on it (one at a time). */
  get busy(): boolean {
    return this.#busy;
  }

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Send a request frame; the events of its response follow. */
  send(frame: Record<string, unknown>, options: EventOptions) {
    if (this.#closed) {
      throw new CodexError("network", `The WebSocket is closed (${this.#closed}).`);
    }
    clearTimeout(this.#idle);
    this.#queue = [];
    this.#busy = true;
    this.#ws.send(JSON.stringify(frame));
    return this.#events(options);
  }

  /** Close the connection. */
  close(): void {
    clearTimeout(this.#idle);
    this.#closed ??= "closed by the client";
    this.#ws.close(1000);
  }

  #armIdle() {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.close(), this.#idleCloseMs);
    unref(this.#idle);
  }

  /** The events of one response, read until the consumer stops (it stops at the end). */
  #events(options: EventOptions): AsyncIterableIterator<ServerEvent> {
    const { answerTimeoutMs } = options;
    let answered = false;
    const guard = new StreamGuard({
      idleTimeoutMs: options.idleTimeoutMs,
      signal: options.signal,
      // What the server still sends for this response is unknown: the connection is spent.
      onStop: () => {
        this.close();
        this.#wake?.();
      },
    });
    // Like the headers of an HTTP answer: a server that takes the frame and never answers.
    const noAnswer = setTimeout(() => guard.stop(noAnswerError(answerTimeoutMs)), answerTimeoutMs);
    const finish = () => {
      if (!guard.finish()) return;
      clearTimeout(noAnswer);
      this.#busy = false;
      if (!this.#closed) this.#armIdle();
    };
    const end: IteratorReturnResult<undefined> = { done: true, value: undefined };
    return {
      next: async (): Promise<IteratorResult<ServerEvent>> => {
        while (true) {
          if (guard.finished) return end;
          if (guard.stopped) {
            finish();
            throw guard.stopped;
          }
          const text = this.#queue.shift();
          if (text === undefined) {
            if (this.#closed) {
              finish();
              // No clean close is a failed connection; a clean close, a cut stream.
              throw this.#abnormal
                ? new CodexError(
                  "network",
                  `The connection failed while streaming (WebSocket ${this.#closed}).`,
                )
                : new CodexError(
                  "stream_truncated",
                  `The WebSocket closed before response.completed (${this.#closed}).`,
                );
            }
            await new Promise<void>((r) => (this.#wake = r));
            this.#wake = undefined;
            continue;
          }
          guard.bump();
          if (!answered) {
            answered = true;
            clearTimeout(noAnswer);
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            options.onMalformed?.();
            continue;
          }
          if (
            parsed && typeof parsed === "object" && typeof (parsed as ServerEvent).type === "string"
          ) {
            return { done: false, value: parsed as ServerEvent };
          }
          options.onMalformed?.();
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
}

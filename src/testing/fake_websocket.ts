/**
 * The fake's WebSocket endpoint (PROTOCOL.md §6): `GET …/codex/responses` upgraded with
 * `OpenAI-Beta: responses_websockets=…`; each `response.create` frame carries the items
 * added since `previous_response_id`, which only this connection knows (a new connection
 * knows none). Server frames are the SSE events; errors are `error` frames with a `status`.
 * Faults: refused upgrades (404, 426, 500 …), dropped connections, forgotten responses.
 * The framing is the `ws` package's, loaded when the first upgrade arrives.
 *
 * @module
 */

import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { tick } from "./_http.ts";
import type { RecordedRequest } from "./fake_backend.ts";
import type { Event } from "./fake_sse.ts";
import { type Sink, stall } from "./fake_transport.ts";

/** The `OpenAI-Beta` feature the upgrade must name. */
const WEBSOCKET_FEATURE = "responses_websockets=";

/** What the endpoint needs from the fake. */
export interface WebSocketRoute {
  /** The Responses path (the only one that upgrades). */
  path: string;
  /** The upgrade's refusal, when a fault is queued (status, body). */
  refusal(): { status: number; body: unknown } | undefined;
  /** The 401/403 answer to the upgrade's credentials, when they are not good. */
  authorize(rec: RecordedRequest): { status: number; body: unknown } | undefined;
  /** Log a request (the record is completed with its status later). */
  record(rec: RecordedRequest): void;
  /** Answer one request (the Responses route), into `sink`. */
  answer(rec: RecordedRequest, sink: Sink): Promise<number>;
}

type WsServer = {
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Uint8Array,
    cb: (ws: WsSocket) => void,
  ): void;
  close(): void;
};
type WsSocket = {
  send(text: string): void;
  terminate(): void;
  close(): void;
  readyState: number;
  on(ev: "message", f: (data: unknown, binary: boolean) => void): void;
  on(ev: "close", f: () => void): void;
};

/** The WebSocket side of a fake: attach to a `node:http` server's `upgrade` event. */
export class FakeWebSocketEndpoint {
  #route: WebSocketRoute;
  #server?: Promise<WsServer | undefined>;
  #sockets = new Set<WsSocket>();
  #forget = 0;

  constructor(route: WebSocketRoute) {
    this.#route = route;
  }

  /** Open connections. */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Drop every open connection (the client sees an abnormal close). */
  dropConnections(): void {
    for (const s of this.#sockets) s.terminate();
  }

  /** The next `count` requests naming a previous response find none (as after a failover). */
  forgetResponses(count = 1): void {
    this.#forget += count;
  }

  /** Handle an `upgrade` event of the HTTP server. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Uint8Array): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    const rec: RecordedRequest = {
      method: "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: undefined,
      rawBody: "",
      at: Date.now(),
      transport: "websocket",
    };
    this.#route.record(rec);
    const refuse = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json\r\n` +
          `content-length: ${
            new TextEncoder().encode(text).length
          }\r\nconnection: close\r\n\r\n${text}`,
        () => socket.destroy(),
      );
      rec.status = status;
    };
    if (url.pathname !== this.#route.path) return refuse(404, { detail: "Not Found" });
    const fault = this.#route.refusal();
    if (fault) return refuse(fault.status, fault.body);
    if (!(headers["openai-beta"] ?? "").includes(WEBSOCKET_FEATURE)) {
      return refuse(400, {
        detail: `WebSocket requests need the OpenAI-Beta header ${WEBSOCKET_FEATURE}<date>.`,
      });
    }
    const server = await (this.#server ??= loadServer());
    if (!server) {
      return refuse(426, { detail: "fake backend: install the npm package ws for WebSockets" });
    }
    // Credentials are checked on the upgrade like any request (a refusal is its status).
    const denied = this.#route.authorize(rec);
    if (denied) return refuse(denied.status, denied.body);
    rec.status = 101;
    server.handleUpgrade(req, socket, head, (ws) => this.#serve(ws, rec));
  }

  /** Close the endpoint's connections. */
  close(): void {
    this.dropConnections();
    void this.#server?.then((s) => s?.close());
  }

  #serve(ws: WsSocket, upgrade: RecordedRequest) {
    this.#sockets.add(ws);
    /** What this connection knows: each completed response's whole history, by id. */
    const known = new Map<string, unknown[]>();
    let busy = false;
    let closed = false;
    const onClose: (() => void)[] = [];
    ws.on("close", () => {
      closed = true;
      this.#sockets.delete(ws);
      for (const f of onClose.splice(0)) f();
    });
    const send = (ev: Record<string, unknown>) => {
      if (!closed) ws.send(JSON.stringify(ev));
    };
    const error = (status: number, error: Record<string, unknown>) =>
      send({ type: "error", status, error });
    ws.on("message", async (data) => {
      const text = String(data);
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(text);
        if (!frame || typeof frame !== "object" || Array.isArray(frame)) throw new Error();
      } catch {
        return error(400, { type: "invalid_request_error", message: "Frames must be JSON." });
      }
      if (frame.type !== "response.create") {
        return error(400, {
          type: "invalid_request_error",
          message: `Unsupported frame type: ${JSON.stringify(frame.type)}.`,
        });
      }
      if (busy) {
        return error(400, {
          type: "invalid_request_error",
          message: "A response is already in progress on this connection.",
        });
      }
      const { type: _t, previous_response_id: prev, generate, ...body } = frame;
      let history: unknown[] = [];
      if (prev !== undefined) {
        const found = typeof prev === "string" && this.#forget === 0 ? known.get(prev) : undefined;
        if (this.#forget > 0) this.#forget--;
        if (!found) {
          return error(400, {
            type: "invalid_request_error",
            code: "previous_response_not_found",
            message: `Previous response with id '${prev}' not found.`,
            param: "previous_response_id",
          });
        }
        history = found;
      }
      const input = [...history, ...(Array.isArray(body.input) ? body.input : [])];
      const rec: RecordedRequest = {
        ...upgrade,
        method: "WS",
        body: { ...body, input },
        rawBody: text,
        frame,
        at: Date.now(),
        status: undefined,
      };
      this.#route.record(rec);
      busy = true;
      try {
        if (generate === false) {
          // A prewarm: the connection learns the input; nothing is generated.
          const id = `resp_prewarm_${crypto.randomUUID()}`;
          send({ type: "response.created", response: { id, status: "in_progress" } });
          send({ type: "response.completed", response: { id, status: "completed", output: [] } });
          known.set(id, input);
          rec.status = 200;
          return;
        }
        rec.status = await this.#route.answer(rec, {
          json: (status, answer, headers) => {
            const a = (answer ?? {}) as Record<string, unknown>;
            const err = a.error && typeof a.error === "object"
              ? a.error
              : { message: String(a.detail ?? `HTTP ${status}`) };
            send({ type: "error", status, error: err, ...(headers ? { headers } : {}) });
            return status;
          },
          hang: () => new Promise<number>((r) => closed ? r(0) : onClose.push(() => r(0))),
          stream: async (events, step, headers) => {
            send(rateLimitsEvent(headers));
            for (const ev of events) {
              if (closed) return 200;
              send(ev);
              if (ev.type === "response.completed") remember(known, input, ev);
              if (step.chunkBytes) await tick(1);
            }
            const end = step.end ?? { kind: "completed" };
            if (end.kind === "stall") await stall(end.ms, (f) => onClose.push(f));
            // A cut stream is a connection closed before the response completed.
            if (end.kind === "cut") ws.close();
            if (end.kind === "reset") ws.terminate();
            return 200;
          },
        });
      } finally {
        busy = false;
      }
    });
  }
}

/** Keep a completed response's history (input, then output as it is replayed). */
function remember(known: Map<string, unknown[]>, input: unknown[], ev: Event) {
  const response = ev.response as { id?: string; output?: Record<string, unknown>[] };
  if (!response?.id) return;
  const output = (response.output ?? []).map((item) => {
    if (item.type === "compaction") return item;
    const { id: _id, status: _status, ...rest } = item;
    return rest;
  });
  known.set(response.id, [...input, ...output]);
}

/** The `codex.rate_limits` event of the rate-limit headers (WebSocket frames have none). */
function rateLimitsEvent(headers: Record<string, string>): Record<string, unknown> {
  const window = (which: string) => {
    const used = headers[`x-codex-${which}-used-percent`];
    if (used === undefined) return null;
    return {
      used_percent: Number(used),
      window_minutes: Number(headers[`x-codex-${which}-window-minutes`] ?? 0),
      reset_at: Number(headers[`x-codex-${which}-reset-at`] ?? 0),
    };
  };
  return {
    type: "codex.rate_limits",
    plan_type: "plus",
    rate_limits: { primary: window("primary"), secondary: window("secondary") },
    credits: {
      has_credits: headers["x-codex-credits-has-credits"] === "true",
      unlimited: headers["x-codex-credits-unlimited"] === "true",
      balance: headers["x-codex-credits-balance"] ?? null,
    },
  };
}

async function loadServer(): Promise<WsServer | undefined> {
  try {
    const { WebSocketServer } = await import("ws");
    return new WebSocketServer({ noServer: true }) as unknown as WsServer;
  } catch {
    return undefined;
  }
}

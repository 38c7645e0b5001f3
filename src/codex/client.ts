/**
 * The Responses client: one streamed model response per call, as typed events.
 *
 * It retries what fails before the stream starts (network, 5xx, plain 429) with the CLI's
 * backoff, asks the credentials provider once more after a 401, and falls back to the
 * catalog's official instructions when the backend rejects ours. Failures after the stream
 * started are thrown for the caller (the agent) to retry the round.
 *
 * @module
 */

import { type FetchedCatalog, ModelCatalog } from "./catalog.ts";
import { CodexError, errorFromFailure, errorFromHttp } from "./errors.ts";
import { modelNames } from "./models.ts";
import {
  CODEX_CLIENT_VERSION,
  DEFAULT_BASE_URL,
  DEFAULT_IDLE_TIMEOUT_MS,
  HEADER,
  INSTRUCTIONS_NOT_VALID,
  MODELS_ETAG_HEADER,
  MODELS_PATH,
  RESPONSES_PATH,
} from "./protocol.ts";
import { parseRateLimits, RATE_LIMITS_EVENT, rateLimitsFromEvent } from "./rate_limits.ts";
import {
  buildBody,
  buildHeaders,
  type Credentials,
  toReplayItem,
  type TurnRequest,
  userAgent,
} from "./request.ts";
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from "./retry.ts";
import { parseServerEvents, type ServerEvent } from "./sse.ts";
import type { InputItem, ModelInfo, OutputItem, RateLimitSnapshot, Usage } from "./types.ts";
import { noAnswerError } from "./watchdog.ts";
import {
  planFrame,
  PREVIOUS_RESPONSE_NOT_FOUND,
  ResponsesSocket,
  runtimeWebSocket,
  WEBSOCKET_BETA,
  WEBSOCKET_REFUSED,
  type WebSocketFactory,
  webSocketStalls,
} from "./websocket.ts";

/** An idle WebSocket connection is closed after this long (a new one resends in full). */
const WEBSOCKET_IDLE_CLOSE_MS = 120_000;

/** Returns credentials; `forceRefresh` after the backend answered 401. */
export type CredentialsProvider = (
  options: { forceRefresh: boolean; signal?: AbortSignal },
) => Promise<Credentials>;

/** Options of {@link ResponsesClient}. */
export interface ResponsesClientOptions {
  /** Where tokens come from. */
  credentials: CredentialsProvider;
  /** Backend base URL; default `CODEX_BASE_URL` or {@link DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** The library version, for the User-Agent. */
  version?: string;
  /** Stream idle limit; default 300 s like the CLI. */
  idleTimeoutMs?: number;
  /** How long to wait for response headers once connected; default 60 s. */
  headersTimeoutMs?: number;
  /** Retry policy before the stream starts; default the CLI's. */
  retry?: RetryPolicy;
  /** Injected fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Where the model catalog is cached on disk (none when undefined). */
  modelsCacheFile?: string;
  /**
   * `auto` (default, or `CODEX_TRANSPORT`): WebSocket where the catalog's model prefers it
   * and the runtime has a WebSocket that sends promptly (Node 22+, Bun; not Deno's, see
   * `webSocketStalls`), else SSE; `websocket`: always try it first; `sse`: never. A refused WebSocket falls
   * back to SSE for the rest of the client's life, as the Codex CLI does.
   */
  transport?: "auto" | "websocket" | "sse";
  /** Injected WebSocket constructor (tests); default the runtime's. */
  webSocket?: WebSocketFactory;
}

/** The finished response: what the model produced and what it cost. */
export interface CompletedResponse {
  /** The response id. */
  id?: string;
  /** Items in order (from `output_item.done`; `response.output` only if none streamed). */
  items: OutputItem[];
  /** Token usage. */
  usage?: Usage;
  /** Rate-limit state from the response headers. */
  rateLimits?: RateLimitSnapshot;
  /** `data:` lines that were not JSON and were skipped. */
  malformedEvents: number;
}

/** What a streamed response yields, in order; `completed` is always last. */
export type ResponseEvent =
  | { type: "retry"; attempt: number; delayMs: number; error: CodexError }
  /** The client switched transport (a refused WebSocket): from now on, `transport`. */
  | { type: "transport"; transport: "sse"; reason: string }
  | { type: "created"; responseId?: string; rateLimits?: RateLimitSnapshot }
  | { type: "text_delta"; delta: string }
  | { type: "reasoning_delta"; delta: string }
  | { type: "reasoning_part_added" }
  | { type: "item_done"; item: OutputItem }
  | { type: "completed"; response: CompletedResponse };

/** A variable of the environment, in any runtime (no `process` in a browser-like one). */
function envVar(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.[name];
}

/** `CODEX_TRANSPORT` (`auto`, `websocket` or `sse`), else `auto`. */
function transportFromEnv(): "auto" | "websocket" | "sse" {
  const v = envVar("CODEX_TRANSPORT")?.trim().toLowerCase();
  return v === "sse" || v === "websocket" ? v : "auto";
}

/** The base URL from the environment, or the default. */
export function baseUrlFromEnv(): string {
  return (envVar("CODEX_BASE_URL") || DEFAULT_BASE_URL).replace(/\/+$/, "");
}

/**
 * A client of the ChatGPT Codex Responses endpoint.
 *
 * @example
 * ```ts ignore
 * import { ResponsesClient } from "@x/codex-provider";
 * const client = new ResponsesClient({
 *   credentials: () => Promise.resolve({ accessToken: "…", accountId: "…" }),
 * });
 * for await (const ev of client.stream({
 *   model: (await client.catalog.load())[0].slug, instructions: "Be brief.",
 *   conversationId: crypto.randomUUID(),
 *   input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
 * })) if (ev.type === "text_delta") console.log(ev.delta);
 * client.close(); // the conversation's WebSocket connection
 * ```
 */
export class ResponsesClient {
  /** The backend base URL in use. */
  readonly baseUrl: string;
  #opts: ResponsesClientOptions;
  #fetch: typeof fetch;
  #ua: string;
  #officialInstructions = false;
  #sockets = new Map<string, ResponsesSocket>();
  #webSocket: WebSocketFactory | undefined;
  #webSocketOff = false;
  #transport: "auto" | "websocket" | "sse";
  #autoWebSocket: boolean;
  /** The backend's model catalog (fetched, cached and refreshed through this client). */
  readonly catalog: ModelCatalog;

  /** Create a client. */
  constructor(options: ResponsesClientOptions) {
    this.#opts = options;
    this.baseUrl = (options.baseUrl ?? baseUrlFromEnv()).replace(/\/+$/, "");
    this.#fetch = options.fetch ?? fetch;
    this.#ua = userAgent(options.version ?? "0.0.0");
    this.#webSocket = options.webSocket ?? runtimeWebSocket();
    this.#autoWebSocket = options.webSocket !== undefined || !webSocketStalls();
    this.#transport = options.transport ?? transportFromEnv();
    this.catalog = new ModelCatalog({ source: this, cacheFile: options.modelsCacheFile });
  }

  /** The models of the live catalog (see {@link ModelCatalog.load}). */
  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    return [...await this.catalog.load({ signal })];
  }

  /** One request of the catalog endpoint, conditional on `etag` (see {@link ModelCatalog}). */
  async fetchModels(etag: string | undefined, signal?: AbortSignal): Promise<FetchedCatalog> {
    const creds = await this.#opts.credentials({ forceRefresh: false, signal });
    const url = `${this.baseUrl}${MODELS_PATH}?client_version=${CODEX_CLIENT_VERSION}`;
    const headers = buildHeaders(creds, { ua: this.#ua });
    headers.accept = "application/json";
    if (etag) headers["if-none-match"] = etag;
    let res: Response;
    try {
      res = await this.#fetch(url, { headers, signal });
    } catch (e) {
      throw new CodexError("network", `Could not reach ${url}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (res.status === 304 || res.status === 404) {
      await res.body?.cancel();
      return { status: res.status === 304 ? "not_modified" : "absent" };
    }
    const text = await res.text();
    if (!res.ok) throw errorFromHttp(res.status, text, res.headers);
    let models: unknown;
    try {
      models = (JSON.parse(text) as { models?: unknown }).models;
    } catch {
      models = undefined;
    }
    if (!Array.isArray(models) || !models.every((m) => typeof m?.slug === "string")) {
      throw new CodexError("server", "The model catalog answer is not a list of models.");
    }
    return { status: "ok", models, etag: res.headers.get("etag") ?? undefined };
  }

  /** Stream one response. Events end with `completed`; failures throw {@link CodexError}. */
  async *stream(
    request: TurnRequest,
    options: { signal?: AbortSignal; maxRetries?: number } = {},
  ): AsyncGenerator<ResponseEvent, void, undefined> {
    const { signal } = options;
    const policy = this.#opts.retry ?? DEFAULT_RETRY_POLICY;
    // A caller with its own retries (the agent) passes what is left of one shared budget.
    const retry = { ...policy, maxRetries: options.maxRetries ?? policy.maxRetries };
    let req = this.#officialInstructions ? await this.#withOfficial(request, signal) : request;
    let forceRefresh = false;
    let triedOfficial = this.#officialInstructions;
    let resent = false;
    let attempt = 0;
    while (true) {
      let opened: Opened;
      try {
        opened = await this.#open(req, forceRefresh, signal);
      } catch (e) {
        const err = toCodexError(e, signal);
        if (err.code === "authentication" && err.status === 401 && !forceRefresh) {
          forceRefresh = true;
          continue;
        }
        // The connection lost the previous response: a new one, with everything (once).
        if (err.serverCode === PREVIOUS_RESPONSE_NOT_FOUND && !resent) {
          resent = true;
          continue;
        }
        if (
          err.serverCode === WEBSOCKET_REFUSED && err.code !== "authentication" &&
          (err.status === 426 || attempt >= retry.maxRetries)
        ) {
          // The CLI's fallback: HTTP for the rest of the process, with a fresh budget.
          this.#webSocketOff = true;
          attempt = 0;
          yield {
            type: "transport",
            transport: "sse",
            reason: `${err.message}${
              err.status === 426 ? "" : ` (after ${retry.maxRetries + 1} tries)`
            }`,
          };
          continue;
        }
        if (
          err.code === "invalid_request" && !triedOfficial &&
          String(err.cause).includes(INSTRUCTIONS_NOT_VALID)
        ) {
          triedOfficial = true;
          const official = await this.#withOfficial(request, signal);
          if (official !== request) {
            this.#officialInstructions = true;
            req = official;
            continue;
          }
        }
        if (err.code === "model_not_supported") throw await this.#withAlternatives(err, signal);
        if (!err.retryable || attempt >= retry.maxRetries) throw err;
        attempt++;
        const delayMs = backoffDelay(attempt, retry, err.retryAfterMs);
        yield { type: "retry", attempt, delayMs, error: err };
        await sleep(delayMs, signal);
        continue;
      }
      yield* this.#read(opened, signal);
      return;
    }
  }

  /**
   * Close the open WebSocket connections (idle ones close by themselves after a while, but an
   * open one keeps a process alive until then). The client stays usable.
   */
  close(): void {
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
  }

  /**
   * Open the conversation's WebSocket and send its history with `generate: false`, as the
   * Codex CLI does at start: the connection is set up before it is needed, and the next
   * request carries only what is new. Best effort: over SSE nothing is sent, and a failure
   * is left for the next request to meet. Resolves whether the connection is warm.
   */
  async prewarm(request: TurnRequest, signal?: AbortSignal): Promise<boolean> {
    if (this.transportFor(request.model) !== "websocket") return false;
    try {
      const opened = await this.#openWebSocket(request, false, signal, { generate: false });
      if (!opened) return false;
      for await (const _ of this.#read(opened, signal)) { /* until it completes */ }
      return true;
    } catch {
      return false;
    }
  }

  /** The transport this client would use for a model now. */
  transportFor(model: string): "websocket" | "sse" {
    const mode = this.#transport;
    if (mode === "sse" || this.#webSocketOff || !this.#webSocket) return "sse";
    if (mode === "websocket") return "websocket";
    if (!this.#autoWebSocket) return "sse";
    return this.catalog.lastKnown(model)?.prefer_websockets === true ? "websocket" : "sse";
  }

  /** Start a request on the transport in use: its events, once the server accepted it. */
  async #open(req: TurnRequest, forceRefresh: boolean, signal?: AbortSignal): Promise<Opened> {
    if (this.transportFor(req.model) === "websocket") {
      const opened = await this.#openWebSocket(req, forceRefresh, signal);
      if (opened) return opened;
    }
    const res = await this.#send(req, forceRefresh, signal);
    return {
      rateLimits: parseRateLimits(res.headers),
      events: (onMalformed) =>
        parseServerEvents(res.body!, {
          idleTimeoutMs: this.#idleMs,
          signal,
          onMalformed,
        }),
    };
  }

  /** A request over the conversation's connection; undefined when it is busy (use SSE). */
  async #openWebSocket(
    req: TurnRequest,
    forceRefresh: boolean,
    signal?: AbortSignal,
    extra: Record<string, unknown> = {},
  ): Promise<Opened | undefined> {
    const creds = await this.#opts.credentials({ forceRefresh, signal });
    const { accept: _a, "content-type": _c, ...headers } = buildHeaders(creds, {
      ua: this.#ua,
      request: req,
    });
    headers[HEADER.openaiBeta] = WEBSOCKET_BETA;
    const { authorization: _auth, ...identity } = headers;
    const key = JSON.stringify(identity);
    let socket = this.#sockets.get(req.conversationId);
    if (socket && (socket.closed || socket.key !== key)) {
      this.#dropSocket(req.conversationId);
      socket = undefined;
    }
    if (socket?.busy) return undefined;
    if (!socket) {
      socket = await ResponsesSocket.connect(
        `${this.baseUrl.replace(/^http/, "ws")}${RESPONSES_PATH}`,
        headers,
        {
          key,
          WebSocket: this.#webSocket!,
          timeoutMs: this.#headersMs,
          idleCloseMs: WEBSOCKET_IDLE_CLOSE_MS,
          signal,
        },
      );
      // A request of the same conversation may have connected meanwhile: keep one.
      const other = this.#sockets.get(req.conversationId);
      if (other && !other.busy) other.close();
      this.#sockets.set(req.conversationId, socket);
    }
    const plan = planFrame(buildBody(req), socket.last);
    socket.last = undefined;
    let malformed = () => {};
    const events = socket.send({ ...plan.frame, ...extra }, {
      idleTimeoutMs: this.#idleMs,
      answerTimeoutMs: this.#headersMs,
      signal,
      onMalformed: () => malformed(),
    });
    // An `error` frame before anything else is the request's refusal (as an HTTP status
    // would be): the caller retries it like one. A connection the server lost track of, or
    // one whose credentials expired, is replaced.
    let first: IteratorResult<ServerEvent>;
    try {
      first = await events.next();
    } catch (e) {
      this.#dropSocket(req.conversationId);
      throw e;
    }
    if (!first.done && first.value.type === "error") {
      await events.return?.();
      const headers = stringHeaders(first.value.headers);
      if (this.catalog.noteEtag(headers[MODELS_ETAG_HEADER])) void this.catalog.load();
      const err = errorOfEvent(first.value);
      if (err.serverCode === PREVIOUS_RESPONSE_NOT_FOUND || err.code === "authentication") {
        this.#dropSocket(req.conversationId);
      }
      throw err;
    }
    return {
      socket,
      events: (onMalformed) => {
        malformed = onMalformed;
        return prepend(first, events);
      },
      onCompleted: (id, items) => {
        if (!id) return;
        socket.last = {
          id,
          settings: plan.settings,
          items: [...plan.items, ...items.map((i) => JSON.stringify(toReplayItem(i as InputItem)))],
        };
      },
    };
  }

  #dropSocket(conversationId: string) {
    this.#sockets.get(conversationId)?.close();
    this.#sockets.delete(conversationId);
  }

  get #idleMs(): number {
    return this.#opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  /** How long a request may wait for the answer to start (headers, or a first frame). */
  get #headersMs(): number {
    return this.#opts.headersTimeoutMs ?? 60_000;
  }

  async #send(req: TurnRequest, forceRefresh: boolean, signal?: AbortSignal): Promise<Response> {
    const creds = await this.#opts.credentials({ forceRefresh, signal });
    // A server that accepts the connection and never answers must not hang the turn.
    const headersMs = this.#headersMs;
    const noHeaders = new AbortController();
    const timer = setTimeout(() => noHeaders.abort(), headersMs);
    let res: Response;
    try {
      res = await this.#fetch(`${this.baseUrl}${RESPONSES_PATH}`, {
        method: "POST",
        headers: buildHeaders(creds, { ua: this.#ua, request: req }),
        body: JSON.stringify(buildBody(req)),
        signal: signal ? AbortSignal.any([signal, noHeaders.signal]) : noHeaders.signal,
      });
    } catch (e) {
      if (noHeaders.signal.aborted && !signal?.aborted) throw noAnswerError(headersMs, e);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    // The catalog changed (a model retired or added): read it again, as the CLI does.
    if (this.catalog.noteEtag(res.headers.get(MODELS_ETAG_HEADER))) void this.catalog.load();
    if (!res.ok) throw errorFromHttp(res.status, await res.text(), res.headers);
    if (!res.body) throw new CodexError("stream_truncated", "The backend sent no body.");
    return res;
  }

  /** Name the models the catalog offers (read again), so the person knows what to pick. */
  async #withAlternatives(err: CodexError, signal?: AbortSignal): Promise<CodexError> {
    const names = modelNames(await this.catalog.load({ refresh: true, signal }));
    if (!names) return err;
    return new CodexError("model_not_supported", `${err.message} Available: ${names}.`, {
      status: err.status,
      serverCode: err.serverCode,
      cause: err.cause,
    });
  }

  /** Our instructions become a developer message; the catalog's prompt is `instructions`. */
  async #withOfficial(req: TurnRequest, signal?: AbortSignal): Promise<TurnRequest> {
    const models = await this.catalog.load({ signal });
    const base = models.find((m) => m.slug === req.model)?.base_instructions;
    if (!base) return req;
    return {
      ...req,
      instructions: base,
      input: [
        {
          type: "message",
          role: "developer",
          content: [{ type: "input_text", text: req.instructions }],
        },
        ...req.input,
      ],
    };
  }

  async *#read(opened: Opened, signal?: AbortSignal): AsyncGenerator<ResponseEvent> {
    let rateLimits = opened.rateLimits;
    const items: OutputItem[] = [];
    let malformed = 0;
    let id: string | undefined;
    const events = opened.events(() => malformed++);
    try {
      for await (const ev of events) {
        // Over WebSocket the rate limits come as an event (over SSE, in the headers).
        if (ev.type === RATE_LIMITS_EVENT && opened.socket) {
          rateLimits = rateLimitsFromEvent(ev) ?? rateLimits;
          continue;
        }
        const out = mapEvent(ev);
        if (!out) continue;
        switch (out.type) {
          case "created":
            id = out.responseId;
            yield { ...out, rateLimits };
            break;
          case "item_done":
            items.push(out.item);
            yield out;
            break;
          case "completed": {
            const response = ev.response as Record<string, unknown> | undefined;
            const streamed = items.length ? items : (response?.output as OutputItem[]) ?? [];
            const responseId = (response?.id as string) ?? id;
            opened.onCompleted?.(responseId, streamed);
            yield {
              type: "completed",
              response: {
                id: responseId,
                items: streamed,
                usage: response?.usage as Usage | undefined,
                rateLimits,
                malformedEvents: malformed,
              },
            };
            return;
          }
          default:
            yield out;
        }
      }
    } catch (e) {
      throw toCodexError(e, signal);
    }
    throw new CodexError(
      "stream_truncated",
      "The stream closed before response.completed.",
    );
  }
}

/** How a request was started: its events, and for WebSocket the connection. */
interface Opened {
  events: (onMalformed: () => void) => AsyncIterableIterator<ServerEvent>;
  rateLimits?: RateLimitSnapshot;
  socket?: ResponsesSocket;
  onCompleted?: (id: string | undefined, items: OutputItem[]) => void;
}

/** Translate one server event; undefined for events we do not use (unknown types too). */
function mapEvent(ev: ServerEvent): ResponseEvent | undefined {
  switch (ev.type) {
    case "response.created":
      return { type: "created", responseId: (ev.response as { id?: string })?.id };
    case "response.output_text.delta":
      return { type: "text_delta", delta: String(ev.delta ?? "") };
    case "response.reasoning_summary_text.delta":
      return { type: "reasoning_delta", delta: String(ev.delta ?? "") };
    case "response.reasoning_summary_part.added":
      return { type: "reasoning_part_added" };
    case "response.output_item.done":
      return ev.item && typeof ev.item === "object"
        ? { type: "item_done", item: ev.item as OutputItem }
        : undefined;
    case "response.completed":
      return { type: "completed", response: { items: [], malformedEvents: 0 } };
    case "response.failed":
      throw errorFromFailure(
        (ev.response as { error?: { code?: string; message?: string } })?.error,
      );
    case "response.incomplete": {
      const reason = (ev.response as { incomplete_details?: { reason?: string } })
        ?.incomplete_details?.reason ?? "unknown";
      throw new CodexError("incomplete", `The model stopped early (reason: ${reason}).`, {
        serverCode: reason,
      });
    }
    case "error":
      if (typeof ev.status === "number") {
        throw errorFromHttp(ev.status, JSON.stringify(ev), new Headers(stringHeaders(ev.headers)));
      }
      throw errorFromFailure(
        (ev.error as { code?: string; message?: string }) ??
          { code: ev.code as string, message: ev.message as string },
      );
    default:
      return undefined;
  }
}

/** The error an `error` event stands for. */
function errorOfEvent(ev: ServerEvent): CodexError {
  const error = ev.error as { code?: unknown; message?: unknown } | undefined;
  if (error?.code === PREVIOUS_RESPONSE_NOT_FOUND) {
    return new CodexError("invalid_request", String(error.message ?? error.code), {
      status: typeof ev.status === "number" ? ev.status : undefined,
      serverCode: PREVIOUS_RESPONSE_NOT_FOUND,
      cause: JSON.stringify(ev),
    });
  }
  try {
    mapEvent(ev);
  } catch (e) {
    if (e instanceof CodexError) return e;
  }
  return new CodexError("server", `The backend sent an error: ${JSON.stringify(ev)}`);
}

/** `rest`, with an event already read put back in front. */
function prepend(
  first: IteratorResult<ServerEvent>,
  rest: AsyncIterableIterator<ServerEvent>,
): AsyncIterableIterator<ServerEvent> {
  let pending: IteratorResult<ServerEvent> | undefined = first;
  return {
    next() {
      if (!pending) return rest.next();
      const r = pending;
      pending = undefined;
      return Promise.resolve(r);
    },
    return() {
      pending = undefined;
      return rest.return?.() ?? Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function stringHeaders(h: unknown): Record<string, string> {
  if (!h || typeof h !== "object") return {};
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
}

function toCodexError(e: unknown, signal?: AbortSignal): CodexError {
  if (e instanceof CodexError) return e;
  if (signal?.aborted) return new CodexError("aborted", "The request was cancelled.", { cause: e });
  return new CodexError(
    "network",
    `Could not reach the backend: ${(e as Error)?.message ?? e}. Check the connection.`,
    { cause: e },
  );
}

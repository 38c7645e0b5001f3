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
  INSTRUCTIONS_NOT_VALID,
  MODELS_ETAG_HEADER,
  MODELS_PATH,
  RESPONSES_PATH,
} from "./protocol.ts";
import { parseRateLimits } from "./rate_limits.ts";
import {
  buildBody,
  buildHeaders,
  type Credentials,
  type TurnRequest,
  userAgent,
} from "./request.ts";
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from "./retry.ts";
import { parseServerEvents, type ServerEvent } from "./sse.ts";
import type { ModelInfo, OutputItem, RateLimitSnapshot, Usage } from "./types.ts";

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
  | { type: "created"; responseId?: string; rateLimits?: RateLimitSnapshot }
  | { type: "text_delta"; delta: string }
  | { type: "reasoning_delta"; delta: string }
  | { type: "reasoning_part_added" }
  | { type: "item_done"; item: OutputItem }
  | { type: "completed"; response: CompletedResponse };

/** The base URL from the environment, or the default. */
export function baseUrlFromEnv(): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return (env?.CODEX_BASE_URL || DEFAULT_BASE_URL).replace(/\/+$/, "");
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
 * ```
 */
export class ResponsesClient {
  /** The backend base URL in use. */
  readonly baseUrl: string;
  #opts: ResponsesClientOptions;
  #fetch: typeof fetch;
  #ua: string;
  #officialInstructions = false;
  /** The backend's model catalog (fetched, cached and refreshed through this client). */
  readonly catalog: ModelCatalog;

  /** Create a client. */
  constructor(options: ResponsesClientOptions) {
    this.#opts = options;
    this.baseUrl = (options.baseUrl ?? baseUrlFromEnv()).replace(/\/+$/, "");
    this.#fetch = options.fetch ?? fetch;
    this.#ua = userAgent(options.version ?? "0.0.0");
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
    let attempt = 0;
    let res: Response;
    while (true) {
      try {
        res = await this.#send(req, forceRefresh, signal);
        break;
      } catch (e) {
        const err = toCodexError(e, signal);
        if (err.code === "authentication" && err.status === 401 && !forceRefresh) {
          forceRefresh = true;
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
      }
    }
    yield* this.#read(res, signal);
  }

  async #send(req: TurnRequest, forceRefresh: boolean, signal?: AbortSignal): Promise<Response> {
    const creds = await this.#opts.credentials({ forceRefresh, signal });
    // A server that accepts the connection and never answers must not hang the turn.
    const headersMs = this.#opts.headersTimeoutMs ?? 60_000;
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
      if (noHeaders.signal.aborted && !signal?.aborted) {
        throw new CodexError(
          "network",
          `The backend sent no answer within ${
            headersMs >= 1000 ? `${Math.round(headersMs / 1000)} s` : `${headersMs} ms`
          } of the request.`,
          { cause: e },
        );
      }
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

  async *#read(res: Response, signal?: AbortSignal): AsyncGenerator<ResponseEvent> {
    const rateLimits = parseRateLimits(res.headers);
    const items: OutputItem[] = [];
    let malformed = 0;
    let id: string | undefined;
    const events = parseServerEvents(res.body!, {
      idleTimeoutMs: this.#opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      signal,
      onMalformed: () => malformed++,
    });
    try {
      for await (const ev of events) {
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
            yield {
              type: "completed",
              response: {
                id: (response?.id as string) ?? id,
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
      throw errorFromFailure(
        (ev.error as { code?: string; message?: string }) ??
          { code: ev.code as string, message: ev.message as string },
      );
    default:
      return undefined;
  }
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

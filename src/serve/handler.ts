/**
 * The subscription behind an OpenAI-compatible endpoint: a Web `Request → Response` handler
 * for `POST /v1/chat/completions`, `POST /v1/responses` and `GET /v1/models`, over the
 * engine's client (its token store, retry policy and model catalog).
 *
 * Only the machine's own users: a bearer key is required unless `apiKey` is `false`;
 * requests must name a loopback host (no DNS rebinding) unless `allowedHosts` says
 * otherwise; cross-origin requests are refused unless their origin is in `allowedOrigins`.
 *
 * @module
 */

import type { ResponsesClient } from "../codex/client.ts";
import { defaultModel, effortsOf, listedModels } from "../codex/models.ts";
import type { ModelInfo } from "../codex/types.ts";
import { chatChunks, chatCompletion } from "./chat.ts";
import { chatAsk } from "./chat_input.ts";
import { ApiError, badRequest, toApiError } from "./errors.ts";
import { responseAnswer, responseEvents } from "./responses.ts";
import { ResponseMemory, responsesAsk } from "./responses_input.ts";
import { type StartedTurn, startTurn, type TurnAsk, type TurnContext } from "./turn.ts";

/** Options of {@link createServeHandler}. */
export interface ServeOptions {
  /** The engine's client: its credentials, retries and catalog serve every request. */
  client: ResponsesClient;
  /** The bearer key callers must send, or `false` for none (anyone who can connect). */
  apiKey: string | false;
  /**
   * Host names requests may be addressed to (the `Host` header), against DNS rebinding;
   * default the loopback names (`localhost`, `127.0.0.1`, `[::1]`); `["*"]` for any.
   */
  allowedHosts?: string[];
  /** Origins whose browser requests are answered (CORS); default none. `"*"` for any. */
  allowedOrigins?: string[];
  /** Instructions for requests that bring none (no system message). */
  instructions?: string;
  /** The login's plan, to list and pick its models. */
  plan?: () => string | undefined;
  /** How many responses to keep for `previous_response_id` (default 1,000). */
  rememberResponses?: number;
  /** One line per request (no bodies, no keys); default none. */
  log?: (line: string) => void;
  /** Largest request body, bytes (default 32 MiB: images come as data URLs). */
  maxBodyBytes?: number;
  /**
   * How long after the request a response that has started but produced nothing yet may
   * wait before the answer is committed (HTTP 200, then the stream), so that a long think
   * does not run into a caller's header timeout; failures before that are HTTP errors.
   * Default 10 s.
   */
  commitAfterMs?: number;
}

/** What requests that bring no instructions get. */
export const DEFAULT_SERVE_INSTRUCTIONS = "You are a helpful assistant.";

/** The names of this machine's loopback addresses, as a request's URL names them. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The host name a request was addressed to: servers build the request's URL from its `Host`
 * header (and a request made in code has no other), so the URL's name is the one to check.
 */
function hostName(req: Request): string {
  return new URL(req.url).hostname.toLowerCase();
}

/** Compare keys in time independent of where they differ. */
function sameKey(given: string, key: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(key);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i];
  return diff === 0;
}

function modelObject(m: ModelInfo, defaultSlug?: string) {
  return {
    id: m.slug,
    object: "model",
    created: 0,
    owned_by: "openai",
    display_name: m.display_name ?? m.slug,
    context_window: m.context_window,
    reasoning_efforts: effortsOf(m),
    default_reasoning_effort: m.default_reasoning_level,
    input_modalities: m.input_modalities,
    default: m.slug === defaultSlug,
  };
}

async function readJson(req: Request, max: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > max) throw new ApiError(413, `The request body is over ${max} bytes.`);
  const text = await req.text();
  if (text.length > max) throw new ApiError(413, `The request body is over ${max} bytes.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest(
      "We could not parse the JSON body of your request. Send JSON with Content-Type: application/json.",
    );
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw badRequest("The request body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

/**
 * A handler for the OpenAI-compatible endpoint, to mount in any server (`Deno.serve`,
 * `Bun.serve`, Node through an adapter) or call directly.
 *
 * @example Against the fake backend
 * ```ts
 * import { createServeHandler, ResponsesClient } from "@x/codex-provider";
 * import { reply, startFakeBackend } from "@x/codex-provider/testing";
 *
 * const fake = await startFakeBackend({ fallback: reply.text("Hello!") });
 * const t = fake.issueTokens();
 * const client = new ResponsesClient({
 *   baseUrl: fake.baseUrl,
 *   credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
 * });
 * const handler = createServeHandler({ client, apiKey: "sk-local" });
 * const res = await handler(
 *   new Request("http://127.0.0.1:8317/v1/chat/completions", {
 *     method: "POST",
 *     headers: { authorization: "Bearer sk-local", "content-type": "application/json" },
 *     body: JSON.stringify({ model: "default", messages: [{ role: "user", content: "Hi" }] }),
 *   }),
 * );
 * const answer = await res.json();
 * await fake.close();
 * if (answer.choices?.[0]?.message.content !== "Hello!") throw new Error(JSON.stringify(answer));
 * ```
 */
export function createServeHandler(options: ServeOptions): (req: Request) => Promise<Response> {
  const memory = new ResponseMemory(options.rememberResponses);
  const hosts = options.allowedHosts ?? LOOPBACK_HOSTS;
  const origins = options.allowedOrigins ?? [];
  const instructions = options.instructions ?? DEFAULT_SERVE_INSTRUCTIONS;
  const max = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const log = options.log ?? (() => {});
  const ctx: TurnContext = {
    client: options.client,
    plan: options.plan ?? (() => undefined),
    log,
    commitAfterMs: options.commitAfterMs,
  };

  /** Refusals before any work: wrong host, foreign origin, then (but for a preflight) the key. */
  function gate(req: Request): ApiError | undefined {
    if (!hosts.includes("*") && !hosts.includes(hostName(req))) {
      return new ApiError(
        403,
        `Requests must be addressed to ${hosts.join(" or ")} (this one names '${
          hostName(req)
        }'). Start the server with --allow-host NAME to accept another name.`,
        { code: "host_not_allowed" },
      );
    }
    const origin = req.headers.get("origin");
    if (origin && !origins.includes("*") && !origins.includes(origin)) {
      return new ApiError(
        403,
        `Cross-origin requests are refused (from ${origin}). Start the server with --cors-origin ${origin} to allow that page.`,
        { code: "origin_not_allowed" },
      );
    }
    if (options.apiKey === false || req.method === "OPTIONS") return undefined;
    const auth = req.headers.get("authorization") ?? "";
    const given = auth.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    if (!given || !sameKey(given, options.apiKey)) {
      return new ApiError(
        401,
        given
          ? "Incorrect API key provided. Use the key the server printed at its first start (it is in its key file: see `serve --help`)."
          : "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'; the server printed it at its first start (it is in its key file: see `serve --help`).",
        { code: "invalid_api_key" },
      );
    }
    return undefined;
  }

  function cors(req: Request, res: Response): Response {
    const origin = req.headers.get("origin");
    if (origin && (origins.includes("*") || origins.includes(origin))) {
      res.headers.set("access-control-allow-origin", origin);
      res.headers.set("vary", "origin");
      res.headers.set("access-control-expose-headers", "x-codex-provider-notice, retry-after");
    }
    return res;
  }

  async function models(path: string): Promise<Response> {
    const all = await options.client.catalog.load();
    const plan = ctx.plan();
    const def = defaultModel(all, plan)?.slug;
    if (path === "/v1/models") {
      const data = listedModels(all, plan).map((m) => modelObject(m, def));
      return Response.json({ object: "list", data });
    }
    const id = decodeURIComponent(path.slice("/v1/models/".length));
    const m = all.find((x) => x.slug === id);
    if (!m) {
      throw new ApiError(404, `The model '${id}' does not exist or this account cannot use it.`, {
        code: "model_not_found",
        param: "model",
      });
    }
    return Response.json(modelObject(m, def));
  }

  /** Start the turn and answer, streamed or whole; the backend request ends with the caller. */
  async function answer(
    req: Request,
    body: Record<string, unknown>,
    ask: TurnAsk,
    whole: (turn: StartedTurn) => Promise<Response>,
    streamed: (turn: StartedTurn, onEnd: () => void) => Response,
  ): Promise<Response> {
    const abort = new AbortController();
    const stop = () => abort.abort();
    req.signal?.addEventListener("abort", stop, { once: true });
    try {
      const turn = await startTurn(ctx, ask, abort.signal);
      const res = body.stream === true ? streamed(turn, stop) : await whole(turn);
      // A header holds Latin-1 only: anything else in a note becomes "?".
      const notice = turn.notes.join(" ").replace(/[^\x20-\x7e]/g, "?");
      if (notice) res.headers.set("x-codex-provider-notice", notice);
      res.headers.set("x-codex-provider-model", turn.model);
      return res;
    } catch (e) {
      stop();
      throw e;
    }
  }

  async function route(req: Request, path: string): Promise<Response> {
    if (req.method === "GET" && (path === "/v1/models" || path.startsWith("/v1/models/"))) {
      return await models(path);
    }
    if (req.method === "POST" && path === "/v1/chat/completions") {
      const body = await readJson(req, max);
      const ask = chatAsk(body, instructions);
      const so = body.stream_options as { include_usage?: boolean } | undefined;
      return await answer(
        req,
        body,
        ask,
        chatCompletion,
        (turn, onEnd) => chatChunks(turn, { includeUsage: so?.include_usage === true, onEnd }),
      );
    }
    if (req.method === "POST" && path === "/v1/responses") {
      const body = await readJson(req, max);
      const ask = responsesAsk(body, memory, instructions);
      const include = Array.isArray(body.include) ? body.include : [];
      const rctx = {
        input: ask.input,
        previousResponseId: typeof body.previous_response_id === "string"
          ? body.previous_response_id
          : undefined,
        includeEncrypted: include.includes("reasoning.encrypted_content"),
        memory,
      };
      return await answer(
        req,
        body,
        ask,
        (turn) => responseAnswer(turn, rctx),
        (turn, onEnd) => responseEvents(turn, rctx, onEnd),
      );
    }
    throw new ApiError(
      404,
      `Unknown request URL: ${req.method} ${path}. This server answers POST /v1/chat/completions, POST /v1/responses and GET /v1/models.`,
      { code: "unknown_url" },
    );
  }

  return async (req: Request): Promise<Response> => {
    const t0 = Date.now();
    const path = new URL(req.url).pathname.replace(/\/+$/, "") || "/";
    let res: Response;
    const refused = gate(req);
    if (refused) res = refused.toResponse();
    else if (req.method === "OPTIONS") {
      // Reached only from an allowed origin (the gate refused the others).
      res = new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-methods": "GET, POST, OPTIONS",
          "access-control-allow-headers": req.headers.get("access-control-request-headers") ??
            "authorization, content-type",
          "access-control-max-age": "600",
        },
      });
    } else {
      try {
        res = await route(req, path);
      } catch (e) {
        res = toApiError(e).toResponse();
      }
    }
    log(`${req.method} ${path} ${res.status} ${Date.now() - t0} ms`);
    return cors(req, res);
  };
}

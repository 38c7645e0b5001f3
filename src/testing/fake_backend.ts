/**
 * A fake of the ChatGPT Codex backend on loopback: the Responses endpoint (SSE), the model
 * catalog, and the OAuth token endpoint's refresh grant. Scriptable (queue responses and
 * faults), strict like the real one (see `fake_checks.ts`), and it records every request.
 * Built on `node:http` so the same fake serves Deno and Node tests.
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEVICE_CALLBACK_PATH, TOKEN_PATH } from "../auth/protocol.ts";
import { BUILTIN_MODELS } from "../codex/builtin_catalog.ts";
import {
  HEADER,
  MODELS_ETAG_HEADER,
  MODELS_PATH,
  REMOTE_COMPACTION_FEATURE,
  RESPONSES_PATH,
} from "../codex/protocol.ts";
import type { ModelInfo, Usage } from "../codex/types.ts";
import { json } from "./_http.ts";
import { checkBody, type InstructionsRule } from "./fake_checks.ts";
import { fakeSummary, inputTokens, visibleText } from "./fake_context.ts";
import { renderEvents } from "./fake_sse.ts";
import { httpSink, type Sink } from "./fake_transport.ts";
import { FakeWebSocketEndpoint } from "./fake_websocket.ts";
import { FakeAuthority, type FakeTokenSet } from "./fake_authority.ts";
import { type FakeOAuthOptions, handleOAuth, type TokenFault } from "./fake_oauth.ts";
import type { FakeIdentity } from "./jwt.ts";
import { type FakeStep, item, reply, type ResponseStep } from "./script.ts";

export type { InstructionsRule } from "./fake_checks.ts";
export type { FakeTokenSet } from "./fake_authority.ts";
export type { FakeOAuthOptions, TokenFault } from "./fake_oauth.ts";

/** The backend's path prefix on chatgpt.com. */
export const BACKEND_PREFIX = "/backend-api/codex";

/** The official prompt the fake's catalog gives every model. */
export const FAKE_BASE_INSTRUCTIONS = "You are Codex, a coding agent (fake catalog prompt).";

const EFFORT_TEXT: Record<string, string> = {
  none: "No reasoning",
  minimal: "Fastest responses",
  low: "Fast responses with lighter reasoning",
  medium: "Balances speed and reasoning depth",
  high: "Greater reasoning depth for complex problems",
  xhigh: "Extra high reasoning depth",
  max: "Maximum reasoning depth",
  ultra: "Maximum reasoning depth, longest thinking",
};

/**
 * The fake's default catalog: the 0.169 catalog (slugs, priorities, plans, efforts,
 * service tiers, upgrades) in the live `/models` shape, with the prose fields the Codex CLI
 * requires when it decodes the catalog.
 */
export const FAKE_MODELS: readonly ModelInfo[] = BUILTIN_MODELS.map((m) => ({
  ...m,
  description: `${m.slug} (fake catalog)`,
  supported_reasoning_levels: (m.supported_reasoning_levels ?? []).map(({ effort }) => ({
    effort,
    description: EFFORT_TEXT[effort],
  })),
  shell_type: "shell_command",
  supported_in_api: true,
  base_instructions: FAKE_BASE_INSTRUCTIONS,
  apply_patch_tool_type: null,
  experimental_supported_tools: [],
}));

/** Models with another context window (and no explicit compaction limit), for tests. */
export function withContextWindow(
  models: readonly ModelInfo[],
  contextWindow: number,
): ModelInfo[] {
  return models.map((m) => ({
    ...m,
    context_window: contextWindow,
    auto_compact_token_limit: null,
  }));
}

/** A request the fake received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query. */
  path: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Headers, lower-case names. */
  headers: Record<string, string>;
  /** The body parsed as JSON or form, when it was one. */
  body: Record<string, unknown> | undefined;
  /** The body as text. */
  rawBody: string;
  /** When it arrived (ms). */
  at: number;
  /** The status the fake answered (101: a WebSocket upgrade accepted). */
  status?: number;
  /**
   * `websocket` for an upgrade (method `GET`) and for a request frame (method `WS`, whose
   * `body` is the whole request as the model sees it, the connection's history joined).
   */
  transport?: "websocket";
  /** For a WebSocket request: the frame as sent (only the items new on the connection). */
  frame?: Record<string, unknown>;
}

/** Options of {@link startFakeBackend}. */
export interface FakeBackendOptions extends FakeOAuthOptions {
  /** Port; default a free one. */
  port?: number;
  /** The catalog; default {@link FAKE_MODELS}. */
  models?: readonly ModelInfo[];
  /** Answer `/models` with 404 (the CLI then uses built-in metadata). */
  noCatalog?: boolean;
  /** The form of the retired-model 400: `typed` (`{"error":{…}}`, default) or `detail`. */
  retiredModelError?: "typed" | "detail";
  /** `remote` (default): compaction_trigger is honoured; `absent`: rejected as unknown. */
  compaction?: "remote" | "absent";
  /** What `instructions` must be; default `required` (see {@link InstructionsRule}). */
  instructions?: InstructionsRule;
  /** Reject replayed item ids ("Item with id … not found"). */
  rejectItemIds?: boolean;
  /** Lifetime of issued access tokens; default 3600 s. */
  accessTokenTtlSeconds?: number;
  /** Rate-limit headers on every response; default a plausible snapshot. */
  rateLimitHeaders?: Record<string, string>;
  /** Answer used when the queue is empty; default a 400 that says so. */
  fallback?: FakeStep;
}

/** A running fake. */
export interface FakeBackend {
  /** Origin, e.g. `http://127.0.0.1:41234` (also the OAuth issuer). */
  readonly url: string;
  /** `CODEX_BASE_URL` for clients: `{url}/backend-api/codex`. */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Requests to the Responses endpoint, over HTTP or WebSocket (not the upgrades). */
  responsesRequests(): RecordedRequest[];
  /** WebSocket upgrade requests, accepted (status 101) or refused. */
  webSocketUpgrades(): RecordedRequest[];
  /** Refuse the next `times` WebSocket upgrades with this status (default every one). */
  refuseWebSockets(status: number, times?: number): void;
  /** Drop the open WebSocket connections (the client sees an abnormal close). */
  dropWebSockets(): void;
  /** The next `count` WebSocket requests naming a previous response find none. */
  forgetResponses(count?: number): void;
  /** Queue answers for the next Responses requests. */
  enqueue(...steps: FakeStep[]): void;
  /** Queue answers for the next compaction requests (faults); else the fake compacts. */
  enqueueCompaction(...steps: FakeStep[]): void;
  /** Compaction requests answered (each one `compaction_trigger`). */
  compactionRequests(): RecordedRequest[];
  /** The text the model sees in a request, compaction items opened. */
  visibleText(req: RecordedRequest): string;
  /** The input tokens of a request, as the fake counts them against the context window. */
  inputTokens(req: RecordedRequest): number;
  /** Retire a model: gone from the catalog (a new ETag), refused by the Responses endpoint. */
  retire(slug: string): void;
  /** The catalog served now. */
  readonly models: readonly ModelInfo[];
  /** Scripted answers not used yet. */
  pending(): number;
  /** Issue tokens the fake accepts. */
  issueTokens(who?: FakeIdentity, opts?: { ttlSeconds?: number }): FakeTokenSet;
  /** Refresh grants answered with new tokens. */
  readonly refreshCount: number;
  /** The token state (to spend or revoke a token as another client would). */
  readonly authority: FakeAuthority;
  /** Requests to the token endpoint. */
  tokenRequests(): RecordedRequest[];
  /** Fail the next token requests with these answers (or dropped connections). */
  failNextTokenRequests(...faults: TokenFault[]): void;
  /** Approve a device login as the person would by typing its code; false if unknown. */
  approveDevice(userCode: string): Promise<boolean>;
  /** Stop the server and drop open connections. */
  close(): Promise<void>;
}

function defaultRateLimitHeaders(): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    "x-codex-primary-used-percent": "12.5",
    "x-codex-primary-window-minutes": "300",
    "x-codex-primary-reset-at": String(now + 3600),
    "x-codex-secondary-used-percent": "30",
    "x-codex-secondary-window-minutes": "10080",
    "x-codex-secondary-reset-at": String(now + 5 * 86400),
    "x-codex-credits-has-credits": "false",
    "x-codex-credits-unlimited": "false",
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const c of req) text += decoder.decode(c as Uint8Array, { stream: true });
  return text + decoder.decode();
}

function parseBody(raw: string, type: string): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  if (type.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    const v = JSON.parse(raw);
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start the fake on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { reply, startFakeBackend } from "@x/codex-provider/testing";
 * const fake = await startFakeBackend();
 * fake.enqueue(reply.text("hello"));
 * const tokens = fake.issueTokens();
 * console.log(fake.baseUrl.endsWith("/backend-api/codex"), tokens.account_id); // true "acct-test"
 * await fake.close();
 * ```
 */
export async function startFakeBackend(options: FakeBackendOptions = {}): Promise<FakeBackend> {
  let models = options.models ?? FAKE_MODELS;
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const queue: FakeStep[] = [];
  const compactionQueue: FakeStep[] = [];
  /** Compaction contents by encrypted_content: the backend can open its own. */
  const compactions = new Map<string, string>();
  const requests: RecordedRequest[] = [];
  const tokenFaults: TokenFault[] = [];
  const issuedEncrypted = new Set<string>();
  const lastInputTokens = new Map<string, number>();
  const open = new Set<ServerResponse>();
  let counter = 0;
  let generation = 0;
  let catalogBody = "";
  let etag = "";
  const publish = () => {
    catalogBody = JSON.stringify({ models });
    etag = `"fake-${++generation}-${models.length}"`;
  };
  publish();
  const opened = (enc: string) => compactions.get(enc);

  /** The 401/403 answer's status, or undefined when the bearer is good for the account. */
  /** The 401/403 answer for a request whose bearer is not good for its account, if any. */
  function refusal(rec: RecordedRequest): { status: number; body: unknown } | undefined {
    const bearer = rec.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const tok = authority.checkAccess(bearer);
    if (tok === "invalid") {
      return {
        status: 401,
        body: {
          error: {
            message: "Your authentication token is not valid.",
            type: "invalid_request_error",
            code: "token_invalid",
          },
        },
      };
    }
    if (tok === "expired") {
      return {
        status: 401,
        body: {
          error: {
            message: "Your authentication token has expired. Please try signing in again.",
            type: "invalid_request_error",
            code: "token_expired",
          },
        },
      };
    }
    if (rec.headers[HEADER.accountId] !== tok.accountId) {
      return {
        status: 403,
        body: { detail: `The ${HEADER.accountId} header does not match the token's account.` },
      };
    }
    return undefined;
  }

  /** Answer a refusal into `sink`; its status, or undefined when the bearer is good. */
  function authorize(rec: RecordedRequest, sink: Sink): number | undefined {
    const r = refusal(rec);
    return r && sink.json(r.status, r.body);
  }

  function estimateUsage(body: Record<string, unknown>, step: ResponseStep): Usage {
    const input = inputTokens(body, opened);
    const key = String(body.prompt_cache_key ?? "");
    const cached = Math.min(lastInputTokens.get(key) ?? 0, input);
    if (key) lastInputTokens.set(key, input);
    const text = step.output.map((o) =>
      o.kind === "text"
        ? o.text
        : o.kind === "function_call"
        ? o.arguments
        : o.kind === "reasoning"
        ? o.summary.join("")
        : ""
    ).join("");
    const reasoning = step.output.some((o) => o.kind === "reasoning") ? 64 : 0;
    const output = Math.ceil(text.length / 4) + reasoning;
    return {
      input_tokens: input,
      input_tokens_details: { cached_tokens: cached },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: reasoning },
      total_tokens: input + output,
    };
  }

  /** Render a scripted response and hand it to the transport. */
  function streamResponse(rec: RecordedRequest, sink: Sink, step: ResponseStep): Promise<number> {
    const events = renderEvents(step, {
      nextId: (prefix) => `${prefix}_${++counter}`,
      issueEncrypted: () => {
        const enc = `enc_${crypto.randomUUID()}`;
        issuedEncrypted.add(enc);
        return enc;
      },
      issueCompaction: (text) => {
        const enc = `cmp_enc_${crypto.randomUUID()}`;
        compactions.set(enc, text ?? fakeSummary(visibleText(inputOf(rec), opened)));
        return enc;
      },
      usage: estimateUsage(rec.body ?? {}, step),
    });
    return sink.stream(events, step, {
      [MODELS_ETAG_HEADER]: etag,
      ...(options.rateLimitHeaders ?? defaultRateLimitHeaders()),
      ...step.headers,
    });
  }

  async function handleResponses(rec: RecordedRequest, sink: Sink): Promise<number> {
    const denied = authorize(rec, sink);
    if (denied) return denied;
    if (!rec.body) return sink.json(400, { detail: "Request body must be a JSON object." });
    const failure = checkBody(rec.body, {
      models,
      issuedEncrypted,
      compactions,
      compactionTrigger: options.compaction !== "absent" &&
        (rec.headers[HEADER.betaFeatures] ?? "").split(",").map((f) => f.trim()).includes(
          REMOTE_COMPACTION_FEATURE,
        ),
      instructions: options.instructions ?? "required",
      rejectItemIds: options.rejectItemIds ?? false,
    });
    if (failure?.kind === "model") {
      const message = failure.detail;
      return sink.json(
        400,
        options.retiredModelError === "detail"
          ? { detail: message }
          : { type: "error", status: 400, error: { type: "invalid_request_error", message } },
        { [MODELS_ETAG_HEADER]: etag },
      );
    }
    if (failure) return sink.json(400, { detail: failure.detail });
    const model = models.find((m) => m.slug === rec.body!.model);
    const window = model?.context_window;
    if (window && inputTokens(rec.body, opened) > window) {
      return await streamResponse(rec, sink, {
        kind: "response",
        output: [],
        end: {
          kind: "failed",
          code: "context_length_exceeded",
          message:
            "Your input exceeds the context window of this model. Please adjust your input and try again.",
        },
      });
    }
    const input = inputOf(rec);
    let step: FakeStep | undefined;
    if ((input.at(-1) as { type?: string } | undefined)?.type === "compaction_trigger") {
      step = compactionQueue.shift() ?? reply.items([item.compaction()]);
    } else {
      step = queue.shift() ?? options.fallback;
      if (!step) {
        return sink.json(400, {
          detail: "fake backend: no scripted response left for this request",
        });
      }
    }
    if (typeof step === "function") step = step(rec);
    if (step.kind === "http") return sink.json(step.status, step.body, step.headers);
    if (step.kind === "hang") return await sink.hang();
    return await streamResponse(rec, sink, step);
  }

  function inputOf(rec: RecordedRequest): unknown[] {
    const input = rec.body?.input;
    return Array.isArray(input) ? input : [];
  }

  function handleModels(rec: RecordedRequest, res: ServerResponse): number {
    const denied = authorize(rec, httpSink(res));
    if (denied) return denied;
    if (options.noCatalog) return json(res, 404, { detail: "Not Found" });
    if (!rec.query.client_version) {
      return json(res, 400, { detail: "Missing required query parameter: client_version" });
    }
    if (rec.headers["if-none-match"] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return 304;
    }
    res.writeHead(200, { "content-type": "application/json", etag });
    res.end(catalogBody);
    return 200;
  }

  const refusals: { status: number; left: number }[] = [];
  const webSockets = new FakeWebSocketEndpoint({
    path: `${BACKEND_PREFIX}${RESPONSES_PATH}`,
    refusal: () => {
      const r = refusals[0];
      if (!r) return undefined;
      if (--r.left <= 0) refusals.shift();
      return {
        status: r.status,
        body: r.status === 426
          ? { detail: "Upgrade Required" }
          : { detail: `fake backend: WebSocket refused (${r.status})` },
      };
    },
    authorize: refusal,
    record: (rec) => void requests.push(rec),
    answer: (rec, sink) => handleResponses(rec, sink),
  });

  const server = createServer(async (req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    }
    const rawBody = await readBody(req);
    const rec: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: parseBody(rawBody, headers["content-type"] ?? ""),
      rawBody,
      at: Date.now(),
    };
    requests.push(rec);
    try {
      const route = `${rec.method} ${rec.path}`;
      if (route === `POST ${BACKEND_PREFIX}${RESPONSES_PATH}`) {
        rec.status = await handleResponses(rec, httpSink(res));
      } else if (route === `GET ${BACKEND_PREFIX}${MODELS_PATH}`) {
        rec.status = handleModels(rec, res);
      } else {
        rec.status = await handleOAuth(req, rec.path, rec.query, rec.body, res, {
          authority,
          options,
          tokenFaults,
        }) ?? json(res, 404, { detail: "Not Found" });
      }
    } catch (e) {
      if (!res.headersSent) rec.status = json(res, 500, { detail: `fake backend: ${e}` });
      else res.destroy();
    }
  });

  server.on("upgrade", (req, socket, head) => void webSockets.upgrade(req, socket, head));

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  // Handlers above use it; no request can arrive before the server has an address.
  const authority = new FakeAuthority(url, ttl);

  return {
    url,
    baseUrl: `${url}${BACKEND_PREFIX}`,
    requests,
    responsesRequests: () =>
      requests.filter((r) => r.path === `${BACKEND_PREFIX}${RESPONSES_PATH}` && r.method !== "GET"),
    webSocketUpgrades: () =>
      requests.filter((r) => r.transport === "websocket" && r.method === "GET"),
    refuseWebSockets: (status, times = Infinity) => void refusals.push({ status, left: times }),
    dropWebSockets: () => webSockets.dropConnections(),
    forgetResponses: (count) => webSockets.forgetResponses(count),
    enqueue: (...steps) => void queue.push(...steps),
    enqueueCompaction: (...steps) => void compactionQueue.push(...steps),
    compactionRequests: () =>
      requests.filter((r) =>
        r.path === `${BACKEND_PREFIX}${RESPONSES_PATH}` && r.method !== "GET" &&
        (inputOf(r).at(-1) as { type?: string } | undefined)?.type === "compaction_trigger"
      ),
    visibleText: (req) => visibleText(inputOf(req), opened),
    inputTokens: (req) => inputTokens(req.body ?? {}, opened),
    retire: (slug) => {
      models = models.filter((m) => m.slug !== slug);
      publish();
    },
    get models() {
      return models;
    },
    pending: () => queue.length,
    issueTokens: (who?: FakeIdentity, opts?: { ttlSeconds?: number }): FakeTokenSet =>
      authority.issueTokens(who, opts),
    get refreshCount() {
      return authority.refreshCount;
    },
    authority,
    tokenRequests: () => requests.filter((r) => r.path === TOKEN_PATH),
    failNextTokenRequests: (...faults) => void tokenFaults.push(...faults),
    approveDevice: (code) =>
      authority.approveDevice(code, `${url}${DEVICE_CALLBACK_PATH}`, options.identity),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        webSockets.close();
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

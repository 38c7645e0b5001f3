/**
 * Building the exact HTTP request the backend expects (PROTOCOL.md §2).
 *
 * @module
 */

import {
  CODEX_CLIENT_VERSION,
  HEADER,
  INCLUDE_ENCRYPTED_REASONING,
  OPENAI_BETA,
  ORIGINATOR,
  REMOTE_COMPACTION_FEATURE,
} from "./protocol.ts";
import { wireEffort } from "./models.ts";
import type {
  FunctionToolDefinition,
  InputItem,
  ReasoningEffort,
  ResponsesRequestBody,
  ToolChoice,
  Verbosity,
} from "./types.ts";

/** What a caller asks for in one request; the builder adds the protocol's fixed fields. */
export interface TurnRequest {
  /** Model slug. */
  model: string;
  /** Instructions (the system prompt); must not be empty. */
  instructions: string;
  /** The whole conversation so far. */
  input: InputItem[];
  /** Function tools the model may call. */
  tools?: FunctionToolDefinition[];
  /** Reasoning effort; omitted means the model's default. */
  effort?: ReasoningEffort;
  /** Reasoning summaries; default "auto". */
  reasoningSummary?: "auto" | "concise" | "detailed" | "none";
  /** Default `auto`, as the Codex CLI sends it. */
  toolChoice?: ToolChoice;
  /** Default true. */
  parallelToolCalls?: boolean;
  /** The conversation id: `prompt_cache_key` and the session header. */
  conversationId: string;
  /** Only for models that support verbosity. */
  verbosity?: Verbosity;
  /** Service tier id (`priority` is the catalog's "Fast"). */
  serviceTier?: string;
  /** Compactions of this conversation so far (the window id's counter). */
  compactions?: number;
}

/** Credentials for one request. */
export interface Credentials {
  /** OAuth access token (a JWT). */
  accessToken: string;
  /** ChatGPT account id (the token's `chatgpt_account_id` claim). */
  accountId: string;
}

/** The `User-Agent` we send: the CLI's shape, naming this library too. */
export function userAgent(version: string): string {
  const g = globalThis as { Deno?: { build: { os: string; arch: string } } };
  const proc = (globalThis as { process?: { platform?: string; arch?: string } }).process;
  const os = g.Deno?.build.os ?? proc?.platform ?? "unknown";
  const arch = g.Deno?.build.arch ?? proc?.arch ?? "unknown";
  return `${ORIGINATOR}/${CODEX_CLIENT_VERSION} (${os}; ${arch}) codex-provider/${version}`;
}

/**
 * Remove server-side `id`/`status` from an item before replay ("Item with id … not found").
 * A compaction item keeps its id, as the 0.169 CLI replays it.
 */
export function toReplayItem(item: InputItem): InputItem {
  if (item.type === "compaction") return item;
  const { id: _id, status: _status, ...rest } = item as InputItem & {
    id?: string;
    status?: string;
  };
  return rest as InputItem;
}

/** The JSON body for a turn request. */
export function buildBody(req: TurnRequest): ResponsesRequestBody {
  const body: ResponsesRequestBody = {
    model: req.model,
    instructions: req.instructions,
    input: req.input.map(toReplayItem),
    tools: req.tools ?? [],
    tool_choice: req.toolChoice ?? "auto",
    parallel_tool_calls: req.parallelToolCalls ?? true,
    store: false,
    stream: true,
    include: [INCLUDE_ENCRYPTED_REASONING],
    prompt_cache_key: req.conversationId,
  };
  const summary = req.reasoningSummary ?? "auto";
  if (req.effort !== undefined || summary !== "none") {
    body.reasoning = {};
    if (req.effort !== undefined) body.reasoning.effort = wireEffort(req.effort);
    if (summary !== "none") body.reasoning.summary = summary;
  }
  if (req.verbosity) body.text = { verbosity: req.verbosity };
  if (req.serviceTier) body.service_tier = req.serviceTier;
  return body;
}

/**
 * The headers of a request: the catalog's (`request` undefined) or a turn's, which adds the
 * conversation, window and routing headers the 0.169 CLI sends.
 */
export function buildHeaders(
  creds: Credentials,
  options: { ua: string; request?: TurnRequest },
): Record<string, string> {
  const headers: Record<string, string> = {
    "authorization": `Bearer ${creds.accessToken}`,
    [HEADER.accountId]: creds.accountId,
    [HEADER.originator]: ORIGINATOR,
    [HEADER.version]: CODEX_CLIENT_VERSION,
    "user-agent": options.ua,
  };
  const req = options.request;
  if (!req) return headers;
  return {
    ...headers,
    [HEADER.openaiBeta]: OPENAI_BETA,
    [HEADER.betaFeatures]: REMOTE_COMPACTION_FEATURE,
    [HEADER.sessionId]: req.conversationId,
    [HEADER.sessionIdLegacy]: req.conversationId,
    [HEADER.windowId]: `${req.conversationId}:${req.compactions ?? 0}`,
    [HEADER.routingHint]: `model=${req.model}${req.serviceTier ? `;tier=${req.serviceTier}` : ""}`,
    "accept": "text/event-stream",
    "content-type": "application/json",
  };
}

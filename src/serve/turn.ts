/**
 * One model response for the server: the model resolved from the live catalog, the stream
 * started before any answer is committed (so a usage limit is an HTTP 429, not a broken
 * stream), and a model the backend has just retired replaced by its upgrade, once, saying so.
 *
 * @module
 */

import type { ResponseEvent, ResponsesClient } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { isEffort, type ModelChoice, modelNames, selectModel } from "../codex/models.ts";
import { REASONING_EFFORTS } from "../codex/protocol.ts";
import type { TurnRequest } from "../codex/request.ts";
import type { ModelInfo, ReasoningEffort } from "../codex/types.ts";
import { badRequest } from "./errors.ts";

/** What the endpoints share: the engine's client and the person's plan. */
export interface TurnContext {
  /** The engine's client (its token store, retry policy and model catalog). */
  client: ResponsesClient;
  /** The plan of the login (the token's `chatgpt_plan_type`), to pick and list models. */
  plan(): string | undefined;
  /** One line for the server's log. */
  log(line: string): void;
  /** See {@link COMMIT_WITHOUT_CONTENT_MS} (its default). */
  commitAfterMs?: number;
}

/** A request in the backend's terms, before the model is resolved. */
export interface TurnAsk extends Omit<TurnRequest, "model" | "effort" | "conversationId"> {
  /** The model the caller named. */
  model: unknown;
  /** The effort the caller asked for, if any. */
  effort?: unknown;
  /** Which request field carries the effort (for errors). */
  effortParam: string;
  /** The caller's cache key, if any; else one is derived from the conversation's start. */
  cacheKey?: string;
}

/** A started response: the model used, what the caller should know, and the events. */
export interface StartedTurn {
  /** The model that answers. */
  model: string;
  /** Notices (a replaced model, a clamped effort), also sent as `x-codex-provider-notice`. */
  notes: string[];
  /** The events, from the first. */
  events: AsyncGenerator<ResponseEvent, void, undefined>;
}

/** The model id that means "the catalog's default for this plan", whatever it is today. */
export const DEFAULT_MODEL_ALIAS = "default";

/**
 * The model and effort, as the agent chooses them: a model the catalog once listed and has
 * retired is replaced by its upgrade, saying so; one it never listed is an error that names
 * the models of this account.
 */
function choose(ctx: TurnContext, models: readonly ModelInfo[], ask: TurnAsk): ModelChoice {
  if (typeof ask.model !== "string" || !ask.model) {
    throw badRequest(
      `You must provide a model parameter. Models of this account: ${
        modelNames(models, ctx.plan())
      } (GET /v1/models), or '${DEFAULT_MODEL_ALIAS}' for the catalog's default.`,
      "model",
    );
  }
  if (ask.effort !== undefined && (typeof ask.effort !== "string" || !isEffort(ask.effort))) {
    throw badRequest(
      `Invalid value for '${ask.effortParam}': ${JSON.stringify(ask.effort)}. Use one of ${
        REASONING_EFFORTS.join(", ")
      } (the model's own levels are in GET /v1/models).`,
      ask.effortParam,
    );
  }
  const slug = ask.model === DEFAULT_MODEL_ALIAS ? undefined : ask.model;
  const known = slug ? ctx.client.catalog.lastKnown(slug) : undefined;
  return selectModel(models, {
    slug,
    known,
    origin: known ? "config" : "flag", // never listed: say so, do not guess
    effort: ask.effort as ReasoningEffort | undefined,
    plan: ctx.plan(),
  });
}

/** A stable conversation id from the start of a conversation (the prompt cache's key). */
async function derivedKey(model: string, ask: TurnAsk): Promise<string> {
  const start = JSON.stringify([model, ask.instructions, ask.input[0] ?? null]);
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(start)),
  );
  const hex = [...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

/**
 * How long after the request a response may stay without content before the answer is committed
 * (HTTP 200 and a stream): a failure before that is a proper HTTP error, and a long think
 * does not run into the caller's header timeout.
 */
export const COMMIT_WITHOUT_CONTENT_MS = 10_000;

type Next = IteratorResult<ResponseEvent, void>;

/**
 * Open the stream and read it up to its first content (or, once the backend answered, until
 * {@link COMMIT_WITHOUT_CONTENT_MS} after the request); failures before that throw.
 */
async function open(
  ctx: TurnContext,
  req: TurnRequest,
  signal: AbortSignal,
  commitAfterMs: number = COMMIT_WITHOUT_CONTENT_MS,
): Promise<AsyncGenerator<ResponseEvent, void, undefined>> {
  const it = ctx.client.stream(req, { signal });
  const first: ResponseEvent[] = [];
  let pending: Promise<Next> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<"silent">((resolve) => {
    timer = setTimeout(() => resolve("silent"), commitAfterMs);
  });
  try {
    while (true) {
      const next = it.next();
      // Before the backend answered at all, wait: its errors come as HTTP statuses.
      const r = first.length ? await Promise.race([next, silent]) : await next;
      if (r === "silent") {
        pending = next;
        pending.catch(() => {}); // read by the caller; if it goes away first, no one will
        break;
      }
      if (r.done) break;
      const ev = r.value;
      if (ev.type === "retry") {
        ctx.log(`retry ${ev.attempt} in ${ev.delayMs} ms: ${ev.error.message}`);
        continue;
      }
      first.push(ev);
      if (ev.type !== "transport" && ev.type !== "created") break;
    }
  } finally {
    clearTimeout(timer);
  }
  return (async function* () {
    yield* first;
    if (pending) {
      const r = await pending;
      if (r.done) return;
      yield r.value;
    }
    yield* it;
  })();
}

/** Resolve the model and effort, and start the response. */
export async function startTurn(
  ctx: TurnContext,
  ask: TurnAsk,
  signal: AbortSignal,
): Promise<StartedTurn> {
  const choice = choose(ctx, await ctx.client.catalog.load({ signal }), ask);
  const { model: _m, effort: _e, effortParam: _p, cacheKey, ...rest } = ask;
  const req: TurnRequest = {
    ...rest,
    model: choice.model.slug,
    effort: choice.effort,
    conversationId: cacheKey ?? await derivedKey(choice.model.slug, ask),
    parallelToolCalls: ask.parallelToolCalls ?? choice.model.supports_parallel_tool_calls ?? true,
  };
  try {
    const events = await open(ctx, req, signal, ctx.commitAfterMs);
    return { model: req.model, notes: choice.notes, events };
  } catch (e) {
    // Retired since the catalog was read: the client has read it again; take the upgrade.
    if (!(e instanceof CodexError) || e.code !== "model_not_supported") throw e;
    const up = selectModel(ctx.client.catalog.models, {
      slug: req.model,
      known: choice.model,
      effort: req.effort,
      plan: ctx.plan(),
    });
    if (up.model.slug === req.model) throw e;
    for (const note of up.notes) ctx.log(note);
    const events = await open(
      ctx,
      { ...req, model: up.model.slug, effort: up.effort },
      signal,
      ctx.commitAfterMs,
    );
    return { model: up.model.slug, notes: [...choice.notes, ...up.notes], events };
  }
}

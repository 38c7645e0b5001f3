/**
 * The agent: the only place that loops. One turn sends the history to the model, runs the
 * tool calls it makes (concurrently, outputs kept in call order), sends the outputs back,
 * and repeats until the model answers without calling a tool. Each finished round is
 * committed to the session; a round that fails leaves no trace, and a cancelled one leaves
 * only the person's words and a note that it was cancelled.
 *
 * It also keeps the conversation going when the service moves: a model the backend no
 * longer supports is replaced by its catalog upgrade (or the default) with one notice, and
 * a history that would pass the model's limit is compacted first (see `compaction.ts`).
 *
 * @module
 */

import type { ModelCatalog } from "../codex/catalog.ts";
import type { ResponseEvent } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { clampEffort, compactionLimit, replacementFor, serviceTierFor } from "../codex/models.ts";
import { toReplayItem, type TurnRequest } from "../codex/request.ts";
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from "../codex/retry.ts";
import type {
  FunctionCallItem,
  FunctionCallOutputItem,
  InputItem,
  ModelInfo,
  RateLimitSnapshot,
  ReasoningEffort,
  Usage,
} from "../codex/types.ts";
import type { ToolResult } from "../tools/tool.ts";
import type { ToolSet } from "../tools/tool_set.ts";
import type { Workspace } from "../tools/workspace.ts";
import { Sandbox } from "../tools/sandbox.ts";
import { secretValues } from "../tools/secrets.ts";
import process from "node:process";
import {
  type CompactionMode,
  compactionOf,
  type CompactionTrigger,
  dropOldest,
  estimateTokens,
  KEPT_USER_TOKENS,
  localCompacted,
  remoteCompacted,
  SUMMARY_PROMPT,
} from "./compaction.ts";
import type { Session } from "./session_store.ts";
import { messageText } from "../codex/items.ts";

/** Anything that streams a model response (the {@link ResponsesClient}, or a test double). */
export interface ModelStream {
  /**
   * Stream one response for a request; `maxRetries` caps the retries it makes itself
   * before a stream starts (what is left of the caller's budget).
   */
  stream(
    req: TurnRequest,
    options: { signal?: AbortSignal; maxRetries?: number },
  ): AsyncIterable<ResponseEvent>;
  /** Set the transport up ahead of a request (the client's WebSocket prewarm); optional. */
  prewarm?(req: TurnRequest, signal?: AbortSignal): Promise<boolean>;
}

/** How the agent compacts. */
export interface CompactionOptions {
  /** `auto` (default): remote, falling back to local; `local` only; `off`: never. */
  mode?: "auto" | "local" | "off";
  /** Compact above this many tokens (default: the catalog's limit for the model). */
  limitTokens?: number;
}

/** Options of {@link Agent}. */
export interface AgentOptions {
  /** The model client. */
  client: ModelStream;
  /** Model slug. */
  model: string;
  /** Reasoning effort asked for (clamped to the model's levels); undefined is its default. */
  effort?: ReasoningEffort;
  /** Service tier asked for (`fast`, or a tier id); kept only where the model offers it. */
  serviceTier?: string;
  /** The model catalog: model facts, limits, and replacements for retired models. */
  catalog?: ModelCatalog;
  /** The account's plan (JWT `chatgpt_plan_type`), to pick replacements it may use. */
  plan?: string;
  /** System prompt. */
  instructions: string;
  /** Tools the model may call. */
  tools: ToolSet;
  /** Where tools may work. */
  workspace: Workspace;
  /** History source and sink. */
  session: Session;
  /** Secret values to keep out of tools (current tokens). */
  secrets?: () => readonly string[];
  /** Token files whose tokens are redacted from tool output (read again each round). */
  tokenFiles?: readonly string[];
  /**
   * The OS sandbox for bash (default: bwrap where it runs, with a notice where it cannot). A
   * promise (or thenable) is awaited when the first tool runs, so probing for bwrap need not
   * delay a text answer; a lazy thenable probes only if a tool runs at all.
   */
  sandbox?: Sandbox | PromiseLike<Sandbox>;
  /** Model responses per turn at most (default 100). */
  maxRounds?: number;
  /** Let the model call several tools at once (default: what the catalog says, else true). */
  parallelToolCalls?: boolean;
  /** Retries of a round whose stream failed (default the CLI's policy). */
  retry?: RetryPolicy;
  /** Compaction settings. */
  compaction?: CompactionOptions;
}

/** What a turn reports as it goes, for a UI. */
export type AgentEvent =
  | { type: "text_delta"; delta: string }
  | { type: "reasoning_delta"; delta: string }
  | { type: "reasoning_break" }
  | { type: "message"; text: string }
  | { type: "tool_start"; callId: string; name: string; arguments: string }
  | { type: "tool_end"; callId: string; name: string; ok: boolean; summary: string; output: string }
  | { type: "usage"; usage: Usage; rateLimits?: RateLimitSnapshot }
  | { type: "retry"; attempt: number; delayMs: number; reason: string }
  /** Something the person should know (a model switch, a compaction fallback). */
  | { type: "notice"; text: string }
  /** The history was compacted; token counts are estimates. */
  | {
    type: "compacted";
    mode: CompactionMode;
    trigger: CompactionTrigger;
    tokensBefore: number;
    tokensAfter: number;
  }
  | {
    type: "done";
    text: string;
    rounds: number;
    usage: Usage;
    stopReason: "answered" | "round_limit";
  };

/** What a cancelled request leaves in the conversation. */
export const CANCELLED_NOTE = "[The person cancelled the request above before it was finished.]";

const REPLAYED = new Set(["message", "reasoning", "function_call", "function_call_output"]);

/** Failures that compaction cannot help with and must not hide. */
const NOT_COMPACTION_FAULTS = new Set([
  "aborted",
  "authentication",
  "usage_limit",
  "quota_exceeded",
]);

function emptyUsage(): Usage {
  return {
    input_tokens: 0,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 0,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 0,
  };
}

function addUsage(sum: Usage, u: Usage | undefined): void {
  if (!u) return;
  sum.input_tokens += u.input_tokens ?? 0;
  sum.output_tokens += u.output_tokens ?? 0;
  sum.total_tokens += u.total_tokens ?? 0;
  sum.input_tokens_details!.cached_tokens! += u.input_tokens_details?.cached_tokens ?? 0;
  sum.output_tokens_details!.reasoning_tokens! += u.output_tokens_details?.reasoning_tokens ?? 0;
}

/** A user message item. */
export function userMessage(text: string): InputItem {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
}

/** What a request needs besides its input. */
interface RequestShape {
  tools?: TurnRequest["tools"];
  parallelToolCalls?: boolean;
  /** Do not report text and reasoning as they stream (a compaction request). */
  quiet?: boolean;
}

/**
 * The turn loop over one session.
 *
 * @example
 * ```ts ignore
 * const agent = new Agent({ client, model, instructions, tools, workspace, session });
 * for await (const ev of agent.run("List the files")) {
 *   if (ev.type === "text_delta") console.log(ev.delta);
 * }
 * ```
 */
export class Agent {
  #o: AgentOptions;
  #model: string;
  #effort?: ReasoningEffort;
  #serviceTier?: string;
  #remoteCompaction: boolean;
  #defaultSandbox?: Promise<Sandbox>;
  #warned = false;

  /** Create an agent over a session. */
  constructor(options: AgentOptions) {
    this.#o = options;
    this.#model = options.model;
    // What was asked is kept: after a model switch it is clamped to the new model again.
    const info = options.catalog?.find(options.model);
    this.#effort = info ? clampEffort(info, options.effort).effort : options.effort;
    this.#serviceTier = info
      ? serviceTierFor(info, options.serviceTier).serviceTier
      : options.serviceTier;
    this.#remoteCompaction = (options.compaction?.mode ?? "auto") === "auto";
  }

  /** The committed conversation. */
  get history(): readonly InputItem[] {
    return this.#o.session.items;
  }

  /** The session id. */
  get sessionId(): string {
    return this.#o.session.id;
  }

  /** The model in use (it changes when the service retires the one asked for). */
  get model(): string {
    return this.#model;
  }

  /** The effort in use (clamped to the model). */
  get effort(): ReasoningEffort | undefined {
    return this.#effort;
  }

  /** The service tier id in use, if any. */
  get serviceTier(): string | undefined {
    return this.#serviceTier;
  }

  /**
   * Estimated tokens of the committed history plus `pending`: the last response's usage
   * for what it covered, four characters a token for what came after.
   */
  contextTokens(pending: readonly InputItem[] = []): number {
    const s = this.#o.session;
    const mark = s.lastUsage && s.lastUsage.items <= s.items.length ? s.lastUsage : undefined;
    // Without a response's count, the instructions and tools are counted too.
    const base = mark ? mark.tokens + estimateTokens(s.items.slice(mark.items)) : Math.ceil(
      (this.#o.instructions.length + JSON.stringify(this.#o.tools.definitions()).length) / 4,
    ) + estimateTokens(s.items);
    return base + estimateTokens(pending);
  }

  /** The token count above which the history is compacted before a request. */
  get compactionLimit(): number | undefined {
    return this.#o.compaction?.limitTokens ?? compactionLimit(this.#modelInfo());
  }

  /**
   * Run one turn for a user message (or prepared items). `followUps`, when given, is asked
   * between model responses for messages that arrived meanwhile; they join the conversation
   * before the next request.
   */
  async *run(
    input: string | InputItem[],
    options: { signal?: AbortSignal; followUps?: () => string[] } = {},
  ): AsyncGenerator<AgentEvent, void, undefined> {
    const signal = options.signal ?? new AbortController().signal;
    const round: InputItem[] = typeof input === "string" ? [userMessage(input)] : [...input];
    try {
      yield* this.#turn(round, signal, options.followUps);
    } catch (e) {
      // A cancelled request leaves its words and a note, so the model knows what happened
      // when the person asks next; what the model did meanwhile is not kept (it may be half).
      if (signal.aborted) {
        const asked = round.filter((i) => i.type === "message" && i.role === "user");
        await this.#o.session.append([...asked, userMessage(CANCELLED_NOTE)]).catch(() => {});
      }
      throw e;
    }
  }

  async *#turn(
    round: InputItem[],
    signal: AbortSignal,
    followUps: (() => string[]) | undefined,
  ): AsyncGenerator<AgentEvent, void, undefined> {
    const o = this.#o;
    const maxRounds = o.maxRounds ?? 100;
    const total = emptyUsage();
    for (let rounds = 1;; rounds++) {
      const limit = this.compactionLimit;
      if (limit !== undefined && this.contextTokens(round) > limit) {
        yield* this.#compact("auto", signal);
      }
      let response;
      try {
        response = yield* this.#respond([...o.session.items, ...round], signal);
      } catch (e) {
        // The estimate fell short: compact and send the round once more.
        if (!(e instanceof CodexError && e.code === "context_too_long")) throw e;
        if (!(yield* this.#compact("overflow", signal))) throw e;
        try {
          response = yield* this.#respond([...o.session.items, ...round], signal);
        } catch (again) {
          if (!(again instanceof CodexError && again.code === "context_too_long")) throw again;
          throw new CodexError(
            "context_too_long",
            `Even compacted, the conversation and this message (~${
              estimateTokens(round)
            } tokens) do not fit the model's context window. Send a shorter message, or attach less.`,
            { cause: again, serverCode: again.serverCode },
          );
        }
      }
      addUsage(total, response.usage);
      const outputs = response.items
        .filter((i) => REPLAYED.has(i.type))
        .map((i) => toReplayItem(i as InputItem));
      round.push(...outputs);
      const covered = o.session.items.length + round.length;
      const calls = outputs.filter((i): i is FunctionCallItem => i.type === "function_call");
      if (calls.length) round.push(...(yield* this.#runTools(calls, signal)));
      if (signal.aborted) throw new CodexError("aborted", "The turn was cancelled.");
      await o.session.append(round);
      if (response.usage) await o.session.recordUsage(response.usage, covered);
      // The round is committed: start the next one with what arrived meanwhile.
      round.splice(
        0,
        round.length,
        ...(calls.length ? (followUps?.() ?? []).map(userMessage) : []),
      );
      if (!calls.length || rounds >= maxRounds) {
        yield {
          type: "done",
          text: messageText(outputs),
          rounds,
          usage: total,
          stopReason: calls.length ? "round_limit" : "answered",
        };
        return;
      }
    }
  }

  /**
   * Compact the committed history now (`/compact`, or a library call). Yields the
   * `compacted` event (and notices); nothing when there is nothing to compact.
   */
  async *compact(options: { signal?: AbortSignal } = {}): AsyncGenerator<AgentEvent, void> {
    yield* this.#compact("manual", options.signal ?? new AbortController().signal);
  }

  #modelInfo(): ModelInfo | undefined {
    return this.#o.catalog?.find(this.#model);
  }

  /** Remote compaction (the backend's), else a local summary; returns whether it compacted. */
  async *#compact(trigger: CompactionTrigger, signal: AbortSignal) {
    const o = this.#o;
    const mode = o.compaction?.mode ?? "auto";
    const history = [...o.session.items];
    if (mode === "off" || !history.some((i) => i.type !== "message" || i.role !== "user")) {
      return false;
    }
    const before = this.contextTokens();
    const limit = this.compactionLimit;
    // Earlier user messages are kept verbatim, within the CLI's budget (less for small windows).
    const budget = Math.min(KEPT_USER_TOKENS, limit ? Math.floor(limit / 4) : KEPT_USER_TOKENS);
    let compacted: InputItem[] | undefined;
    let used: CompactionMode = "remote";
    if (this.#remoteCompaction) {
      try {
        const res = yield* this.#fitting(
          history,
          (h) => this.#respond([...h, { type: "compaction_trigger" }], signal, { quiet: true }),
        );
        const c = compactionOf(res.items);
        if (typeof c === "string") {
          throw new CodexError("server", `Remote compaction failed: ${c}.`);
        }
        compacted = remoteCompacted(history, c, budget);
      } catch (e) {
        if (e instanceof CodexError && NOT_COMPACTION_FAULTS.has(e.code)) throw e;
        // The backend's way is absent or broken here: summarise locally from now on.
        this.#remoteCompaction = false;
        yield {
          type: "notice",
          text: `Remote compaction is not available (${
            (e as Error).message
          }); summarising locally instead.`,
        } as const;
      }
    }
    if (!compacted) {
      used = "local";
      const res = yield* this.#fitting(
        history,
        (h) =>
          this.#respond([...h, userMessage(SUMMARY_PROMPT)], signal, {
            tools: [],
            parallelToolCalls: false,
            quiet: true,
          }),
      );
      const summary = messageText(res.items);
      if (!summary.trim()) {
        throw new CodexError("server", "Compaction failed: the model wrote no summary.");
      }
      compacted = localCompacted(history, summary, budget);
    }
    if (signal.aborted) throw new CodexError("aborted", "The compaction was cancelled.");
    await o.session.compact(compacted, { mode: used, trigger });
    yield {
      type: "compacted",
      mode: used,
      trigger,
      tokensBefore: before,
      tokensAfter: this.contextTokens(),
    } as const;
    return true;
  }

  /**
   * Send a compaction request over `history`; when even that does not fit the window, over
   * less of it (oldest items first out), a few times.
   */
  async *#fitting<T>(
    history: InputItem[],
    send: (h: InputItem[]) => AsyncGenerator<AgentEvent, T>,
  ): AsyncGenerator<AgentEvent, T> {
    for (let h = history, tries = 0;; tries++) {
      try {
        return yield* send(h);
      } catch (e) {
        const shorter = dropOldest(h);
        if (!(e instanceof CodexError && e.code === "context_too_long") || tries >= 4) throw e;
        if (!shorter.length) throw e;
        h = shorter;
      }
    }
  }

  /**
   * Get the connection ready for the next task while the person types it: the client's
   * WebSocket prewarm with the conversation so far (nothing over SSE). Best effort.
   */
  async prewarm(signal?: AbortSignal): Promise<void> {
    await this.#o.client.prewarm?.(this.#request([...this.#o.session.items], {}), signal);
  }

  /** The request for `input` with the current model's settings. */
  #request(input: InputItem[], shape: RequestShape): TurnRequest {
    const o = this.#o;
    const info = this.#modelInfo();
    return {
      model: this.#model,
      instructions: o.instructions,
      input,
      tools: shape.tools ?? o.tools.definitions(),
      effort: this.#effort,
      parallelToolCalls: shape.parallelToolCalls ?? o.parallelToolCalls ??
        info?.supports_parallel_tool_calls ?? true,
      verbosity: info?.support_verbosity ? info.default_verbosity ?? undefined : undefined,
      serviceTier: this.#serviceTier,
      conversationId: o.session.id,
      compactions: o.session.compactions,
    };
  }

  /**
   * The backend refused the model as not supported: switch to its catalog replacement,
   * keep the asked effort and tier where the new model takes them, and say so. False when
   * there is nothing to switch to.
   */
  async *#replaceModel(signal: AbortSignal) {
    const catalog = this.#o.catalog;
    if (!catalog) return false;
    // The client read the catalog again with the refusal (this only loads it if it did
    // not); what the older catalog said of the model names its upgrade.
    await catalog.load({ signal });
    const previous = catalog.lastKnown(this.#model);
    const next = replacementFor(catalog.models, this.#model, { previous, plan: this.#o.plan });
    if (!next) return false;
    const old = this.#model;
    this.#model = next.slug;
    this.#effort = clampEffort(next, this.#o.effort).effort;
    this.#serviceTier = serviceTierFor(next, this.#o.serviceTier).serviceTier;
    await this.#o.session.recordModel(next.slug);
    yield {
      type: "notice",
      text: `The model '${old}' is no longer offered to this account; continuing on ${next.slug}${
        previous?.upgrade?.model === next.slug ? " (its named upgrade)" : ""
      }.`,
    } as const;
    return true;
  }

  /**
   * One model response, retrying a failed stream; yields UI events, returns the result.
   * One budget covers the round: the client's retries (before a stream starts) and ours
   * (a stream cut mid-way) together, so a failing backend sees at most 1 + maxRetries
   * requests. Finished messages are reported when the response completes, so the text of a
   * discarded attempt never reaches a chat.
   */
  async *#respond(input: InputItem[], signal: AbortSignal, shape: RequestShape = {}) {
    const o = this.#o;
    const policy = o.retry ?? DEFAULT_RETRY_POLICY;
    let request = this.#request(input, shape);
    let switched = false;
    let used = 0;
    while (true) {
      const messages: string[] = [];
      try {
        const events = o.client.stream(request, {
          signal,
          maxRetries: Math.max(0, policy.maxRetries - used),
        });
        for await (const ev of events) {
          switch (ev.type) {
            case "text_delta":
            case "reasoning_delta":
              if (!shape.quiet) yield ev;
              break;
            case "reasoning_part_added":
              if (!shape.quiet) yield { type: "reasoning_break" } as const;
              break;
            case "retry":
              used++;
              yield {
                type: "retry",
                attempt: used,
                delayMs: ev.delayMs,
                reason: ev.error.message,
              } as const;
              break;
            case "transport":
              yield {
                type: "notice",
                text:
                  `The backend refused the WebSocket; streaming over HTTP from now on. (${ev.reason})`,
              } as const;
              break;
            case "item_done": {
              const text = shape.quiet ? "" : messageText([ev.item]);
              if (text) messages.push(text);
              break;
            }
            case "completed":
              for (const text of messages) yield { type: "message", text } as const;
              if (ev.response.usage) {
                yield {
                  type: "usage",
                  usage: ev.response.usage,
                  rateLimits: ev.response.rateLimits,
                } as const;
              }
              return ev.response;
          }
        }
        throw new CodexError("stream_truncated", "The stream ended without a response.");
      } catch (e) {
        const err = e instanceof CodexError
          ? e
          : new CodexError("network", String(e), { cause: e });
        if (err.code === "model_not_supported" && !switched && !signal.aborted) {
          switched = true;
          if (yield* this.#replaceModel(signal)) {
            request = this.#request(input, shape);
            continue;
          }
        }
        if (signal.aborted || !err.retryable || used >= policy.maxRetries) throw err;
        used++;
        const delayMs = backoffDelay(used, policy, err.retryAfterMs);
        yield { type: "retry", attempt: used, delayMs, reason: err.message } as const;
        await sleep(delayMs, signal);
      }
    }
  }

  /**
   * Run calls concurrently, except that a command (bash) never runs while a file tool does:
   * a process the model started could otherwise swap a folder under a file tool mid-call.
   * Reports each call as it ends; returns outputs in call order.
   */
  async *#runTools(calls: FunctionCallItem[], signal: AbortSignal) {
    const o = this.#o;
    const sandbox = await (o.sandbox ?? (this.#defaultSandbox ??= Sandbox.create()));
    if (!o.sandbox && sandbox.warning && !this.#warned) {
      this.#warned = true;
      yield { type: "notice", text: sandbox.warning } as const;
    }
    const secrets = [
      ...(o.secrets?.() ?? []),
      ...await secretValues(process.env, o.tokenFiles ?? []),
    ];
    const ctx = { workspace: o.workspace, signal, secrets, sandbox };
    for (const c of calls) {
      yield {
        type: "tool_start",
        callId: c.call_id,
        name: c.name,
        arguments: c.arguments,
      } as const;
    }
    const results: ToolResult[] = new Array(calls.length);
    // Consecutive calls of one kind form a batch; batches run one after another.
    const batches: number[][] = [];
    calls.forEach((c, i) => {
      const last = batches.at(-1);
      if (last && isCommand(calls[last[0]].name) === isCommand(c.name)) last.push(i);
      else batches.push([i]);
    });
    for (const batch of batches) {
      const running = new Map(
        batch.map((i) => [
          i,
          o.tools.run(calls[i].name, calls[i].arguments, ctx).then((r) => ({ i, r })),
        ]),
      );
      while (running.size) {
        const { i, r } = await Promise.race(running.values());
        running.delete(i);
        results[i] = r;
        const c = calls[i];
        yield { type: "tool_end", callId: c.call_id, name: c.name, ...r } as const;
      }
    }
    return calls.map((c, i): FunctionCallOutputItem => ({
      type: "function_call_output",
      call_id: c.call_id,
      output: results[i].output,
    }));
  }
}

/** Tools that start processes the model controls. */
function isCommand(name: string): boolean {
  return name === "bash";
}

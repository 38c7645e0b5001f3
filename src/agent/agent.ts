/**
 * The agent: the only place that loops. One turn sends the history to the model, runs the
 * tool calls it makes (concurrently, outputs kept in call order), sends the outputs back,
 * and repeats until the model answers without calling a tool. Each finished round is
 * committed to the session; a round that fails or is cancelled leaves no trace.
 *
 * @module
 */

import type { ResponseEvent } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { toReplayItem, type TurnRequest } from "../codex/request.ts";
import { backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy, sleep } from "../codex/retry.ts";
import type {
  FunctionCallItem,
  FunctionCallOutputItem,
  InputItem,
  OutputItem,
  RateLimitSnapshot,
  ReasoningEffort,
  Usage,
} from "../codex/types.ts";
import type { ToolResult } from "../tools/tool.ts";
import type { ToolSet } from "../tools/tool_set.ts";
import type { Workspace } from "../tools/workspace.ts";
import type { Session } from "./session_store.ts";

/** Anything that streams a model response (the {@link ResponsesClient}, or a test double). */
export interface ModelStream {
  /** Stream one response for a request. */
  stream(req: TurnRequest, options: { signal?: AbortSignal }): AsyncIterable<ResponseEvent>;
}

/** Options of {@link Agent}. */
export interface AgentOptions {
  /** The model client. */
  client: ModelStream;
  /** Model slug. */
  model: string;
  /** Reasoning effort; undefined is the model's default. */
  effort?: ReasoningEffort;
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
  /** Model responses per turn at most (default 100). */
  maxRounds?: number;
  /** Let the model call several tools at once (default true). */
  parallelToolCalls?: boolean;
  /** Retries of a round whose stream failed (default the CLI's policy). */
  retry?: RetryPolicy;
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
  | {
    type: "done";
    text: string;
    rounds: number;
    usage: Usage;
    stopReason: "answered" | "round_limit";
  };

const REPLAYED = new Set(["message", "reasoning", "function_call", "function_call_output"]);

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

/** The assistant text of output items. */
export function messageText(items: readonly (OutputItem | InputItem)[]): string {
  return items
    .filter((i): i is Extract<InputItem, { type: "message" }> =>
      i.type === "message" && (i as { role?: string }).role === "assistant"
    )
    .map((m) => m.content.map((c) => c.text ?? "").join(""))
    .join("\n\n");
}

/** A user message item. */
export function userMessage(text: string): InputItem {
  return { type: "message", role: "user", content: [{ type: "input_text", text }] };
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

  /** Create an agent over a session. */
  constructor(options: AgentOptions) {
    this.#o = options;
  }

  /** The committed conversation. */
  get history(): readonly InputItem[] {
    return this.#o.session.items;
  }

  /** The session id. */
  get sessionId(): string {
    return this.#o.session.id;
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
    const o = this.#o;
    const maxRounds = o.maxRounds ?? 100;
    const total = emptyUsage();
    let round: InputItem[] = typeof input === "string" ? [userMessage(input)] : [...input];
    for (let rounds = 1;; rounds++) {
      const response = yield* this.#respond([...o.session.items, ...round], signal);
      addUsage(total, response.usage);
      const outputs = response.items
        .filter((i) => REPLAYED.has(i.type))
        .map((i) => toReplayItem(i as InputItem));
      round.push(...outputs);
      const calls = outputs.filter((i): i is FunctionCallItem => i.type === "function_call");
      if (calls.length) round.push(...(yield* this.#runTools(calls, signal)));
      if (signal.aborted) throw new CodexError("aborted", "The turn was cancelled.");
      await o.session.append(round);
      if (response.usage) await o.session.recordUsage(response.usage);
      round = calls.length ? (options.followUps?.() ?? []).map(userMessage) : [];
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

  /** One model response, retrying a failed stream; yields UI events, returns the result. */
  async *#respond(input: InputItem[], signal: AbortSignal) {
    const o = this.#o;
    const policy = o.retry ?? DEFAULT_RETRY_POLICY;
    const request: TurnRequest = {
      model: o.model,
      instructions: o.instructions,
      input,
      tools: o.tools.definitions(),
      effort: o.effort,
      parallelToolCalls: o.parallelToolCalls ?? true,
      conversationId: o.session.id,
    };
    for (let attempt = 0;; attempt++) {
      try {
        for await (const ev of o.client.stream(request, { signal })) {
          switch (ev.type) {
            case "text_delta":
            case "reasoning_delta":
              yield ev;
              break;
            case "reasoning_part_added":
              yield { type: "reasoning_break" } as const;
              break;
            case "retry":
              yield {
                type: "retry",
                attempt: ev.attempt,
                delayMs: ev.delayMs,
                reason: ev.error.message,
              } as const;
              break;
            case "item_done": {
              const text = messageText([ev.item]);
              if (text) yield { type: "message", text } as const;
              break;
            }
            case "completed":
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
        if (signal.aborted || !err.retryable || attempt >= policy.maxRetries) throw err;
        const delayMs = backoffDelay(attempt + 1, policy, err.retryAfterMs);
        yield { type: "retry", attempt: attempt + 1, delayMs, reason: err.message } as const;
        await sleep(delayMs, signal);
      }
    }
  }

  /** Run calls concurrently; report each as it ends; return outputs in call order. */
  async *#runTools(calls: FunctionCallItem[], signal: AbortSignal) {
    const o = this.#o;
    const ctx = { workspace: o.workspace, signal, secrets: o.secrets?.() ?? [] };
    for (const c of calls) {
      yield {
        type: "tool_start",
        callId: c.call_id,
        name: c.name,
        arguments: c.arguments,
      } as const;
    }
    const results: ToolResult[] = new Array(calls.length);
    const running = new Map(
      calls.map((c, i) => [i, o.tools.run(c.name, c.arguments, ctx).then((r) => ({ i, r }))]),
    );
    while (running.size) {
      const { i, r } = await Promise.race(running.values());
      running.delete(i);
      results[i] = r;
      const c = calls[i];
      yield { type: "tool_end", callId: c.call_id, name: c.name, ...r } as const;
    }
    return calls.map((c, i): FunctionCallOutputItem => ({
      type: "function_call_output",
      call_id: c.call_id,
      output: results[i].output,
    }));
  }
}

/**
 * `POST /v1/chat/completions` answers: one `chat.completion`, or `chat.completion.chunk`s
 * over SSE ending in `[DONE]`, with usage (in the last chunk when `stream_options.include_usage`).
 *
 * @module
 */

import type { CompletedResponse, ResponseEvent } from "../codex/client.ts";
import { messageText } from "../codex/items.ts";
import type { FunctionCallItem, Usage } from "../codex/types.ts";
import type { ApiError } from "./errors.ts";
import { chatError, sseResponse } from "./sse.ts";
import type { StartedTurn } from "./turn.ts";

/** OpenAI's chat usage, from the backend's. */
export function chatUsage(u: Usage | undefined) {
  if (!u) return undefined;
  return {
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.total_tokens,
    prompt_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: {
      reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    },
  };
}

const calls = (r: CompletedResponse) =>
  r.items.filter((i): i is FunctionCallItem => i.type === "function_call");

function toolCall(c: FunctionCallItem, index?: number) {
  return {
    ...(index === undefined ? {} : { index }),
    id: c.call_id,
    type: "function" as const,
    function: { name: c.name, arguments: c.arguments },
  };
}

/** The response's id, model and creation time, shared by its chunks. */
function header(model: string) {
  return {
    id: `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`,
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: null,
  };
}

async function completed(events: AsyncIterable<ResponseEvent>): Promise<CompletedResponse> {
  for await (const ev of events) if (ev.type === "completed") return ev.response;
  throw new Error("the response ended without completing");
}

/** The whole answer, as one `chat.completion`. */
export async function chatCompletion(turn: StartedTurn): Promise<Response> {
  const r = await completed(turn.events);
  const text = messageText(r.items);
  const toolCalls = calls(r);
  return Response.json({
    ...header(turn.model),
    object: "chat.completion",
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: text || (toolCalls.length ? null : ""),
        refusal: null,
        ...(toolCalls.length ? { tool_calls: toolCalls.map((c) => toolCall(c)) } : {}),
      },
      logprobs: null,
      finish_reason: toolCalls.length ? "tool_calls" : "stop",
    }],
    usage: chatUsage(r.usage),
  });
}

/** The answer as it streams, in chunks. */
export function chatChunks(
  turn: StartedTurn,
  options: { includeUsage: boolean; onEnd?: (error?: ApiError) => void },
): Response {
  const head = header(turn.model);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...head,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  return sseResponse(async function* () {
    yield { data: chunk({ role: "assistant", content: "" }) };
    let tools = 0;
    for await (const ev of turn.events) {
      if (ev.type === "text_delta") yield { data: chunk({ content: ev.delta }) };
      else if (ev.type === "item_done" && ev.item.type === "function_call") {
        yield { data: chunk({ tool_calls: [toolCall(ev.item as FunctionCallItem, tools++)] }) };
      } else if (ev.type === "completed") {
        yield { data: chunk({}, calls(ev.response).length ? "tool_calls" : "stop") };
        if (options.includeUsage) {
          yield {
            data: {
              ...head,
              object: "chat.completion.chunk",
              choices: [],
              usage: chatUsage(ev.response.usage),
            },
          };
        }
      }
    }
    yield { data: "[DONE]" };
  }, { onError: chatError, onEnd: options.onEnd });
}

/**
 * `POST /v1/responses` answers: one `response` object, or the public API's stream of events
 * (`response.created` … `response.completed`, each with its `sequence_number`), built from
 * the client's events; the finished response is remembered for `previous_response_id`.
 *
 * @module
 */

import type { CompletedResponse } from "../codex/client.ts";
import { contentText, messageText } from "../codex/items.ts";
import type { InputItem, MessageItem, OutputItem, Usage } from "../codex/types.ts";
import type { ApiError } from "./errors.ts";
import type { ResponseMemory } from "./responses_input.ts";
import { type SseEvent, sseResponse } from "./sse.ts";
import type { StartedTurn } from "./turn.ts";

const newId = (prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

/** What the answer echoes of the request, and where to remember it. */
export interface ResponseContext {
  /** The conversation sent (for the memory). */
  input: InputItem[];
  /** `previous_response_id`, echoed. */
  previousResponseId?: string;
  /** Whether reasoning items keep their `encrypted_content` (`include`). */
  includeEncrypted: boolean;
  /** Where finished responses are kept. */
  memory: ResponseMemory;
}

/** An output item in the public API's shape: ids, status, annotations. */
function publicItem(item: OutputItem, includeEncrypted: boolean): Record<string, unknown> {
  switch (item.type) {
    case "message": {
      const m = item as MessageItem;
      return {
        id: m.id ?? newId("msg"),
        type: "message",
        status: "completed",
        role: "assistant",
        content: [{ type: "output_text", text: contentText(m), annotations: [], logprobs: [] }],
      };
    }
    case "function_call":
      return { ...item, id: item.id ?? newId("fc"), status: "completed" };
    case "reasoning": {
      const { encrypted_content, ...rest } = item as Record<string, unknown>;
      return {
        ...rest,
        id: item.id ?? newId("rs"),
        ...(includeEncrypted && encrypted_content ? { encrypted_content } : {}),
      };
    }
    default:
      return { ...item };
  }
}

function usage(u: Usage | undefined) {
  if (!u) return null;
  return {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0 },
    total_tokens: u.total_tokens,
  };
}

/** A response's id and creation time, the same in all its events. */
interface Identity {
  id: string;
  createdAt: number;
}

function identity(): Identity {
  return { id: newId("resp"), createdAt: Math.floor(Date.now() / 1000) };
}

/** A response object; `done` is the finished one. */
function responseObject(
  who: Identity,
  turn: StartedTurn,
  ctx: ResponseContext,
  done?: { response: CompletedResponse; output: Record<string, unknown>[] },
) {
  return {
    id: who.id,
    object: "response",
    created_at: who.createdAt,
    status: done ? "completed" : "in_progress",
    model: turn.model,
    output: done?.output ?? [],
    previous_response_id: ctx.previousResponseId ?? null,
    error: null,
    incomplete_details: null,
    parallel_tool_calls: true,
    store: true,
    usage: done ? usage(done.response.usage) : null,
    metadata: {},
  };
}

/** Remember the finished response and build its public output. */
function finish(
  id: string,
  response: CompletedResponse,
  ctx: ResponseContext,
  streamed: Record<string, unknown>[] = [],
) {
  ctx.memory.set(id, { input: ctx.input, output: response.items });
  // The items as streamed (same ids), unless the stream's items and the response's differ.
  const output = streamed.length === response.items.length
    ? streamed
    : response.items.map((i) => publicItem(i, ctx.includeEncrypted));
  return { response, output };
}

/** The whole answer, as one response object. */
export async function responseAnswer(turn: StartedTurn, ctx: ResponseContext): Promise<Response> {
  const who = identity();
  for await (const ev of turn.events) {
    if (ev.type !== "completed") continue;
    const body = responseObject(who, turn, ctx, finish(who.id, ev.response, ctx));
    return Response.json({ ...body, output_text: messageText(ev.response.items) });
  }
  throw new Error("the response ended without completing");
}

/** The answer as it streams, as the public API's events. */
export function responseEvents(
  turn: StartedTurn,
  ctx: ResponseContext,
  onEnd?: (error?: ApiError) => void,
): Response {
  const who = identity();
  let seq = 0;
  const ev = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: { type, sequence_number: seq++, ...fields },
  });
  return sseResponse(async function* () {
    yield ev("response.created", { response: responseObject(who, turn, ctx) });
    yield ev("response.in_progress", { response: responseObject(who, turn, ctx) });
    const streamed: Record<string, unknown>[] = []; // the finished items, by output_index
    let index = 0; // output_index of the next item
    let open: string | undefined; // the id of the message being streamed
    const openMessage = function* (): Generator<SseEvent> {
      open = newId("msg");
      const item = {
        id: open,
        type: "message",
        status: "in_progress",
        role: "assistant",
        content: [],
      };
      yield ev("response.output_item.added", { output_index: index, item });
      yield ev("response.content_part.added", {
        item_id: open,
        output_index: index,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      });
    };
    for await (const e of turn.events) {
      if (e.type === "text_delta") {
        if (!open) yield* openMessage();
        yield ev("response.output_text.delta", {
          item_id: open,
          output_index: index,
          content_index: 0,
          delta: e.delta,
          logprobs: [],
        });
      } else if (e.type === "item_done") {
        const item = publicItem(e.item, ctx.includeEncrypted);
        if (e.item.type === "message") {
          if (!open) yield* openMessage();
          const text = contentText(e.item as MessageItem);
          const at = { item_id: open, output_index: index, content_index: 0 };
          yield ev("response.output_text.done", { ...at, text, logprobs: [] });
          yield ev("response.content_part.done", {
            ...at,
            part: { type: "output_text", text, annotations: [] },
          });
          item.id = open;
          open = undefined;
        } else {
          // A call is announced empty: its arguments follow as a delta (clients add them up).
          const added = e.item.type === "function_call" ? { ...item, arguments: "" } : item;
          yield ev("response.output_item.added", {
            output_index: index,
            item: { ...added, status: "in_progress" },
          });
          if (e.item.type === "function_call") {
            const at = { item_id: item.id, output_index: index };
            yield ev("response.function_call_arguments.delta", { ...at, delta: e.item.arguments });
            yield ev("response.function_call_arguments.done", {
              ...at,
              arguments: e.item.arguments,
            });
          }
        }
        streamed.push(item);
        yield ev("response.output_item.done", { output_index: index++, item });
      } else if (e.type === "completed") {
        const done = finish(who.id, e.response, ctx, streamed);
        yield ev("response.completed", { response: responseObject(who, turn, ctx, done) });
      }
    }
  }, {
    onError: (error) =>
      ev("error", { code: error.code, message: error.message, param: error.param }),
    onEnd,
  });
}

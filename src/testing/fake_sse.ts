/**
 * Turning a scripted response into the SSE events the real backend sends, in its order:
 * created, then per item added/deltas/done, then completed (or a scripted ending).
 *
 * @module
 */

import type { Usage } from "../codex/types.ts";
import type { FakeOutput, ResponseStep } from "./script.ts";

/** Ids and secrets the fake hands out while rendering. */
export interface RenderContext {
  /** A fresh id with this prefix. */
  nextId(prefix: string): string;
  /** Remember encrypted reasoning as issued. */
  issueEncrypted(): string;
  /** Issue the encrypted content of a compaction holding `text` (default: the input's). */
  issueCompaction(text?: string): string;
  /** Usage estimated from the request. */
  usage: Usage;
}

/** One server event. */
export type Event = Record<string, unknown> & { type: string };

/** Split text into a few deltas, as the model streams it. */
function deltas(text: string): string[] {
  const parts = text.match(/\S+\s*|\s+/g) ?? [];
  return parts.length ? parts : [""];
}

function renderItem(out: FakeOutput, index: number, ctx: RenderContext): {
  events: Event[];
  item: Record<string, unknown>;
} {
  const events: Event[] = [];
  if (out.kind === "text") {
    const id = ctx.nextId("msg");
    const done = {
      type: "message",
      id,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: out.text, annotations: [] }],
    };
    events.push({
      type: "response.output_item.added",
      output_index: index,
      item: { ...done, status: "in_progress", content: [] },
    });
    events.push({
      type: "response.content_part.added",
      item_id: id,
      output_index: index,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
    for (const d of deltas(out.text)) {
      events.push({
        type: "response.output_text.delta",
        item_id: id,
        output_index: index,
        content_index: 0,
        delta: d,
      });
    }
    events.push({
      type: "response.output_text.done",
      item_id: id,
      output_index: index,
      content_index: 0,
      text: out.text,
    });
    events.push({
      type: "response.content_part.done",
      item_id: id,
      output_index: index,
      content_index: 0,
      part: done.content[0],
    });
    events.push({ type: "response.output_item.done", output_index: index, item: done });
    return { events, item: done };
  }
  if (out.kind === "reasoning") {
    const id = ctx.nextId("rs");
    const done = {
      type: "reasoning",
      id,
      summary: out.summary.map((text) => ({ type: "summary_text", text })),
      encrypted_content: ctx.issueEncrypted(),
    };
    events.push({
      type: "response.output_item.added",
      output_index: index,
      item: { type: "reasoning", id, summary: [] },
    });
    out.summary.forEach((text, s) => {
      events.push({
        type: "response.reasoning_summary_part.added",
        item_id: id,
        output_index: index,
        summary_index: s,
        part: { type: "summary_text", text: "" },
      });
      for (const d of deltas(text)) {
        events.push({
          type: "response.reasoning_summary_text.delta",
          item_id: id,
          output_index: index,
          summary_index: s,
          delta: d,
        });
      }
      events.push({
        type: "response.reasoning_summary_text.done",
        item_id: id,
        output_index: index,
        summary_index: s,
        text,
      });
    });
    events.push({ type: "response.output_item.done", output_index: index, item: done });
    return { events, item: done };
  }
  if (out.kind === "compaction") {
    // As captured (c3-compact-answer-noid): no id; the client makes one up for the replay.
    const done: Record<string, unknown> = { type: "compaction" };
    if (!out.withoutEncryptedContent) done.encrypted_content = ctx.issueCompaction(out.text);
    events.push({ type: "response.output_item.added", output_index: index, item: done });
    events.push({ type: "response.output_item.done", output_index: index, item: done });
    return { events, item: done };
  }
  const id = ctx.nextId("fc");
  const done = {
    type: "function_call",
    id,
    status: "completed",
    call_id: out.callId ?? ctx.nextId("call"),
    name: out.name,
    arguments: out.arguments,
  };
  events.push({
    type: "response.output_item.added",
    output_index: index,
    item: { ...done, status: "in_progress", arguments: "" },
  });
  const half = Math.ceil(out.arguments.length / 2);
  for (const d of [out.arguments.slice(0, half), out.arguments.slice(half)]) {
    events.push({
      type: "response.function_call_arguments.delta",
      item_id: id,
      output_index: index,
      delta: d,
    });
  }
  events.push({
    type: "response.function_call_arguments.done",
    item_id: id,
    output_index: index,
    arguments: out.arguments,
  });
  events.push({ type: "response.output_item.done", output_index: index, item: done });
  return { events, item: done };
}

/** The events of a scripted response, ending included (a stall or cut ends the list). */
export function renderEvents(step: ResponseStep, ctx: RenderContext): Event[] {
  const responseId = ctx.nextId("resp");
  const base = { id: responseId, object: "response", created_at: Math.floor(Date.now() / 1000) };
  const events: Event[] = [
    { type: "response.created", response: { ...base, status: "in_progress", output: [] } },
    { type: "response.in_progress", response: { ...base, status: "in_progress", output: [] } },
  ];
  if (step.unknownEvents) {
    events.push({ type: "response.some_future_event", detail: { anything: true } });
    events.push({ type: "codex.rate_limits", primary: { used_percent: 1 } });
  }
  const items: Record<string, unknown>[] = [];
  step.output.forEach((out, i) => {
    const r = renderItem(out, i, ctx);
    items.push(r.item);
    const evs = step.onlyCompletedOutput
      ? r.events.filter((e) => e.type !== "response.output_item.done")
      : r.events;
    events.push(...evs);
    if (step.unknownEvents) events.push({ type: "response.new_kind_of_delta", delta: "?" });
  });
  const end = step.end ?? { kind: "completed" };
  switch (end.kind) {
    case "completed":
      events.push({
        type: "response.completed",
        response: {
          ...base,
          status: "completed",
          output: items,
          usage: { ...ctx.usage, ...step.usage },
        },
      });
      break;
    case "failed":
      events.push({
        type: "response.failed",
        response: { ...base, status: "failed", error: { code: end.code, message: end.message } },
      });
      break;
    case "incomplete":
      events.push({
        type: "response.incomplete",
        response: { ...base, status: "incomplete", incomplete_details: { reason: end.reason } },
      });
      break;
    case "error_event":
      events.push({ type: "error", code: end.code, message: end.message, param: null });
      break;
  }
  return events;
}

/** Frame events as SSE text; optionally with CRLF, comments and a malformed line. */
export function frameEvents(events: Event[], step: ResponseStep): string {
  const nl = step.crlf ? "\r\n" : "\n";
  let out = step.crlf ? `: keep-alive${nl}${nl}` : "";
  events.forEach((ev, i) => {
    if (step.malformedLine && i === 2) {
      out += `event: response.output_text.delta${nl}data: {not json${nl}${nl}`;
    }
    out += `event: ${ev.type}${nl}data: ${JSON.stringify(ev)}${nl}${nl}`;
    if (step.crlf && i % 3 === 0) out += `: ping${nl}`;
  });
  return out;
}

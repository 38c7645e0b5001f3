/**
 * What compaction keeps, as the Codex CLI 0.169 keeps it (PROTOCOL.md §6): the person's own
 * messages (the most recent ones, within a budget), then either the backend's opaque
 * `compaction` item (remote) or a hand-off summary the model wrote (local). Tool calls,
 * their outputs, reasoning and assistant messages are dropped; the summary covers them.
 *
 * @module
 */

import type { CompactionItem, InputItem, MessageItem, OutputItem } from "../codex/types.ts";
import { contentText } from "../codex/items.ts";

/** How the history was compacted. */
export type CompactionMode = "remote" | "local";

/** Why it was compacted. */
export type CompactionTrigger = "auto" | "manual" | "overflow";

/** The CLI keeps at most this many tokens of earlier user messages (compact.rs). */
export const KEPT_USER_TOKENS = 20_000;

/** The request that asks the model for a hand-off summary (local compaction; our words). */
export const SUMMARY_PROMPT =
  `Context checkpoint: this conversation is about to be shortened. Write a hand-off summary that lets you continue it without the earlier messages. Include:
- what the person asked for, their preferences and constraints, and any facts, names, numbers or decisions they asked you to remember (verbatim);
- what has been done so far, with the files, commands and results that matter;
- what is still open and the next steps.
Be concise and concrete. Do not call tools; answer with the summary only.`;

/** What introduces the summary when it is replayed as a user message. */
export const SUMMARY_PREFIX =
  "[Summary of the earlier conversation, written by you before it was shortened. Continue from it.]";

/** A rough token count: four characters a token, as the CLI estimates. */
export function estimateTokens(items: readonly InputItem[]): number {
  let chars = 0;
  for (const it of items) chars += JSON.stringify(it).length;
  return Math.ceil(chars / 4);
}

function textOf(m: MessageItem): string {
  return contentText(m);
}

/** Whether a user message is a summary replayed by an earlier local compaction. */
export function isSummary(item: InputItem): boolean {
  return item.type === "message" && item.role === "user" && textOf(item).startsWith(SUMMARY_PREFIX);
}

/**
 * The user messages to keep: newest first until `budgetTokens` is spent (the last one cut
 * to fit), returned in their order. Earlier summaries are not kept: the new one covers them.
 */
export function keptUserMessages(
  history: readonly InputItem[],
  budgetTokens: number = KEPT_USER_TOKENS,
): MessageItem[] {
  const kept: MessageItem[] = [];
  let left = budgetTokens;
  for (let i = history.length - 1; i >= 0 && left > 0; i--) {
    const it = history[i];
    if (it.type !== "message" || it.role !== "user" || isSummary(it)) continue;
    const text = textOf(it);
    const tokens = Math.ceil(text.length / 4);
    if (tokens <= left) {
      kept.push({ type: "message", role: "user", content: it.content });
      left -= tokens;
    } else {
      const cut = text.slice(0, left * 4);
      kept.push({
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: `${cut}…` }],
      });
      left = 0;
    }
  }
  return kept.reverse();
}

/**
 * The history without its oldest `fraction` of items, for a compaction request that did not
 * fit the window (the CLI trims from the front too); calls and outputs stay in pairs.
 */
export function dropOldest(history: readonly InputItem[], fraction = 0.25): InputItem[] {
  return pairedCalls(history.slice(Math.max(1, Math.ceil(history.length * fraction))));
}

/** `items` without a call that has no output, or an output whose call is not there. */
export function pairedCalls(items: readonly InputItem[]): InputItem[] {
  const calls = new Set(items.flatMap((i) => (i.type === "function_call" ? [i.call_id] : [])));
  const outputs = new Set(
    items.flatMap((i) => (i.type === "function_call_output" ? [i.call_id] : [])),
  );
  return items.filter((i) =>
    i.type === "function_call_output"
      ? calls.has(i.call_id)
      : i.type === "function_call"
      ? outputs.has(i.call_id)
      : true
  );
}

/** The history after a remote compaction: kept user messages, then the compaction item. */
export function remoteCompacted(
  history: readonly InputItem[],
  compaction: CompactionItem,
  budgetTokens?: number,
): InputItem[] {
  return [
    ...keptUserMessages(history, budgetTokens),
    {
      type: "compaction",
      // The 0.169 CLI replays the item with an id, making one up when the answer had none.
      id: compaction.id ?? `cmp_${crypto.randomUUID()}`,
      encrypted_content: compaction.encrypted_content,
    },
  ];
}

/** The history after a local compaction: kept user messages, then the summary. */
export function localCompacted(
  history: readonly InputItem[],
  summary: string,
  budgetTokens?: number,
): InputItem[] {
  return [
    ...keptUserMessages(history, budgetTokens),
    {
      type: "message",
      role: "user",
      content: [{ type: "input_text", text: `${SUMMARY_PREFIX}\n\n${summary.trim()}` }],
    },
  ];
}

/** The single compaction item of a compaction answer, or a reason it is unusable (§6). */
export function compactionOf(items: readonly OutputItem[]): CompactionItem | string {
  const found = items.filter((i) => i.type === "compaction") as Record<string, unknown>[];
  if (found.length !== 1) return `the answer held ${found.length} compaction items, not one`;
  const c = found[0];
  if (typeof c.encrypted_content !== "string" || !c.encrypted_content) {
    return "the compaction item had no encrypted_content";
  }
  return {
    type: "compaction",
    encrypted_content: c.encrypted_content,
    id: typeof c.id === "string" && c.id ? c.id : undefined,
  };
}

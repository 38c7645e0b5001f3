/**
 * What the model is told inside NanoClaw: who it is, how the chat works (`<internal>`),
 * its tools, and the group's memory (`CLAUDE.md`, plus the global one for other groups).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** CLAUDE.md files are cut at this many characters. */
export const MEMORY_LIMIT = 20_000;

/** The prefix that marks a scheduled task's prompt. */
export const SCHEDULED_PREFIX =
  "[SCHEDULED TASK - This message was sent automatically by a scheduled task, not by a person in the chat.]";

async function memory(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (!text) return undefined;
    return text.length > MEMORY_LIMIT ? `${text.slice(0, MEMORY_LIMIT)}\n[… cut]` : text;
  } catch {
    return undefined;
  }
}

/** The instructions for one group. */
export async function nanoclawInstructions(o: {
  workspace: string;
  assistantName?: string;
  isMain: boolean;
}): Promise<string> {
  const group = join(o.workspace, "group");
  const parts = [
    `You are ${o.assistantName ?? "the assistant"}, a personal assistant answering in a chat ` +
    `(${o.isMain ? "the main group, which administers the others" : "a group chat"}).`,
    'Messages arrive as XML: <messages><message sender="…" time="…">…</message></messages>. ' +
    "Your final answer is sent to the chat: keep it short and chat-friendly.",
    "Text inside <internal>…</internal> is never sent to the chat. Use it for notes to " +
    "yourself, or answer only with <internal>…</internal> when nothing needs to be said.",
    `Tools: send_message sends a message at once (progress, several messages); schedule_task, ` +
    `list_tasks, pause_task, resume_task and cancel_task manage scheduled tasks` +
    `${o.isMain ? "; register_group adds a chat" : ""}. bash, read_file, write_file and ` +
    `list_files work in the group's folder ${group}, which persists between conversations.`,
    `Your long-term memory is ${group}/CLAUDE.md: read it when it matters, and update it ` +
    `(write_file) when asked to remember something.`,
  ];
  const own = await memory(join(group, "CLAUDE.md"));
  if (own) parts.push(`## This group's memory (CLAUDE.md)\n\n${own}`);
  if (!o.isMain) {
    const global = await memory(join(o.workspace, "global", "CLAUDE.md"));
    if (global) {
      parts.push(`## Shared memory for all groups (global CLAUDE.md, read-only)\n\n${global}`);
    }
  }
  return parts.join("\n\n");
}

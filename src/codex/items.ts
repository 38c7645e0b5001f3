/**
 * Reading conversation items.
 *
 * @module
 */

import type { InputItem, MessageItem, OutputItem } from "./types.ts";

/** The text of a message: its text parts joined (images have none). */
export function contentText(message: Pick<MessageItem, "content">): string {
  return message.content.map((c) => ("text" in c ? c.text : "")).join("");
}

/** The assistant text of output items. */
export function messageText(items: readonly (OutputItem | InputItem)[]): string {
  return items
    .filter((i): i is Extract<InputItem, { type: "message" }> =>
      i.type === "message" && (i as { role?: string }).role === "assistant"
    )
    .map(contentText)
    .join("\n\n");
}

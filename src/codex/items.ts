/**
 * Reading conversation items.
 *
 * @module
 */

import type { MessageItem } from "./types.ts";

/** The text of a message: its text parts joined (images have none). */
export function contentText(message: Pick<MessageItem, "content">): string {
  return message.content.map((c) => ("text" in c ? c.text : "")).join("");
}

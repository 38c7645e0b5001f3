/**
 * `POST /v1/chat/completions` requests in the backend's terms: messages become input items
 * (system messages the way the backend takes them), tools and `tool_choice` the Responses
 * form, images `input_image` parts.
 *
 * @module
 */

import type { ContentPart, ImagePart, InputItem } from "../codex/types.ts";
import { badRequest } from "./errors.ts";
import { askOptions, functionCall, imagePart, isObject, type Json, placeSystem } from "./parts.ts";
import type { TurnAsk } from "./turn.ts";

/** The text of a message's content: a string, or text parts (others refused). */
function textOf(content: unknown, at: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badRequest(`Invalid type for '${at}'.`, at);
  return content.map((p, j) => {
    if (isObject(p) && (p.type === "text" || p.type === "refusal")) {
      return String(p.text ?? p.refusal ?? "");
    }
    throw badRequest(
      `Invalid value for '${at}[${j}].type': only text parts are accepted here.`,
      `${at}[${j}].type`,
    );
  }).join("");
}

/** A user message's parts: text and images (`image_url` as a data or https URL). */
function userParts(content: unknown, at: string): (ContentPart | ImagePart)[] {
  if (typeof content === "string") return [{ type: "input_text", text: content }];
  if (!Array.isArray(content)) throw badRequest(`Invalid type for '${at}'.`, at);
  return content.map((p, j): ContentPart | ImagePart => {
    const where = `${at}[${j}]`;
    if (isObject(p) && p.type === "text") return { type: "input_text", text: String(p.text ?? "") };
    if (isObject(p) && p.type === "image_url") {
      const image = p.image_url;
      return isObject(image)
        ? imagePart(image.url, image.detail, where)
        : imagePart(image, undefined, where);
    }
    throw badRequest(
      `Invalid value for '${where}.type': ${
        JSON.stringify(isObject(p) ? p.type : p)
      }. Supported: 'text', 'image_url'.`,
      `${where}.type`,
    );
  });
}

/**
 * Messages as input items. Leading system (and developer) messages become `instructions`,
 * since the backend refuses role `system`; later ones become developer messages.
 */
export function chatMessages(messages: unknown): { instructions: string; input: InputItem[] } {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw badRequest("'messages' must be a non-empty array of messages.", "messages");
  }
  const system: string[] = [];
  const input: InputItem[] = [];
  for (const [i, m] of messages.entries()) {
    const at = `messages[${i}]`;
    if (!isObject(m)) throw badRequest(`Invalid type for '${at}': expected an object.`, at);
    switch (m.role) {
      case "system":
      case "developer": {
        placeSystem(textOf(m.content, `${at}.content`), system, input);
        break;
      }
      case "user":
        input.push({
          type: "message",
          role: "user",
          content: userParts(m.content, `${at}.content`),
        });
        break;
      case "assistant": {
        const text = textOf(m.content, `${at}.content`);
        if (text) {
          input.push({
            type: "message",
            role: "assistant",
            content: [{ type: "output_text", text }],
          });
        }
        for (const [j, call] of (Array.isArray(m.tool_calls) ? m.tool_calls : []).entries()) {
          const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
          if (!fn || typeof call.id !== "string" || typeof fn.name !== "string") {
            throw badRequest(
              `Invalid '${at}.tool_calls[${j}]': expected {id, type: 'function', function: {name, arguments}}.`,
              `${at}.tool_calls[${j}]`,
            );
          }
          input.push(functionCall(call.id, fn.name, fn.arguments));
        }
        break;
      }
      case "tool":
        if (typeof m.tool_call_id !== "string") {
          throw badRequest(`Missing '${at}.tool_call_id'.`, `${at}.tool_call_id`);
        }
        input.push({
          type: "function_call_output",
          call_id: m.tool_call_id,
          output: textOf(m.content, `${at}.content`),
        });
        break;
      default:
        throw badRequest(
          `Invalid value for '${at}.role': ${
            JSON.stringify(m.role)
          }. Supported: system, developer, user, assistant, tool.`,
          `${at}.role`,
        );
    }
  }
  return { instructions: system.join("\n\n"), input };
}

/** A chat completions body as a turn. */
export function chatAsk(body: Json, defaultInstructions: string): TurnAsk {
  if (body.n !== undefined && body.n !== 1) {
    throw badRequest("Only n=1 is supported: the backend returns one choice.", "n");
  }
  const { instructions, input } = chatMessages(body.messages);
  return {
    ...askOptions(body),
    effort: body.reasoning_effort,
    effortParam: "reasoning_effort",
    instructions: instructions || defaultInstructions,
    input,
  };
}

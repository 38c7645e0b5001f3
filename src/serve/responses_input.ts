/**
 * `POST /v1/responses` requests in the backend's terms: the input (a string or items, in
 * the public API's shorthand too), system messages the way the backend takes them, and the
 * conversation a `previous_response_id` names, from the server's memory (the backend keeps
 * nothing: `store` is always false there).
 *
 * @module
 */

import { contentText } from "../codex/items.ts";
import type { ContentPart, ImagePart, InputItem, OutputItem } from "../codex/types.ts";
import { badRequest } from "./errors.ts";
import { askOptions, functionCall, imagePart, isObject, type Json, placeSystem } from "./parts.ts";
import type { TurnAsk } from "./turn.ts";

/** What the server remembers of a response: the conversation up to and including it. */
export interface Remembered {
  /** Every item sent for it (the earlier conversation included). */
  input: InputItem[];
  /** What the model produced. */
  output: OutputItem[];
}

/**
 * Responses kept for `previous_response_id`, in memory: the most recently used, up to `max`
 * of them and `maxBytes` of conversation (each counted whole, its earlier turns included,
 * although they are shared: the real use stays below the budget; images count too).
 */
export class ResponseMemory {
  #max: number;
  #maxBytes: number;
  #bytes = 0;
  #entries = new Map<string, Remembered & { bytes: number }>();

  /** Keep up to `max` responses (default 1,000) and `maxBytes` (default 256 MiB). */
  constructor(max = 1000, maxBytes = 256 * 1024 * 1024) {
    this.#max = max;
    this.#maxBytes = maxBytes;
  }

  /** The bytes counted now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The conversation up to response `id` (now the most recently used), if kept. */
  get(id: string): Remembered | undefined {
    const e = this.#entries.get(id);
    if (e) {
      this.#entries.delete(id);
      this.#entries.set(id, e);
    }
    return e;
  }

  /** Keep a response, forgetting the least recently used beyond the limits. */
  set(id: string, entry: Remembered): void {
    const bytes = JSON.stringify(entry.input).length + JSON.stringify(entry.output).length;
    this.#drop(id);
    this.#entries.set(id, { ...entry, bytes });
    this.#bytes += bytes;
    while (
      this.#entries.size > this.#max || (this.#bytes > this.#maxBytes && this.#entries.size > 1)
    ) {
      this.#drop(this.#entries.keys().next().value!);
    }
  }

  #drop(id: string): void {
    const e = this.#entries.get(id);
    if (!e) return;
    this.#bytes -= e.bytes;
    this.#entries.delete(id);
  }
}

/** The items of a finished response that are conversation items (for the next request). */
export function replayable(output: OutputItem[]): InputItem[] {
  return output.filter((i) =>
    ["message", "reasoning", "function_call"].includes(i.type)
  ) as InputItem[];
}

function parts(content: unknown, role: string, at: string): (ContentPart | ImagePart)[] {
  const textType = role === "assistant" ? "output_text" : "input_text";
  if (typeof content === "string") return [{ type: textType, text: content }];
  if (!Array.isArray(content)) throw badRequest(`Invalid type for '${at}'.`, at);
  return content.map((p, j): ContentPart | ImagePart => {
    const where = `${at}[${j}]`;
    if (!isObject(p)) throw badRequest(`Invalid type for '${where}'.`, where);
    if (["input_text", "output_text", "text", "refusal"].includes(String(p.type))) {
      return { type: textType, text: String(p.text ?? p.refusal ?? "") };
    }
    if (p.type === "input_image" && role === "user") return imagePart(p.image_url, p.detail, where);
    throw badRequest(
      `Invalid value for '${where}.type': ${JSON.stringify(p.type)} in a ${role} message.`,
      `${where}.type`,
    );
  });
}

/**
 * Input items, with leading system (or developer: OpenAI's SDKs send the system prompt so to
 * reasoning models) messages taken out as instructions.
 */
function inputItems(input: unknown): { system: string[]; items: InputItem[] } {
  if (typeof input === "string") {
    return {
      system: [],
      items: [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }],
    };
  }
  if (!Array.isArray(input)) {
    throw badRequest("'input' must be a string or an array of input items.", "input");
  }
  const system: string[] = [];
  const items: InputItem[] = [];
  for (const [i, it] of input.entries()) {
    const at = `input[${i}]`;
    if (!isObject(it)) throw badRequest(`Invalid type for '${at}': expected an object.`, at);
    const type = it.type ?? "message";
    if (type === "message") {
      const role = String(it.role);
      if (role === "system" || role === "developer") {
        const text = contentText({ content: parts(it.content, "developer", `${at}.content`) });
        placeSystem(text, system, items);
      } else if (role === "user" || role === "assistant") {
        items.push({ type: "message", role, content: parts(it.content, role, `${at}.content`) });
      } else {
        throw badRequest(
          `Invalid value for '${at}.role': ${JSON.stringify(it.role)}.`,
          `${at}.role`,
        );
      }
    } else if (type === "function_call") {
      if (typeof it.call_id !== "string" || typeof it.name !== "string") {
        throw badRequest(`'${at}' needs call_id and name.`, at);
      }
      items.push(functionCall(it.call_id, it.name, it.arguments));
    } else if (type === "function_call_output") {
      if (typeof it.call_id !== "string") {
        throw badRequest(`'${at}' needs call_id.`, `${at}.call_id`);
      }
      const output = typeof it.output === "string"
        ? it.output
        : contentText({ content: parts(it.output, "user", `${at}.output`) });
      items.push({ type: "function_call_output", call_id: it.call_id, output });
    } else if (type === "reasoning") {
      items.push({
        type: "reasoning",
        summary: Array.isArray(it.summary)
          ? it.summary as { type: "summary_text"; text: string }[]
          : [],
        ...(typeof it.encrypted_content === "string"
          ? { encrypted_content: it.encrypted_content }
          : {}),
      });
    } else {
      throw badRequest(
        `Invalid value for '${at}.type': ${
          JSON.stringify(type)
        }. Supported: message, function_call, function_call_output, reasoning.`,
        `${at}.type`,
      );
    }
  }
  return { system, items };
}

/** A responses body as a turn, with the conversation `previous_response_id` names. */
export function responsesAsk(
  body: Json,
  memory: ResponseMemory,
  defaultInstructions: string,
): TurnAsk {
  let earlier: InputItem[] = [];
  const previous = body.previous_response_id;
  if (previous !== undefined && previous !== null) {
    const kept = typeof previous === "string" ? memory.get(previous) : undefined;
    if (!kept) {
      throw badRequest(
        `Previous response with id '${previous}' not found. This server keeps the newest responses in memory until it restarts; send the whole conversation as input instead.`,
        "previous_response_id",
        "previous_response_not_found",
      );
    }
    earlier = [...kept.input, ...replayable(kept.output)];
  }
  const { system, items } = inputItems(body.input);
  const instructions = [typeof body.instructions === "string" ? body.instructions : "", ...system]
    .filter(Boolean).join("\n\n");
  const reasoning = isObject(body.reasoning) ? body.reasoning : {};
  return {
    ...askOptions(body),
    effort: reasoning.effort ?? undefined,
    effortParam: "reasoning.effort",
    instructions: instructions || defaultInstructions,
    input: [...earlier, ...items],
  };
}

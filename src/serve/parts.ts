/**
 * Pieces both endpoints' requests are made of: images (as the backend takes them), the
 * system prompt's placement, function calls and tools in either form, the fields both
 * bodies share, JSON object checks.
 *
 * @module
 */

import type {
  FunctionCallItem,
  FunctionToolDefinition,
  ImagePart,
  InputItem,
  ToolChoice,
} from "../codex/types.ts";
import { badRequest } from "./errors.ts";
import type { TurnAsk } from "./turn.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** Whether `v` is a JSON object (not an array). */
export const isObject = (v: unknown): v is Json =>
  !!v && typeof v === "object" && !Array.isArray(v);

/** An image part from its URL (a data:image/… or http(s) URL) and optional detail. */
export function imagePart(url: unknown, detail: unknown, where: string): ImagePart {
  if (typeof url !== "string" || !/^(data:image\/|https?:\/\/)/.test(url)) {
    throw badRequest(
      `Invalid '${where}.image_url': give a data:image/… URL (base64) or an https URL; file ids are not supported.`,
      `${where}.image_url`,
    );
  }
  return {
    type: "input_image",
    image_url: url,
    ...(detail === "low" || detail === "high" || detail === "auto" ? { detail } : {}),
  };
}

/**
 * Where a system (or developer) message goes: the leading ones, before any other item, are
 * the system prompt (the backend's `instructions`, since it refuses role `system`); a later
 * one becomes a developer message in place.
 */
export function placeSystem(text: string, system: string[], input: InputItem[]): void {
  if (input.length === 0) system.push(text);
  else input.push({ type: "message", role: "developer", content: [{ type: "input_text", text }] });
}

/** A function call item; arguments that came as an object are sent as their JSON. */
export function functionCall(callId: string, name: string, args: unknown): FunctionCallItem {
  const text = typeof args === "string" ? args : JSON.stringify(args ?? {});
  return { type: "function_call", call_id: callId, name, arguments: text };
}

/** A function tool, from either form (`{function: {...}}` or the Responses' flat one). */
function functionTool(tool: unknown, at: string): FunctionToolDefinition {
  const fn = isObject(tool) && isObject(tool.function) ? tool.function : tool;
  if (!isObject(tool) || tool.type !== "function" || !isObject(fn) || typeof fn.name !== "string") {
    throw badRequest(
      `Invalid '${at}': only function tools are supported ({type: 'function', name, parameters}).`,
      at,
    );
  }
  return {
    type: "function",
    name: fn.name,
    description: typeof fn.description === "string" ? fn.description : "",
    strict: false,
    parameters: isObject(fn.parameters) ? fn.parameters : { type: "object", properties: {} },
  };
}

/** `tool_choice` in the Responses form, from either form. */
function toolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto" || choice === "none" || choice === "required") return choice;
  const fn = isObject(choice) && isObject(choice.function) ? choice.function : choice;
  if (
    isObject(choice) && choice.type === "function" && isObject(fn) && typeof fn.name === "string"
  ) {
    return { type: "function", name: fn.name };
  }
  throw badRequest(
    `Invalid value for 'tool_choice': ${
      JSON.stringify(choice)
    }. Use 'auto', 'none', 'required' or {type: 'function', function: {name}}.`,
    "tool_choice",
  );
}

/** What both bodies say the same way: the model, tools, `tool_choice`, parallel calls, cache key. */
export function askOptions(
  body: Json,
): Pick<TurnAsk, "model" | "tools" | "toolChoice" | "parallelToolCalls" | "cacheKey"> {
  return {
    model: body.model,
    tools: Array.isArray(body.tools)
      ? body.tools.map((t, i) => functionTool(t, `tools[${i}]`))
      : [],
    toolChoice: toolChoice(body.tool_choice),
    parallelToolCalls: typeof body.parallel_tool_calls === "boolean"
      ? body.parallel_tool_calls
      : undefined,
    cacheKey: typeof body.prompt_cache_key === "string" ? body.prompt_cache_key : undefined,
  };
}

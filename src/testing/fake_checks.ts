/**
 * The fake's strictness: every way the real backend rejects a Responses request body.
 * Each check returns the failure (the `detail` text of a 400), or undefined when it passes.
 *
 * @module
 */

import {
  FORBIDDEN_BODY_FIELDS,
  INSTRUCTIONS_NOT_VALID,
  INSTRUCTIONS_REQUIRED,
} from "../codex/protocol.ts";
import type { ModelInfo } from "../codex/types.ts";

/** What the checks need to know about the fake's state. */
export interface CheckContext {
  /** The catalog the fake serves. */
  models: readonly ModelInfo[];
  /** Encrypted reasoning the fake has issued. */
  issuedEncrypted: ReadonlySet<string>;
  /** Compaction contents the fake has issued, by encrypted_content. */
  compactions: ReadonlyMap<string, string>;
  /** Whether a `compaction_trigger` item is understood (remote compaction v2 announced). */
  compactionTrigger: boolean;
  /** What `instructions` must be (see {@link InstructionsRule}). */
  instructions: InstructionsRule;
  /** Reject replayed item ids (what peers strip to avoid "Item with id … not found"). */
  rejectItemIds: boolean;
}

/**
 * What the backend demands of `instructions`; the sources disagree, so the fake does all:
 * `required` (PROTOCOL.md: missing or empty is "Instructions are required"), `official`
 * (2025: only the catalog's `base_instructions`), `optional` (the captured 0.169 CLI sends
 * none and puts its prompt in developer messages).
 */
export type InstructionsRule = "required" | "official" | "optional";

type Body = Record<string, unknown>;
type Item = Record<string, unknown>;

/** Why a body is refused: the model (answered in the retired-model form), or anything else. */
export interface CheckFailure {
  /** `model`: unknown or retired. */
  kind: "model" | "invalid";
  /** The 400's text. */
  detail: string;
}

/** Efforts the backend takes on the wire (`ultra` is asked for as `max`). */
const WIRE_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh", "max"];

/** Input item types the backend takes besides the conversation's (the 0.169 CLI sends them). */
const CONTEXT_ITEMS = new Set(["additional_tools", "configuration_update"]);

/** Validate a request body; the first failure, or undefined. */
export function checkBody(body: Body, ctx: CheckContext): CheckFailure | undefined {
  if (
    typeof body.model === "string" && body.model && !ctx.models.some((m) => m.slug === body.model)
  ) {
    return {
      kind: "model",
      detail: `The '${body.model}' model is not supported when using Codex with a ChatGPT account.`,
    };
  }
  const detail = checkRest(body, ctx);
  return detail ? { kind: "invalid", detail } : undefined;
}

function checkRest(body: Body, ctx: CheckContext): string | undefined {
  if (body.store !== false) return "Store must be set to false";
  if (body.stream !== true) return "Stream must be set to true";
  for (const field of FORBIDDEN_BODY_FIELDS) {
    if (field in body) return `Unsupported parameter: ${field}`;
  }
  if (typeof body.model !== "string" || !body.model) return "Missing required parameter: 'model'";
  const model = ctx.models.find((m) => m.slug === body.model)!;
  const instructions = body.instructions;
  if (instructions !== undefined && typeof instructions !== "string") {
    return "Invalid type for 'instructions': expected a string.";
  }
  if (ctx.instructions !== "optional" && (!instructions || instructions.trim() === "")) {
    return INSTRUCTIONS_REQUIRED;
  }
  if (ctx.instructions === "official" && instructions !== model.base_instructions) {
    return INSTRUCTIONS_NOT_VALID;
  }
  const effort = (body.reasoning as { effort?: string } | undefined)?.effort;
  const levels: string[] = model.supported_reasoning_levels?.map((l) => l.effort) ?? [];
  if (effort !== undefined && !WIRE_EFFORTS.includes(effort)) {
    return `Invalid value: '${effort}'. Supported values are: ${
      WIRE_EFFORTS.map((e) => `'${e}'`).join(", ")
    }.`;
  }
  // `max` on the wire serves both `max` and `ultra`.
  const takes = (e: string) => levels.includes(e) || (e === "max" && levels.includes("ultra"));
  if (effort !== undefined && levels.length && !takes(effort)) {
    return `Unsupported value: '${effort}' is not supported with the '${model.slug}' model.`;
  }
  const tier = body.service_tier;
  if (tier !== undefined && !(model.service_tiers ?? []).some((t) => t.id === tier)) {
    return `Unsupported value: service_tier '${tier}' is not available for the '${model.slug}' model.`;
  }
  if (body.text !== undefined && !model.support_verbosity) {
    return `Unsupported parameter: 'text.verbosity' is not supported with this model.`;
  }
  const toolFailure = checkToolChoice(body);
  if (toolFailure) return toolFailure;
  if (!Array.isArray(body.input)) return "Invalid type for 'input': expected an array";
  return checkInput(body.input as Item[], ctx, model);
}

/** `tool_choice`: `auto`, `none`, `required` (with tools) or a function the tools name. */
function checkToolChoice(body: Body): string | undefined {
  const choice = body.tool_choice as string | Item | undefined;
  const tools = Array.isArray(body.tools) ? body.tools as Item[] : [];
  if (choice === undefined || choice === "auto" || choice === "none") return undefined;
  if (choice === "required") {
    return tools.length
      ? undefined
      : "Tool choice 'required' must be specified with 'tools' parameter.";
  }
  if (typeof choice !== "object" || choice.type !== "function" || typeof choice.name !== "string") {
    return `Invalid value for 'tool_choice': ${JSON.stringify(choice)}.`;
  }
  if (!tools.some((t) => t.name === choice.name)) {
    return `Tool choice '${choice.name}' not found in 'tools' parameter.`;
  }
  return undefined;
}

/** The part types each role may send. */
const PART_TYPES: Record<string, readonly string[]> = {
  user: ["input_text", "input_image"],
  developer: ["input_text"],
  assistant: ["output_text", "refusal"],
};

/** A message's content parts: types its role may send, text as strings, images as URLs. */
function checkParts(content: Item[], at: string, role: string, model: ModelInfo) {
  for (const [j, part] of content.entries()) {
    const where = `${at}.content[${j}]`;
    const allowed = PART_TYPES[role];
    if (!part || typeof part !== "object" || !allowed.includes(String(part.type))) {
      return `Invalid value: '${part?.type}'. Supported values are: ${
        allowed.map((t) => `'${t}'`).join(", ")
      }. (at '${where}.type')`;
    }
    if (part.type === "input_image") {
      const url = part.image_url;
      if (typeof url !== "string" || !/^(data:image\/[\w.+-]+;base64,|https?:\/\/)/.test(url)) {
        return `Invalid '${where}.image_url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,...') or an https URL.`;
      }
      if (model.input_modalities && !model.input_modalities.includes("image")) {
        return `The '${model.slug}' model does not support image inputs.`;
      }
    } else if (typeof part.text !== "string") {
      return `Invalid type for '${where}.text': expected a string.`;
    }
  }
  return undefined;
}

function checkInput(input: Item[], ctx: CheckContext, model: ModelInfo): string | undefined {
  const calls = new Map<string, number>();
  const answered = new Set<string>();
  for (const [i, it] of input.entries()) {
    if (!it || typeof it !== "object") return `Invalid input[${i}]: expected an object`;
    if (ctx.rejectItemIds && typeof it.id === "string" && it.type !== "compaction") {
      return `Item with id '${it.id}' not found. Items are not persisted when \`store\` is set to false.`;
    }
    switch (it.type) {
      case "message": {
        if (it.role === "system") {
          return `Invalid value for 'input[${i}].role': 'system' messages are not allowed.`;
        }
        if (!["user", "assistant", "developer"].includes(String(it.role))) {
          return `Invalid value for 'input[${i}].role': '${it.role}'.`;
        }
        if (!Array.isArray(it.content)) return `Invalid 'input[${i}].content': expected an array.`;
        const bad = checkParts(it.content as Item[], `input[${i}]`, String(it.role), model);
        if (bad) return bad;
        break;
      }
      case "reasoning": {
        const enc = it.encrypted_content;
        if (typeof enc === "string" && !ctx.issuedEncrypted.has(enc)) {
          return `The encrypted content for item input[${i}] could not be verified.`;
        }
        break;
      }
      case "function_call": {
        const id = String(it.call_id ?? "");
        if (!id) return `Missing required parameter: 'input[${i}].call_id'.`;
        if (calls.has(id)) return `Duplicate function call with call_id ${id}.`;
        calls.set(id, i);
        break;
      }
      case "function_call_output": {
        const id = String(it.call_id ?? "");
        if (!calls.has(id)) {
          return `No tool call found for function call output with call_id ${id}.`;
        }
        if (answered.has(id)) return `Duplicate function call output for call_id ${id}.`;
        if (typeof it.output !== "string") {
          return `Invalid type for 'input[${i}].output': expected a string.`;
        }
        answered.add(id);
        break;
      }
      case "compaction": {
        const enc = it.encrypted_content;
        if (typeof enc !== "string" || !ctx.compactions.has(enc)) {
          return `The encrypted content for item input[${i}] could not be verified.`;
        }
        break;
      }
      case "compaction_trigger": {
        if (!ctx.compactionTrigger) return `Invalid value for 'input[${i}].type': '${it.type}'.`;
        if (i !== input.length - 1) {
          return `Invalid 'input[${i}]': compaction_trigger must be the last input item.`;
        }
        break;
      }
      default:
        if (CONTEXT_ITEMS.has(String(it.type))) break;
        return `Invalid value for 'input[${i}].type': '${it.type}'.`;
    }
  }
  for (const id of calls.keys()) {
    if (!answered.has(id)) return `No tool output found for function call ${id}.`;
  }
  return undefined;
}

/**
 * Plain-data types of the Responses protocol, shared by the client and the fake backend.
 *
 * @module
 */

import type { REASONING_EFFORTS } from "./protocol.ts";

/** A reasoning effort level. */
export type ReasoningEffort = typeof REASONING_EFFORTS[number];

/** Text verbosity, for models that support it. */
export type Verbosity = "low" | "medium" | "high";

/** A content part of a message item. */
export interface ContentPart {
  /** `input_text` in user/developer messages, `output_text` in assistant messages. */
  type: "input_text" | "output_text";
  /** The text. */
  text: string;
}

/** An image in a user message: a `data:` URL (base64) or an `https:` URL. */
export interface ImagePart {
  /** Part kind. */
  type: "input_image";
  /** The image, as a URL. */
  image_url: string;
  /** How closely the model looks: `auto` (default), `low` or `high`. */
  detail?: "auto" | "low" | "high";
}

/** A conversation message. Role `system` is rejected by the backend. */
export interface MessageItem {
  /** Item kind. */
  type: "message";
  /** Who speaks. */
  role: "user" | "assistant" | "developer";
  /** The message's parts (images only in user messages). */
  content: (ContentPart | ImagePart)[];
  /** Server-side id; stripped before replay. */
  id?: string;
  /** Server-side status; stripped before replay. */
  status?: string;
}

/** A reasoning item; replayed verbatim (with its encrypted content) under store:false. */
export interface ReasoningItem {
  /** Item kind. */
  type: "reasoning";
  /** Summary parts shown to the person. */
  summary: { type: "summary_text"; text: string }[];
  /** Opaque encrypted reasoning the backend issued. */
  encrypted_content?: string | null;
  /** Raw reasoning content (always null from this backend). */
  content?: unknown;
  /** Server-side id; stripped before replay. */
  id?: string;
}

/** A call of a function tool by the model. */
export interface FunctionCallItem {
  /** Item kind. */
  type: "function_call";
  /** Pairs the call with its output. */
  call_id: string;
  /** Tool name. */
  name: string;
  /** Arguments as a JSON string. */
  arguments: string;
  /** Server-side id; stripped before replay. */
  id?: string;
  /** Server-side status; stripped before replay. */
  status?: string;
}

/** The answer to one function call, sent in the next request. */
export interface FunctionCallOutputItem {
  /** Item kind. */
  type: "function_call_output";
  /** The call this answers. */
  call_id: string;
  /** The tool's output as text. */
  output: string;
  /** Client-side id (the CLI sends one); stripped before replay. */
  id?: string;
}

/**
 * The conversation as the backend compacted it: opaque, replayed as it came (PROTOCOL.md
 * §6). The 0.169 CLI replays it with an id, making one up (`cmp_…`) when the answer had none.
 */
export interface CompactionItem {
  /** Item kind. */
  type: "compaction";
  /** The compacted history, encrypted by the backend. */
  encrypted_content: string;
  /** Kept on replay, as the CLI does. */
  id?: string;
}

/** The last input item of a remote compaction request (§6). */
export interface CompactionTriggerItem {
  /** Item kind. */
  type: "compaction_trigger";
}

/** An item of `input` (and of the history we replay). */
export type InputItem =
  | MessageItem
  | ReasoningItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | CompactionItem
  | CompactionTriggerItem;

/** An item the model produced (from `response.output_item.done`). */
export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem | {
  type: string;
  [key: string]: unknown;
};

/** A JSON Schema object, as the model sees it. */
export type JsonSchema = Record<string, unknown>;

/** A function tool definition in a request. */
export interface FunctionToolDefinition {
  /** Tool kind. */
  type: "function";
  /** Name the model calls. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** Always false, as the Codex CLI sends it. */
  strict: boolean;
  /** Argument schema. */
  parameters: JsonSchema;
}

/** A request's `tool_choice`, in the Responses form. */
export type ToolChoice = "auto" | "none" | "required" | { type: "function"; name: string };

/** The JSON body of `POST /responses`. */
export interface ResponsesRequestBody {
  /** Model slug. */
  model: string;
  /** Top-level instructions (required, non-empty). */
  instructions: string;
  /** The whole history (store:false keeps nothing server-side). */
  input: InputItem[];
  /** Function tools. */
  tools: FunctionToolDefinition[];
  /** Which tool the model must use: `auto` (the CLI's), `none`, `required` or one by name. */
  tool_choice: ToolChoice;
  /** Whether the model may call several tools in one response. */
  parallel_tool_calls: boolean;
  /** Reasoning effort (as sent: `ultra` goes as `max`) and summary mode. */
  reasoning?: { effort?: string; summary?: "auto" | "concise" | "detailed" };
  /** `priority` for the catalog's "Fast" tier. */
  service_tier?: string;
  /** Required false. */
  store: false;
  /** Required true. */
  stream: true;
  /** Encrypted reasoning, to replay it. */
  include: string[];
  /** The conversation id: enables prompt caching. */
  prompt_cache_key?: string;
  /** Verbosity, where the model supports it. */
  text?: { verbosity: Verbosity };
}

/** Token usage of one response. */
export interface Usage {
  /** Prompt tokens. */
  input_tokens: number;
  /** Of which served from the prompt cache. */
  input_tokens_details?: { cached_tokens?: number };
  /** Completion tokens. */
  output_tokens: number;
  /** Of which spent on reasoning. */
  output_tokens_details?: { reasoning_tokens?: number };
  /** Sum. */
  total_tokens: number;
}

/** One rate-limit window (primary: the 5-hour window; secondary: the weekly one). */
export interface RateLimitWindow {
  /** Percent of the window used. */
  usedPercent: number;
  /** Window length in minutes. */
  windowMinutes?: number;
  /** When the window resets, unix seconds. */
  resetsAt?: number;
}

/** The rate-limit state the backend reports in headers on every response. */
export interface RateLimitSnapshot {
  /** The short window. */
  primary?: RateLimitWindow;
  /** The weekly window. */
  secondary?: RateLimitWindow;
  /** Credits, where the plan has them. */
  credits?: { hasCredits?: boolean; unlimited?: boolean; balance?: string };
}

/** An entry of the model catalog (`GET /models`). */
export interface ModelInfo {
  /** Model id. */
  slug: string;
  /** Name for people. */
  display_name?: string;
  /** Effort used when none is asked for. */
  default_reasoning_level?: ReasoningEffort;
  /** Efforts the model accepts. */
  supported_reasoning_levels?: { effort: ReasoningEffort; description?: string }[];
  /** Context window in tokens. */
  context_window?: number;
  /** Whether parallel tool calls are allowed. */
  supports_parallel_tool_calls?: boolean;
  /** Whether `text.verbosity` is accepted. */
  support_verbosity?: boolean;
  /** Verbosity used when none is asked for. */
  default_verbosity?: Verbosity | null;
  /** The model's official prompt. */
  base_instructions?: string;
  /** `list` when shown in pickers. */
  visibility?: string;
  /** Sort order: the lowest listed one is the default. */
  priority?: number;
  /** When to compact; null means about 90 % of `context_window`. */
  auto_compact_token_limit?: number | null;
  /** Plans (JWT `chatgpt_plan_type`) that may use the model; absent means all. */
  available_in_plans?: string[];
  /** Service tiers the model offers, e.g. `{id: "priority", name: "Fast"}`. */
  service_tiers?: { id: string; name?: string }[];
  /** The model that replaces this one. */
  upgrade?: { model: string; retirement_at?: string | number | null } | null;
  /** `text`, `image`. */
  input_modalities?: string[];
  /** Whether the backend prefers the WebSocket transport for this model (PROTOCOL.md §6). */
  prefer_websockets?: boolean;
  /** Fields we do not use. */
  [key: string]: unknown;
}

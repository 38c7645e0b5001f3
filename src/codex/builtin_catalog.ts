/**
 * The built-in model catalog: the structure of the catalog the Codex CLI 0.169.0 carries
 * (the project's shared reference, `codex-cli-0.169-models.json`), used only when neither
 * the live catalog nor a cached copy can be read. The live catalog is authoritative; a
 * test compares this table with the reference field by field.
 *
 * @module
 */

import type { ModelInfo, ReasoningEffort } from "./types.ts";

/** Every plan the 0.169 catalog names. */
const PLANS = [
  "business",
  "edu",
  "edu_plus",
  "edu_pro",
  "education",
  "ent26",
  "enterprise",
  "enterprise_cbp_automation",
  "enterprise_cbp_trial",
  "enterprise_cbp_usage_based",
  "finserv",
  "free",
  "free_workspace",
  "go",
  "hc",
  "hc_consumption",
  "k12",
  "law",
  "plus",
  "pro",
  "prolite",
  "promax",
  "quorum",
  "sci",
  "self_serve_business_prolite",
  "self_serve_business_usage_based",
  "team",
];

const FAST = [{ id: "priority", name: "Fast" }];

function row(
  slug: string,
  display_name: string,
  visibility: "list" | "hide",
  priority: number,
  efforts: readonly ReasoningEffort[],
  default_reasoning_level: ReasoningEffort,
  extra: Partial<ModelInfo> & { notIn?: readonly string[] } = {},
): ModelInfo {
  const { notIn = [], ...rest } = extra;
  return {
    slug,
    display_name,
    visibility,
    priority,
    context_window: 272_000,
    auto_compact_token_limit: null,
    default_reasoning_level,
    supported_reasoning_levels: efforts.map((effort) => ({ effort })),
    default_reasoning_summary: "none",
    supports_reasoning_summaries: true,
    support_verbosity: true,
    default_verbosity: "low",
    supports_parallel_tool_calls: true,
    input_modalities: ["text", "image"],
    prefer_websockets: true,
    use_responses_lite: true,
    truncation_policy: { mode: "tokens", limit: 10_000 },
    available_in_plans: PLANS.filter((p) => !notIn.includes(p)),
    service_tiers: FAST,
    upgrade: null,
    ...rest,
  };
}

const ALL: readonly ReasoningEffort[] = ["low", "medium", "high", "xhigh", "max", "ultra"];
const NO_ULTRA: readonly ReasoningEffort[] = ["low", "medium", "high", "xhigh", "max"];
const NO_MAX: readonly ReasoningEffort[] = ["low", "medium", "high", "xhigh"];

/** The 0.169 catalog, in its order. */
export const BUILTIN_MODELS: readonly ModelInfo[] = [
  row("gpt-6.1-sol", "GPT-6.1-Sol", "list", 1, ALL, "low", { notIn: ["hc_consumption"] }),
  row("gpt-6-astra", "GPT-6-Astra", "list", 2, ALL, "low", { notIn: ["hc_consumption", "law"] }),
  row("gpt-6-sol", "GPT-6-Sol", "list", 3, ALL, "medium", {
    notIn: ["hc_consumption", "law", "promax"],
  }),
  row("gpt-6-luna", "GPT-6-Luna", "list", 4, NO_ULTRA, "medium", {
    notIn: ["hc_consumption", "law", "promax"],
  }),
  row("gpt-5.6-sol", "GPT-5.6-Sol", "list", 5, ALL, "low", {
    notIn: ["hc_consumption", "law"],
    upgrade: { "model": "gpt-6-sol", "retirement_at": null },
  }),
  row("gpt-6.1-terra", "GPT-6.1 Terra", "list", 7, ALL, "low", { context_window: 500000 }),
  row("gpt-5.6-terra", "GPT-5.6-Terra", "list", 8, ALL, "medium", {
    notIn: ["hc_consumption", "law"],
    upgrade: { "model": "gpt-6-sol", "retirement_at": null },
  }),
  row("gpt-5.6-luna", "GPT-5.6-Luna", "list", 9, NO_ULTRA, "medium", {
    notIn: ["hc_consumption", "law"],
    upgrade: { "model": "gpt-6-luna", "retirement_at": null },
  }),
  row("gpt-daybreak-blue-latest", "Daybreak Blue", "hide", 11, ALL, "low", {
    notIn: ["ent26", "enterprise_cbp_trial", "hc_consumption", "law", "promax"],
    service_tiers: [],
  }),
  row("gpt-daybreak-red-latest", "Daybreak Red", "hide", 12, ALL, "medium", {
    notIn: ["ent26", "enterprise_cbp_trial", "hc_consumption", "law", "promax"],
    context_window: 372000,
    default_verbosity: "high",
    service_tiers: [],
  }),
  row("gpt-5.5", "GPT-5.5", "list", 13, NO_MAX, "medium", {
    notIn: ["hc_consumption", "law"],
    use_responses_lite: false,
    upgrade: { "model": "gpt-6-sol", "retirement_at": null },
  }),
  row("codex-auto-review", "Codex Auto Review", "hide", 43, NO_ULTRA, "medium", {
    notIn: ["free", "free_workspace", "hc_consumption", "k12", "law"],
  }),
];

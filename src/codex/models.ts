/**
 * The model catalog: what the backend offers, and choosing a model and effort from it.
 *
 * @module
 */

import { CodexError } from "./errors.ts";
import { REASONING_EFFORTS } from "./protocol.ts";
import type { ModelInfo, ReasoningEffort } from "./types.ts";

const CODEX_EFFORTS = ["low", "medium", "high"] as const;

function levels(efforts: readonly ReasoningEffort[]): { effort: ReasoningEffort }[] {
  return efforts.map((effort) => ({ effort }));
}

/**
 * The late-2025 catalog (PROTOCOL.md §4), used when the live catalog cannot be read.
 * The live catalog is authoritative.
 */
export const FALLBACK_MODELS: readonly ModelInfo[] = [
  {
    slug: "gpt-5.2-codex",
    supported_reasoning_levels: levels([...CODEX_EFFORTS, "xhigh"]),
    default_reasoning_level: "medium",
    supports_parallel_tool_calls: true,
  },
  {
    slug: "gpt-5.1-codex-max",
    supported_reasoning_levels: levels([...CODEX_EFFORTS, "xhigh"]),
    default_reasoning_level: "medium",
    supports_parallel_tool_calls: false,
  },
  {
    slug: "gpt-5.1-codex",
    supported_reasoning_levels: levels(CODEX_EFFORTS),
    default_reasoning_level: "medium",
    supports_parallel_tool_calls: true,
  },
  {
    slug: "gpt-5.1-codex-mini",
    supported_reasoning_levels: levels(["medium", "high"]),
    default_reasoning_level: "medium",
    supports_parallel_tool_calls: true,
  },
  {
    slug: "gpt-5.2",
    supported_reasoning_levels: levels(["none", ...CODEX_EFFORTS, "xhigh"]),
    default_reasoning_level: "medium",
    supports_parallel_tool_calls: true,
    support_verbosity: true,
    default_verbosity: "medium",
  },
  {
    slug: "gpt-5.1",
    supported_reasoning_levels: levels(["none", ...CODEX_EFFORTS]),
    default_reasoning_level: "medium",
    supports_parallel_tool_calls: true,
    support_verbosity: true,
    default_verbosity: "medium",
  },
];

/** A model and effort that the catalog allows. */
export interface ModelChoice {
  /** The catalog entry. */
  model: ModelInfo;
  /** The effort to send (clamped to what the model supports), or undefined for its default. */
  effort?: ReasoningEffort;
  /** Set when the asked effort was changed, to tell the person. */
  note?: string;
}

/** Whether a string is a reasoning effort name. */
export function isEffort(value: string): value is ReasoningEffort {
  return (REASONING_EFFORTS as readonly string[]).includes(value);
}

/**
 * Pick `slug` from the catalog and clamp `effort` to the nearest level it supports.
 * Throws `model_not_supported` naming the models that exist.
 *
 * @example
 * ```ts
 * import { chooseModel, FALLBACK_MODELS } from "@x/codex-provider";
 * const c = chooseModel(FALLBACK_MODELS, "gpt-5.1-codex-mini", "low");
 * console.log(c.effort, c.note); // "medium", "… low is not supported …"
 * ```
 */
export function chooseModel(
  catalog: readonly ModelInfo[],
  slug: string,
  effort?: ReasoningEffort,
): ModelChoice {
  const model = catalog.find((m) => m.slug === slug);
  if (!model) {
    const names = catalog.filter((m) => m.visibility !== "hide").map((m) => m.slug);
    throw new CodexError(
      "model_not_supported",
      `The model '${slug}' is not in the catalog. Pick one of: ${names.join(", ")}.`,
    );
  }
  const supported = (model.supported_reasoning_levels ?? []).map((l) => l.effort);
  if (effort === undefined || supported.length === 0 || supported.includes(effort)) {
    return { model, effort };
  }
  const rank = (e: ReasoningEffort) => REASONING_EFFORTS.indexOf(e);
  const nearest = supported.reduce((best, e) =>
    Math.abs(rank(e) - rank(effort)) < Math.abs(rank(best) - rank(effort)) ? e : best
  );
  return {
    model,
    effort: nearest,
    note: `${slug} does not support effort '${effort}'; using '${nearest}' (supported: ${
      supported.join(", ")
    }).`,
  };
}

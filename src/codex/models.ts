/**
 * Choosing from the model catalog: the default model for a plan, a named model and its
 * effort, the service tier, and the replacement for a model the service retired. Pure
 * functions over catalog entries; {@link ModelCatalog} reads and caches the catalog.
 *
 * @module
 */

import { CodexError } from "./errors.ts";
import { REASONING_EFFORTS, WIRE_EFFORT } from "./protocol.ts";
import type { ModelInfo, ReasoningEffort } from "./types.ts";

/** A model and the settings the catalog allows for it. */
export interface ModelChoice {
  /** The catalog entry. */
  model: ModelInfo;
  /** The effort to send (clamped to what the model supports), or undefined for its default. */
  effort?: ReasoningEffort;
  /** The service tier id to send (`priority` for "Fast"), when asked and offered. */
  serviceTier?: string;
  /** What was changed from what was asked, to tell the person (one line each). */
  notes: string[];
}

/** Where the asked-for model came from: a flag the person just typed, or configuration. */
export type ModelOrigin = "flag" | "config";

/** What a person (or configuration) asks for. */
export interface ModelRequest {
  /** The model slug; undefined for the catalog's default. */
  slug?: string;
  /** Where `slug` came from (default `config`); a flag naming an unknown model is an error. */
  origin?: ModelOrigin;
  /** Effort asked for. */
  effort?: ReasoningEffort;
  /** `fast` (or a tier id) to ask for the faster service tier. */
  serviceTier?: string;
  /** The account's plan (JWT `chatgpt_plan_type`), to skip models it cannot use. */
  plan?: string;
  /** What an older catalog said of `slug` (its upgrade), see `ModelCatalog.lastKnown`. */
  known?: ModelInfo;
}

/** Whether a string is a reasoning effort name. */
export function isEffort(value: string): value is ReasoningEffort {
  return (REASONING_EFFORTS as readonly string[]).includes(value);
}

/** The effort as the backend takes it (`ultra` is sent as `max`, as the 0.169 CLI does). */
export function wireEffort(effort: ReasoningEffort): string {
  return WIRE_EFFORT[effort] ?? effort;
}

/** Whether the plan may use the model (an entry without a plan list is open to all). */
export function availableTo(model: ModelInfo, plan: string | undefined): boolean {
  return !plan || !model.available_in_plans || model.available_in_plans.includes(plan);
}

/** The models shown in pickers that the plan may use, by priority (the default first). */
export function listedModels(catalog: readonly ModelInfo[], plan?: string): ModelInfo[] {
  return catalog
    .filter((m) => m.visibility === "list" && availableTo(m, plan))
    .sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity));
}

/**
 * The default model: the listed model with the lowest priority, as the Codex CLI picks it,
 * skipping models the plan cannot use. Undefined for an empty catalog.
 *
 * @example
 * ```ts
 * import { BUILTIN_MODELS, defaultModel } from "@x/codex-provider";
 * console.log(defaultModel(BUILTIN_MODELS, "plus")?.slug);
 * ```
 */
export function defaultModel(
  catalog: readonly ModelInfo[],
  plan?: string,
): ModelInfo | undefined {
  return listedModels(catalog, plan)[0] ?? listedModels(catalog)[0];
}

/** The names to offer a person choosing a model. */
export function modelNames(catalog: readonly ModelInfo[], plan?: string): string {
  return listedModels(catalog, plan).map((m) => m.slug).join(", ");
}

/** The efforts a model accepts (empty: the catalog does not say). */
export function effortsOf(model: ModelInfo): ReasoningEffort[] {
  return (model.supported_reasoning_levels ?? []).map((l) => l.effort);
}

/** Clamp an effort to the nearest one the model supports; the note says what changed. */
export function clampEffort(
  model: ModelInfo,
  effort: ReasoningEffort | undefined,
): { effort?: ReasoningEffort; note?: string } {
  const supported = effortsOf(model);
  if (effort === undefined || supported.length === 0 || supported.includes(effort)) {
    return { effort };
  }
  const rank = (e: ReasoningEffort) => REASONING_EFFORTS.indexOf(e);
  const nearest = supported.reduce((best, e) =>
    Math.abs(rank(e) - rank(effort)) < Math.abs(rank(best) - rank(effort)) ? e : best
  );
  return {
    effort: nearest,
    note: `${model.slug} does not support effort '${effort}'; using '${nearest}' (supported: ${
      supported.join(", ")
    }).`,
  };
}

/**
 * The service tier id to send for `wanted` (`fast` means the tier named "Fast"), if the
 * model offers it; otherwise a note says it is not offered.
 */
export function serviceTierFor(
  model: ModelInfo,
  wanted: string | undefined,
): { serviceTier?: string; note?: string } {
  if (!wanted) return {};
  const w = wanted.toLowerCase();
  const tier = (model.service_tiers ?? []).find((t) =>
    t.id.toLowerCase() === w || t.name?.toLowerCase() === w
  );
  if (tier) return { serviceTier: tier.id };
  return { note: `${model.slug} offers no '${wanted}' service tier; using the standard one.` };
}

/**
 * Pick `slug` from the catalog and clamp `effort` to the nearest level it supports.
 * Throws `model_not_supported` naming the models that exist.
 *
 * @example
 * ```ts
 * import { BUILTIN_MODELS, chooseModel } from "@x/codex-provider";
 * const c = chooseModel(BUILTIN_MODELS, "gpt-5.5", "ultra");
 * console.log(c.effort, c.notes); // "xhigh", ["gpt-5.5 does not support effort 'ultra' …"]
 * ```
 */
export function chooseModel(
  catalog: readonly ModelInfo[],
  slug: string,
  effort?: ReasoningEffort,
): ModelChoice {
  const model = catalog.find((m) => m.slug === slug);
  if (!model) {
    throw new CodexError(
      "model_not_supported",
      `The model '${slug}' is not in the catalog. Pick one of: ${modelNames(catalog)}.`,
    );
  }
  const clamped = clampEffort(model, effort);
  return { model, effort: clamped.effort, notes: clamped.note ? [clamped.note] : [] };
}

/**
 * The model to use for a request: the named one if the catalog has it, else (for a model
 * from configuration, which may have been retired since) its upgrade or the default, with
 * a note; a flag naming a model the catalog lacks is an error that lists the choices.
 */
export function selectModel(catalog: readonly ModelInfo[], req: ModelRequest): ModelChoice {
  const notes: string[] = [];
  let model = req.slug ? catalog.find((m) => m.slug === req.slug) : defaultModel(catalog, req.plan);
  if (!model && req.slug) {
    if (req.origin === "flag") {
      throw new CodexError(
        "model_not_supported",
        `The model '${req.slug}' is not offered to this account. Pick one of: ${
          modelNames(catalog, req.plan)
        }.`,
      );
    }
    model = replacementFor(catalog, req.slug, { previous: req.known, plan: req.plan });
    if (model) {
      const upgrade = req.known?.upgrade?.model === model.slug ? " (its named upgrade)" : "";
      notes.push(
        `The model '${req.slug}' is no longer offered; using ${model.slug}${upgrade} instead.`,
      );
    }
  }
  if (!model) {
    throw new CodexError("model_not_supported", "The model catalog lists no model to use.");
  }
  const effort = clampEffort(model, req.effort);
  const tier = serviceTierFor(model, req.serviceTier);
  for (const n of [effort.note, tier.note]) if (n) notes.push(n);
  return { model, effort: effort.effort, serviceTier: tier.serviceTier, notes };
}

/**
 * What replaces a model the backend refused as not supported: the upgrade its catalog
 * entry named (before or after the catalog was read again), else the default for the plan.
 * Undefined when nothing else is there to switch to.
 */
export function replacementFor(
  catalog: readonly ModelInfo[],
  slug: string,
  options: { previous?: ModelInfo; plan?: string } = {},
): ModelInfo | undefined {
  const current = catalog.find((m) => m.slug === slug);
  for (const named of [current?.upgrade?.model, options.previous?.upgrade?.model]) {
    const up = named && named !== slug ? catalog.find((m) => m.slug === named) : undefined;
    if (up) return up;
  }
  if (current) return undefined; // still listed and no upgrade: nothing better to offer
  const fallback = defaultModel(catalog, options.plan);
  return fallback && fallback.slug !== slug ? fallback : undefined;
}

/**
 * The token count at which to compact: the model's `auto_compact_token_limit`, else 90 %
 * of its context window (PROTOCOL.md §6). Undefined when the catalog gives neither.
 */
export function compactionLimit(model: ModelInfo | undefined): number | undefined {
  if (!model) return undefined;
  if (typeof model.auto_compact_token_limit === "number" && model.auto_compact_token_limit > 0) {
    return model.auto_compact_token_limit;
  }
  return model.context_window ? Math.floor(model.context_window * 0.9) : undefined;
}

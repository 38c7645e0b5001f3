import assert from "node:assert/strict";
import { test } from "node:test";
import { BUILTIN_MODELS } from "./builtin_catalog.ts";
import { CodexError } from "./errors.ts";
import {
  chooseModel,
  clampEffort,
  compactionLimit,
  replacementFor,
  selectModel,
  serviceTierFor,
  wireEffort,
} from "./models.ts";

const find = (slug: string) => BUILTIN_MODELS.find((m) => m.slug === slug)!;

test("models: no model asked means the catalog's default; its effort is the model's", () => {
  const c = selectModel(BUILTIN_MODELS, { plan: "plus" });
  assert.equal(c.model.slug, "gpt-6.1-sol");
  assert.equal(c.effort, undefined);
  assert.deepEqual(c.notes, []);
});

test("models: a flag naming a model the catalog lacks is an error with the list", () => {
  assert.throws(
    () => selectModel(BUILTIN_MODELS, { slug: "gpt-9-imaginary", origin: "flag" }),
    (e) =>
      e instanceof CodexError && e.code === "model_not_supported" &&
      /'gpt-9-imaginary' is not offered.*Pick one of: gpt-6\.1-sol, gpt-6-astra/.test(e.message),
  );
});

test("models: a configured model that is gone falls back to the default, with a note", () => {
  const c = selectModel(BUILTIN_MODELS, { slug: "gpt-5.1-codex", origin: "config", plan: "plus" });
  assert.equal(c.model.slug, "gpt-6.1-sol");
  assert.match(c.notes[0], /'gpt-5\.1-codex' is no longer offered; using gpt-6\.1-sol/);
});

test("models: a configured model the catalog dropped goes to the upgrade an older catalog named", () => {
  const after = BUILTIN_MODELS.filter((m) => m.slug !== "gpt-5.5");
  const c = selectModel(after, { slug: "gpt-5.5", known: find("gpt-5.5"), plan: "plus" });
  assert.equal(c.model.slug, "gpt-6-sol");
  assert.match(c.notes[0], /using gpt-6-sol \(its named upgrade\) instead/);
});

test("models: efforts clamp to the model's levels; ultra is sent as max", () => {
  assert.deepEqual(clampEffort(find("gpt-6-sol"), "ultra"), { effort: "ultra" });
  const c = chooseModel(BUILTIN_MODELS, "gpt-5.5", "ultra");
  assert.equal(c.effort, "xhigh");
  assert.match(c.notes[0], /gpt-5\.5 does not support effort 'ultra'; using 'xhigh'/);
  assert.equal(clampEffort(find("gpt-6-luna"), "ultra").effort, "max");
  assert.equal(clampEffort(find("gpt-6-luna"), "minimal").effort, "low");
  assert.equal(wireEffort("ultra"), "max");
  assert.equal(wireEffort("high"), "high");
});

test("models: --fast sends the tier the model lists; a model without one says so", () => {
  assert.deepEqual(serviceTierFor(find("gpt-5.6-terra"), "fast"), { serviceTier: "priority" });
  assert.deepEqual(serviceTierFor(find("gpt-5.6-terra"), "priority"), { serviceTier: "priority" });
  const none = serviceTierFor(find("gpt-daybreak-red-latest"), "fast");
  assert.equal(none.serviceTier, undefined);
  assert.match(none.note!, /offers no 'fast' service tier/);
  const c = selectModel(BUILTIN_MODELS, { slug: "gpt-5.6-terra", serviceTier: "fast" });
  assert.equal(c.serviceTier, "priority");
});

test("models: a retired model's replacement is its named upgrade, else the plan's default", () => {
  const previous = find("gpt-5.5"); // upgrade: gpt-6-sol
  const after = BUILTIN_MODELS.filter((m) => m.slug !== "gpt-5.5");
  assert.equal(replacementFor(after, "gpt-5.5", { previous })?.slug, "gpt-6-sol");
  // Still listed, with an upgrade: the upgrade.
  assert.equal(replacementFor(BUILTIN_MODELS, "gpt-5.6-luna")?.slug, "gpt-6-luna");
  // Gone, and nothing known of it: the default.
  assert.equal(replacementFor(after, "gpt-5.1-codex", { plan: "plus" })?.slug, "gpt-6.1-sol");
  // Still listed, no upgrade: nothing better to switch to.
  assert.equal(replacementFor(BUILTIN_MODELS, "gpt-6.1-sol"), undefined);
});

test("models: compaction starts at auto_compact_token_limit, else 90 % of the window", () => {
  assert.equal(compactionLimit(find("gpt-6-sol")), 244_800);
  assert.equal(compactionLimit(find("gpt-6.1-terra")), 450_000);
  assert.equal(compactionLimit({ ...find("gpt-6-sol"), auto_compact_token_limit: 20_000 }), 20_000);
  assert.equal(compactionLimit({ slug: "x" }), undefined);
});

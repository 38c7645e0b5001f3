import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startFakeBackend } from "../testing/mod.ts";
import { BUILTIN_MODELS } from "./builtin_catalog.ts";
import { type CatalogSource, type FetchedCatalog, ModelCatalog } from "./catalog.ts";
import { ResponsesClient } from "./client.ts";
import { defaultModel, listedModels } from "./models.ts";
import type { ModelInfo } from "./types.ts";

const REFERENCE = new URL("../../../shared/reference/codex-cli-0.169-models.json", import.meta.url);

/** The fields our code reads, compared with the 0.169 catalog the real CLI carries. */
const FIELDS = [
  "slug",
  "display_name",
  "visibility",
  "priority",
  "context_window",
  "auto_compact_token_limit",
  "default_reasoning_level",
  "supported_reasoning_levels",
  "supports_parallel_tool_calls",
  "support_verbosity",
  "default_verbosity",
  "input_modalities",
  "prefer_websockets",
  "use_responses_lite",
  "service_tiers",
  "upgrade",
  "available_in_plans",
  "truncation_policy",
] as const;

test("catalog: the built-in table is the 0.169 catalog, field by field", async () => {
  const ref = JSON.parse(await readFile(REFERENCE, "utf8")).models as ModelInfo[];
  assert.deepEqual(BUILTIN_MODELS.map((m) => m.slug), ref.map((m) => m.slug));
  for (const [i, r] of ref.entries()) {
    for (const f of FIELDS) {
      const ours = f === "available_in_plans"
        ? [...(BUILTIN_MODELS[i][f] ?? [])].sort()
        : BUILTIN_MODELS[i][f];
      const theirs = f === "available_in_plans" ? [...(r[f] ?? [])].sort() : r[f];
      assert.deepEqual(ours, theirs, `${r.slug}.${f}`);
    }
  }
});

test("catalog: the default is the listed model with the lowest priority the plan may use", () => {
  // As the real CLI picks it (captures c1*): gpt-6.1-sol, for plus and for free alike.
  assert.equal(defaultModel(BUILTIN_MODELS, "plus")?.slug, "gpt-6.1-sol");
  assert.equal(defaultModel(BUILTIN_MODELS, "free")?.slug, "gpt-6.1-sol");
  assert.equal(defaultModel(BUILTIN_MODELS)?.slug, "gpt-6.1-sol");
  // Better than the CLI: a plan the first model excludes gets the best one it may use.
  assert.equal(defaultModel(BUILTIN_MODELS, "hc_consumption")?.slug, "gpt-6.1-terra");
  const noFree = BUILTIN_MODELS.map((m) =>
    m.slug === "gpt-6.1-sol"
      ? { ...m, available_in_plans: m.available_in_plans!.filter((p) => p !== "free") }
      : m
  );
  assert.equal(defaultModel(noFree, "free")?.slug, "gpt-6-astra");
  assert.equal(defaultModel(noFree, "plus")?.slug, "gpt-6.1-sol");
  // Hidden models are never the default, nor listed.
  assert.ok(listedModels(BUILTIN_MODELS).every((m) => m.visibility === "list"));
  assert.equal(
    listedModels(BUILTIN_MODELS).map((m) => m.slug).join(" "),
    "gpt-6.1-sol gpt-6-astra gpt-6-sol gpt-6-luna gpt-5.6-sol gpt-6.1-terra gpt-5.6-terra gpt-5.6-luna gpt-5.5",
  );
});

/** A scripted catalog endpoint that records the ETags it was asked with. */
function scripted(answers: (FetchedCatalog | Error)[]) {
  const asked: (string | undefined)[] = [];
  const source: CatalogSource = {
    fetchModels(etag) {
      asked.push(etag);
      const a = answers.shift() ?? new Error("no answer scripted");
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  };
  return { source, asked };
}

const ONE: ModelInfo[] = [{ slug: "m-one", visibility: "list", priority: 1 }];
const TWO: ModelInfo[] = [{ slug: "m-two", visibility: "list", priority: 1 }];

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "cp-cat-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("catalog: cached on disk (0600) with its ETag; fresh, it is not asked again; stale, asked with If-None-Match", () =>
  withDir(async (dir) => {
    const cacheFile = join(dir, "sessions", "models_cache.json");
    let now = 1_000_000;
    const a = scripted([{ status: "ok", models: ONE, etag: '"e1"' }]);
    const first = new ModelCatalog({ source: a.source, cacheFile, now: () => now });
    assert.deepEqual(await first.load(), ONE);
    assert.equal(first.origin, "live");
    const file = JSON.parse(await readFile(cacheFile, "utf8"));
    assert.equal(file.etag, '"e1"');
    assert.equal(file.client_version, "0.169.0");
    assert.equal((await stat(cacheFile)).mode & 0o777, 0o600);

    // Another process, within the TTL: the disk copy, no request.
    const b = scripted([]);
    const second = new ModelCatalog({ source: b.source, cacheFile, now: () => now + 1000 });
    assert.deepEqual(await second.load(), ONE);
    assert.equal(second.origin, "cache");
    assert.deepEqual(b.asked, []);

    // Past the TTL: a conditional request; 304 keeps the copy.
    now += 301_000;
    const c = scripted([{ status: "not_modified" }]);
    const third = new ModelCatalog({ source: c.source, cacheFile, now: () => now });
    assert.deepEqual(await third.load(), ONE);
    assert.deepEqual(c.asked, ['"e1"']);
    assert.equal(third.origin, "live");
  }));

test("catalog: offline or failing, the stale copy is used and the warning says so; with none, the built-in table", () =>
  withDir(async (dir) => {
    const cacheFile = join(dir, "models_cache.json");
    await writeFile(
      cacheFile,
      JSON.stringify({
        fetched_at: "2026-01-01T00:00:00Z",
        etag: '"old"',
        client_version: "0.169.0",
        models: ONE,
      }),
    );
    const a = scripted([new Error("connect ECONNREFUSED")]);
    const stale = new ModelCatalog({ source: a.source, cacheFile });
    assert.deepEqual(await stale.load(), ONE);
    assert.equal(stale.origin, "cache");
    assert.match(
      stale.warning!,
      /could not be read \(connect ECONNREFUSED\); using the cached copy/,
    );

    const b = scripted([new Error("HTTP 502")]);
    const none = new ModelCatalog({ source: b.source, cacheFile: join(dir, "absent.json") });
    assert.equal(await none.load(), BUILTIN_MODELS);
    assert.equal(none.origin, "builtin");
    assert.match(none.warning!, /using the built-in list/);

    // A damaged cache is ignored, not fatal.
    await writeFile(cacheFile, "{not json");
    const c = scripted([{ status: "absent" }]);
    const damaged = new ModelCatalog({ source: c.source, cacheFile });
    assert.deepEqual(
      await damaged.load(),
      BUILTIN_MODELS,
      "404: the built-in table, as the CLI does",
    );
    assert.equal(damaged.origin, "builtin");
    await damaged.load();
    assert.equal(c.asked.length, 1, "a 404 is remembered for the TTL too");
    assert.equal(damaged.warning, undefined);
  }));

test("catalog: a response naming another ETag makes the next load ask again", async () => {
  const a = scripted([
    { status: "ok", models: ONE, etag: '"e1"' },
    { status: "ok", models: TWO, etag: '"e2"' },
  ]);
  const cat = new ModelCatalog({ source: a.source });
  await cat.load();
  assert.equal(cat.noteEtag('"e1"'), false, "the same ETag changes nothing");
  assert.deepEqual(await cat.load(), ONE);
  assert.equal(cat.noteEtag('"e2"'), true);
  assert.deepEqual(await cat.load(), TWO);
  assert.deepEqual(a.asked, [undefined, '"e1"']);
});

test("catalog: concurrent loads share one request", async () => {
  const a = scripted([{ status: "ok", models: ONE, etag: '"e1"' }]);
  const cat = new ModelCatalog({ source: a.source });
  const all = await Promise.all([cat.load(), cat.load(), cat.load()]);
  assert.ok(all.every((m) => m === all[0]));
  assert.equal(a.asked.length, 1);
});

test("catalog: against the fake, X-Models-Etag after a retirement refetches the catalog", async () => {
  const fake = await startFakeBackend();
  try {
    const t = fake.issueTokens();
    // Response headers carry the ETag over HTTP; a WebSocket's frames have none.
    const client = new ResponsesClient({
      baseUrl: fake.baseUrl,
      transport: "sse",
      credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
    });
    const before = await client.catalog.load();
    assert.ok(before.some((m) => m.slug === "gpt-5.5"));
    const catalogRequests = () => fake.requests.filter((r) => r.path.endsWith("/models")).length;
    assert.equal(catalogRequests(), 1);
    assert.equal(fake.requests[0].headers.version, "0.169.0");
    fake.retire("gpt-5.5");
    fake.enqueue({ kind: "response", output: [{ kind: "text", text: "hi" }] });
    for await (
      const _ of client.stream({
        model: "gpt-6-sol",
        instructions: "x",
        conversationId: "c",
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
      })
    ) { /* drain */ }
    const after = await client.catalog.load();
    assert.equal(catalogRequests(), 2, "the new ETag was noticed");
    assert.ok(!after.some((m) => m.slug === "gpt-5.5"));
  } finally {
    await fake.close();
  }
});

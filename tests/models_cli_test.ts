// The agent CLI and `deno task models` on the 2026 service: the catalog picks the model,
// retired models recover, and the person sees what happened.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { FAKE_MODELS, reply, withContextWindow } from "../src/testing/mod.ts";
import { withCli } from "./_agent_cli.ts";

const sentModels = (fake: { responsesRequests(): { body?: Record<string, unknown> }[] }) =>
  fake.responsesRequests().map((r) => r.body!.model);

test("agent CLI: a new user with no --model gets the catalog's default for the plan, and it works", () =>
  withCli(async ({ fake, run, home }) => {
    fake.enqueue(reply.text("hello"));
    const r = await run(["--json", "hi"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.events[0].model, "gpt-6.1-sol");
    assert.deepEqual(sentModels(fake), ["gpt-6.1-sol"]);
    const req = fake.responsesRequests()[0];
    assert.deepEqual(req.body!.text, { verbosity: "low" }, "the catalog's default verbosity");
    assert.equal(req.headers["x-codex-routing-hint"], "model=gpt-6.1-sol");
    // The catalog was asked for as the CLI asks (client_version), and cached beside the sessions.
    const cat = fake.requests.find((q) => q.path.endsWith("/models"))!;
    assert.equal(cat.query.client_version, "0.169.0");
    const cache = JSON.parse(await readFile(join(home, "sessions", "models_cache.json"), "utf8"));
    assert.ok(cache.etag && cache.models.length === FAKE_MODELS.length);
  }));

test("agent CLI: a configured model that no longer exists runs on the default with one notice", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(reply.text("fine"));
    const r = await run(["hi"], { env: { CODEX_MODEL: "gpt-5.1-codex" } });
    assert.equal(r.code, 0, r.stderr);
    const notices = r.stderr.split("\n").filter((l) => /no longer offered/.test(l));
    assert.deepEqual(notices, [
      "The model 'gpt-5.1-codex' is no longer offered; using gpt-6.1-sol instead.",
    ]);
    assert.deepEqual(sentModels(fake), ["gpt-6.1-sol"]);
    assert.match(r.stdout, /fine/);
  }));

test("agent CLI: a model retired since the catalog was cached switches to its upgrade mid-session", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(reply.text("one"), reply.text("two"));
    const first = await run(["--json", "one"], { env: { CODEX_MODEL: "gpt-5.5" } });
    assert.equal(first.code, 0, first.stderr);
    fake.retire("gpt-5.5");
    // Within the cache's TTL the agent still believes in gpt-5.5; the backend refuses it.
    const r = await run(["--json", "--resume", "last", "two"], {
      env: { CODEX_MODEL: "gpt-5.5" },
    });
    assert.equal(r.code, 0, r.stderr);
    const notices = r.events.filter((e) => e.type === "notice");
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.match(String(notices[0].text), /continuing on gpt-6-sol \(its named upgrade\)/);
    assert.deepEqual(sentModels(fake), ["gpt-5.5", "gpt-5.5", "gpt-6-sol"]);
    assert.equal(r.events.at(-1)!.type, "done");
    assert.equal(r.events.at(-1)!.text, "two");
  }));

test("agent CLI: --model naming a model that never existed lists the choices (exit 2)", () =>
  withCli(async ({ fake, run }) => {
    const r = await run(["--model", "gpt-imaginary", "hi"]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /error \(model_not_supported\): The model 'gpt-imaginary' is not offered to this account\. Pick one of: gpt-6\.1-sol, gpt-6-astra, /,
    );
    assert.equal(fake.responsesRequests().length, 0, "nothing was sent");
  }));

test("agent CLI: --fast sends the model's Fast tier; --effort ultra goes as max", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(reply.text("quick"));
    const r = await run(["--fast", "--effort", "ultra", "-m", "gpt-6-sol", "hi"]);
    assert.equal(r.code, 0, r.stderr);
    const body = fake.responsesRequests()[0].body!;
    assert.equal(body.service_tier, "priority");
    assert.deepEqual(body.reasoning, { effort: "max", summary: "auto" });
  }));

test("agent CLI: interactive /compact compacts the conversation and says so", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(reply.text("Noted."), reply.text("Still here."));
    const r = await run([], {
      stdin: "remember: the dog is Rex\n/compact\nwhat is the dog called?\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /context compacted: ~\d+ → ~\d+ tokens, by the backend/);
    assert.equal(fake.compactionRequests().length, 1);
    const last = fake.responsesRequests().at(-1)!;
    assert.deepEqual(
      (last.body!.input as { type: string }[]).map((i) => i.type),
      ["message", "compaction", "message"],
    );
    assert.match(fake.visibleText(last), /the dog is Rex/);
  }));

test("models: the table marks the default; --json is for programs; --help", () =>
  withCli(async ({ run }) => {
    const r = await run([], { task: "models" });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.match(lines[0], /model\s+efforts\s+context\s+tiers/);
    assert.match(
      lines[1],
      /^\* gpt-6\.1-sol\s+low\(default\) medium high xhigh max ultra\s+272k\s+Fast/,
    );
    assert.ok(lines.some((l) => /^ {2}gpt-5\.5 .*upgrade: gpt-6-sol/.test(l)));
    assert.ok(!lines.some((l) => /daybreak/.test(l)), "hidden models are not listed");
    assert.match(r.stderr, /plan: pro · catalog: from the backend/);
    const j = await run(["--json", "--refresh"], { task: "models" });
    const out = JSON.parse(j.stdout);
    assert.equal(out.plan, "pro");
    assert.equal(out.source, "live");
    assert.equal(out.models.filter((m: { default: boolean }) => m.default).length, 1);
    assert.equal(out.models[0].model, "gpt-6.1-sol");
    assert.equal(out.models[0].compact_at, 244_800);
    const help = await run(["--help"], { task: "models" });
    assert.match(help.stdout, /Usage:\n {2}deno task models/);
  }));

test("models: not logged in is exit 3 with the login command", () =>
  withCli(async ({ run }) => {
    const r = await run([], { task: "models" });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Not logged in.*(?:npx -y deno@[\d.]+|deno) task login/);
  }, false));

test("agent CLI: the context window of the catalog drives compaction", () =>
  withCli(
    async ({ fake, run }) => {
      for (let i = 0; i < 12; i++) fake.enqueue(reply.text(`reply ${i} ${"words ".repeat(300)}`));
      const stdin = Array.from({ length: 12 }, (_, i) => `message ${i}`).join("\n") + "\n";
      const r = await run(["--json"], { stdin });
      assert.equal(r.code, 0, r.stderr);
      const compacted = r.events.filter((e) => e.type === "compacted");
      assert.ok(compacted.length >= 1, "compacted at least once");
      assert.equal(r.events.filter((e) => e.type === "error").length, 0);
      assert.ok(fake.responsesRequests().every((q) => fake.inputTokens(q) <= 4_000));
    },
    true,
    { models: withContextWindow(FAKE_MODELS, 4_000) },
  ));

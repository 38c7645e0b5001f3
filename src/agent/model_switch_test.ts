import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { reply } from "../testing/mod.ts";
import { run, withRig } from "./_test_rig.ts";

const modelsSent = (fake: { responsesRequests(): { body?: Record<string, unknown> }[] }) =>
  fake.responsesRequests().map((r) => r.body!.model);

for (const form of ["typed", "detail"] as const) {
  test(`model switch (${form} 400): a model retired under a session continues on its upgrade, said once`, () =>
    withRig(async ({ fake, make, store }) => {
      fake.enqueue(reply.text("before"), reply.text("after"), reply.text("again"));
      const agent = await make({ model: "gpt-5.5", effort: "xhigh" });
      await run(agent, "one");
      fake.retire("gpt-5.5"); // gpt-5.5's catalog entry named gpt-6-sol as its upgrade
      const evs = await run(agent, "two");
      const notices = evs.filter((e) => e.type === "notice");
      assert.equal(notices.length, 1);
      assert.match(
        notices[0].type === "notice" ? notices[0].text : "",
        /'gpt-5\.5' is no longer offered to this account; continuing on gpt-6-sol \(its named upgrade\)/,
      );
      assert.equal(evs.at(-1)!.type, "done");
      assert.equal(agent.model, "gpt-6-sol");
      assert.equal(agent.effort, "xhigh", "the asked effort, which the upgrade takes");
      const third = await run(agent, "three");
      assert.equal(third.filter((e) => e.type === "notice").length, 0);
      assert.deepEqual(modelsSent(fake), ["gpt-5.5", "gpt-5.5", "gpt-6-sol", "gpt-6-sol"]);
      assert.deepEqual(fake.responsesRequests().map((r) => r.status), [200, 400, 200, 200]);
      // The same session went on: the last request carries all three turns.
      const last = fake.responsesRequests().at(-1)!.body!.input as { type: string }[];
      assert.equal(last.filter((i) => i.type === "message").length, 6 - 1);
      // Recorded, so a resumed session starts on the new model.
      assert.ok(
        (await readFile(join(store.dir, `${agent.sessionId}.jsonl`), "utf8")).includes(
          '"type":"model"',
        ),
      );
      assert.equal((await store.open(agent.sessionId)).meta.model, "gpt-6-sol");
    }, { retiredModelError: form }));
}

test("model switch: a model with no upgrade goes to the plan's default", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(reply.text("ok"));
    const agent = await make({ model: "gpt-6-astra", effort: "ultra" });
    fake.retire("gpt-6-astra");
    const evs = await run(agent, "hi");
    assert.equal(agent.model, "gpt-6.1-sol");
    assert.equal(agent.effort, "ultra");
    assert.ok(evs.some((e) => e.type === "notice" && /continuing on gpt-6\.1-sol\./.test(e.text)));
    assert.deepEqual(modelsSent(fake), ["gpt-6-astra", "gpt-6.1-sol"]);
    assert.equal((fake.responsesRequests()[1].body!.reasoning as { effort: string }).effort, "max");
  }));

test("model switch: the Fast tier is kept where the new model offers it", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(reply.text("ok"));
    const agent = await make({ model: "gpt-5.6-terra", serviceTier: "fast" });
    fake.retire("gpt-5.6-terra");
    await run(agent, "hi");
    const [first, second] = fake.responsesRequests();
    assert.equal(first.body!.service_tier, "priority");
    assert.equal(first.headers["x-codex-routing-hint"], "model=gpt-5.6-terra;tier=priority");
    assert.equal(second.body!.model, "gpt-6-sol");
    assert.equal(second.body!.service_tier, "priority");
  }));

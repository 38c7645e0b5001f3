import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { CodexError } from "../codex/errors.ts";
import type { InputItem } from "../codex/types.ts";
import {
  FAKE_MODELS,
  type FakeBackend,
  fakeSummary,
  fault,
  item,
  type RecordedRequest,
  reply,
  withContextWindow,
} from "../testing/mod.ts";
import type { Agent, AgentEvent } from "./agent.ts";
import { SUMMARY_PREFIX, SUMMARY_PROMPT } from "./compaction.ts";
import { inputOf, run, texts, withRig } from "./_test_rig.ts";
import { contentText } from "../codex/items.ts";

/** A small window, so a few turns reach it. */
const SMALL = { models: withContextWindow(FAKE_MODELS, 3_000) };
const FACT = "Please remember: the boat is called Marlin.";
const filler = (i: number) => `Answer ${i}: ${"lorem ipsum dolor sit amet ".repeat(40)}`;

/** The scripted model: a summary when asked for one (local compaction), else a long answer. */
function model(fake: FakeBackend) {
  let n = 0;
  return (rec: RecordedRequest) => {
    const input = rec.body!.input as InputItem[];
    const last = input.at(-1)!;
    if (last.type === "message" && contentText(last) === SUMMARY_PROMPT) {
      return reply.text(fakeSummary(fake.visibleText(rec)));
    }
    return reply.text(filler(++n));
  };
}

/** Run prompts until the agent has compacted `times` times; return every event. */
async function untilCompacted(
  agent: Agent,
  times: number,
  max = 30,
): Promise<AgentEvent[]> {
  const evs: AgentEvent[] = [];
  for (let i = 0; i < max; i++) {
    evs.push(...await run(agent, i === 1 ? `turn ${i}. ${FACT}` : `turn ${i}`));
    if (evs.filter((e) => e.type === "compacted").length >= times) return evs;
  }
  throw new Error(`no ${times} compactions in ${max} turns`);
}

const isPlainUser = (i: InputItem) =>
  i.type === "message" && i.role === "user" && !contentText(i).startsWith(SUMMARY_PREFIX);

test("compaction: near the limit, the backend compacts as the 0.169 CLI asks it; the next request replays it", () =>
  withRig(async ({ fake, make, store }) => {
    fake.enqueue(...Array.from({ length: 40 }, () => model(fake)));
    const agent = await make();
    const evs = await untilCompacted(agent, 1);
    const done = evs.find((e) => e.type === "compacted");
    assert.ok(done?.type === "compacted" && done.mode === "remote" && done.trigger === "auto");
    assert.ok(done.tokensAfter < done.tokensBefore / 2, JSON.stringify(done));

    // The compaction request: the whole history plus a last compaction_trigger, same tools.
    const [creq] = fake.compactionRequests();
    const cin = creq.body!.input as InputItem[];
    assert.equal(cin.at(-1)!.type, "compaction_trigger");
    assert.ok(cin.some((i) => i.type === "message" && i.role === "assistant"));
    const normal = fake.responsesRequests()[0];
    assert.deepEqual(creq.body!.tools, normal.body!.tools);
    assert.equal(creq.headers["x-codex-beta-features"], "remote_compaction_v2");
    assert.equal(creq.headers["x-codex-window-id"], `${agent.sessionId}:0`);

    // The next request: earlier user messages, then the compaction item, then the new prompt.
    const all = fake.responsesRequests();
    const next = all[all.indexOf(creq) + 1];
    const nin = next.body!.input as InputItem[];
    const at = nin.findIndex((i) => i.type === "compaction");
    assert.ok(at > 0);
    assert.ok(nin.slice(0, at).every(isPlainUser), "only user messages before it");
    assert.ok(nin.slice(at + 1).every(isPlainUser), "then the new prompt");
    const c = nin[at];
    assert.ok(c.type === "compaction" && /^cmp_/.test(c.id!), "replayed with an id, as the CLI");
    assert.equal(next.headers["x-codex-window-id"], `${agent.sessionId}:1`);
    assert.match(fake.visibleText(next), /the boat is called Marlin/);

    // The session records it; a resumed session continues from the compacted history.
    const raw = await readFile(join(store.dir, `${agent.sessionId}.jsonl`), "utf8");
    assert.ok(raw.includes('"type":"compaction"'));
    assert.ok(raw.includes("Answer 1:"), "the old items stay in the file for the record");
    const reopened = await store.open(agent.sessionId);
    assert.deepEqual(reopened.items, agent.history);
    assert.equal(reopened.compactions, 1);
    fake.enqueue(reply.text("resumed"));
    const resumed = await make({ sessionId: agent.sessionId });
    await run(resumed, "after resume");
    const rin = inputOf(fake, -1);
    assert.deepEqual(rin.slice(0, -1), agent.history.slice(0, rin.length - 1));
    assert.ok(!rin.some((i) => i.type === "function_call" || i.type === "reasoning"));
  }, SMALL));

test("compaction: mid-turn, between tool rounds; the turn goes on from the compacted history", () =>
  withRig(async ({ fake, make, dir }) => {
    await writeFile(join(dir, "big.txt"), "data ".repeat(700));
    fake.enqueue(
      ...Array.from(
        { length: 4 },
        () => reply.items([item.call("read_file", { path: "big.txt" })]),
      ),
      reply.text("read it all"),
    );
    const agent = await make();
    const evs = await run(agent, `read big.txt four times. ${FACT}`);
    const compacted = evs.filter((e) => e.type === "compacted");
    assert.ok(compacted.length >= 1, "compacted between rounds");
    assert.equal(evs.at(-1)!.type, "done");
    const last = inputOf(fake, -1);
    const at = last.findIndex((i) => i.type === "compaction");
    assert.ok(at >= 0);
    assert.ok(last.slice(0, at).every(isPlainUser));
    assert.match(fake.visibleText(fake.responsesRequests().at(-1)!), /Marlin/);
  }, SMALL));

test("compaction: where the backend has no remote compaction, a local summary replaces the history", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(...Array.from({ length: 80 }, () => model(fake)));
    const agent = await make();
    const evs = await untilCompacted(agent, 2);
    const notices = evs.filter((e) => e.type === "notice");
    assert.equal(notices.length, 1, "said once");
    assert.match(notices[0].type === "notice" ? notices[0].text : "", /summarising locally/);
    const compacted = evs.filter((e) => e.type === "compacted");
    assert.ok(compacted.every((e) => e.type === "compacted" && e.mode === "local"));
    // Remote was tried once, then not again.
    const triggers = fake.requests.filter((r) =>
      (r.body?.input as InputItem[] | undefined)?.at(-1)?.type === "compaction_trigger"
    );
    assert.equal(triggers.length, 1);
    assert.equal(triggers[0].status, 400);
    // The summary request: no tools, our prompt last.
    const summaries = fake.responsesRequests().filter((r) =>
      texts(r.body!.input as InputItem[]).at(-1) === SUMMARY_PROMPT
    );
    assert.equal(summaries.length, 2);
    assert.deepEqual(summaries[0].body!.tools, []);
    // After it: user messages, then the summary as a user message; the fact survived twice.
    const last = inputOf(fake, -1);
    const summary = last.find((i) => !isPlainUser(i));
    assert.ok(summary?.type === "message" && contentText(summary).startsWith(SUMMARY_PREFIX));
    assert.ok(last.every((i) => i.type === "message" && i.role === "user" || i === summary));
    assert.match(fake.visibleText(fake.responsesRequests().at(-1)!), /Marlin/);
    assert.equal(texts(last).filter((t) => t.startsWith(SUMMARY_PREFIX)).length, 1);
  }, { ...SMALL, compaction: "absent" }));

test("compaction: a malformed compaction answer (none, two, no content) falls back to a local summary", async () => {
  const broken = [
    reply.items([item.text("no compaction here")]),
    reply.items([item.compaction(), item.compaction()]),
    reply.items([{ kind: "compaction", withoutEncryptedContent: true }]),
  ];
  for (const answer of broken) {
    await withRig(async ({ fake, make }) => {
      fake.enqueueCompaction(answer);
      fake.enqueue(...Array.from({ length: 40 }, () => model(fake)));
      const agent = await make();
      const evs = await untilCompacted(agent, 1);
      const c = evs.find((e) => e.type === "compacted");
      assert.ok(c?.type === "compacted" && c.mode === "local", JSON.stringify(answer));
      assert.ok(evs.some((e) => e.type === "notice" && /Remote compaction failed/.test(e.text)));
    }, SMALL);
  }
});

test("compaction: an assistant message beside the compaction item is ignored, not shown", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueueCompaction(reply.items([item.text("I compacted things."), item.compaction()]));
    fake.enqueue(...Array.from({ length: 40 }, () => model(fake)));
    const agent = await make();
    const evs = await untilCompacted(agent, 1);
    const c = evs.find((e) => e.type === "compacted");
    assert.ok(c?.type === "compacted" && c.mode === "remote");
    assert.ok(!evs.some((e) => e.type === "message" && /compacted things/.test(e.text)));
    assert.ok(!JSON.stringify(agent.history).includes("I compacted things."));
  }, SMALL));

test("compaction: a usage limit during compaction is reported, not hidden by a fallback", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueueCompaction(fault.usageLimit());
    fake.enqueue(...Array.from({ length: 40 }, () => model(fake)));
    const agent = await make();
    await assert.rejects(
      untilCompacted(agent, 1),
      (e) => e instanceof CodexError && e.code === "usage_limit",
    );
  }, SMALL));

test("compaction: a context_length_exceeded the estimate missed compacts and sends the round again", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(...Array.from({ length: 40 }, () => model(fake)));
    // An estimate that never triggers: only the backend's refusal can.
    const agent = await make({ compaction: { limitTokens: 1e9 } });
    const evs = await untilCompacted(agent, 1);
    const c = evs.find((e) => e.type === "compacted");
    assert.ok(c?.type === "compacted" && c.trigger === "overflow");
    const failed = fake.responsesRequests().filter((r) => fake.inputTokens(r) > 3_000);
    assert.ok(failed.length >= 1, "the backend refused one request");
    assert.ok(evs.at(-1)!.type === "done", "the turn that overflowed was answered");
  }, SMALL));

test("compaction: on demand (/compact, or the library call); nothing to do on an empty session", () =>
  withRig(async ({ fake, make }) => {
    const agent = await make();
    const none: AgentEvent[] = [];
    for await (const ev of agent.compact()) none.push(ev);
    assert.deepEqual(none, []);
    fake.enqueue(reply.text("one"), reply.text("two"));
    await run(agent, `first. ${FACT}`);
    const evs: AgentEvent[] = [];
    for await (const ev of agent.compact()) if (ev.type !== "usage") evs.push(ev);
    assert.equal(evs.length, 1);
    assert.ok(evs[0].type === "compacted" && evs[0].trigger === "manual");
    assert.deepEqual(agent.history.map((i) => i.type), ["message", "compaction"]);
    await run(agent, "second");
    assert.match(fake.visibleText(fake.responsesRequests().at(-1)!), /Marlin/);
  }));

test("compaction: a message that cannot fit even after compaction is a clear error, and nothing is lost", () =>
  withRig(async ({ fake, make, store }) => {
    fake.enqueue(reply.text("hi"));
    const agent = await make();
    await run(agent, `first. ${FACT}`);
    await assert.rejects(
      run(agent, "x".repeat(20_000)),
      (e) =>
        e instanceof CodexError && e.code === "context_too_long" &&
        /Even compacted, the conversation and this message \(~\d+ tokens\) do not fit.*Send a shorter message/
          .test(e.message),
    );
    const saved = await store.open(agent.sessionId);
    assert.ok(
      !saved.items.some((i) => i.type === "message" && contentText(i).startsWith("xxx")),
    );
    assert.match(JSON.stringify(saved.items), /Marlin/, "the conversation is still there");
  }, SMALL));

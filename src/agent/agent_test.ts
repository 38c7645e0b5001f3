import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { CodexError } from "../codex/errors.ts";
import { fault, item, reply } from "../testing/mod.ts";
import { defineTool, type Tool } from "../tools/tool.ts";
import { type AgentEvent, CANCELLED_NOTE } from "./agent.ts";
import { inputOf, run, withRig } from "./_test_rig.ts";
import { contentText } from "../codex/items.ts";

/** Two calls of this tool only finish when both have started: proves they run at once. */
function barrierTool(): Tool {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return {
    definition: defineTool("barrier", "waits for its twin", { tag: { type: "string" } }, []),
    async run(args) {
      if (++arrived === 2) release();
      const timeout = new Promise<never>((_, rej) =>
        setTimeout(() => rej(new Error("the other call never started: calls ran one by one")), 5000)
      );
      await Promise.race([all, timeout]);
      // The first call finishes last, to check outputs keep call order.
      if (args.tag === "first") await new Promise((r) => setTimeout(r, 30));
      return { ok: true, output: `done ${args.tag}`, summary: "ok" };
    },
  };
}

test("agent: text answer ends the turn, committed to the session", () =>
  withRig(async ({ fake, make, store }) => {
    fake.enqueue(reply.text("Hello!"));
    const agent = await make();
    const evs = await run(agent, "hi");
    const done = evs.at(-1)!;
    assert.equal(done.type, "done");
    if (done.type !== "done") return;
    assert.equal(done.text, "Hello!");
    assert.equal(done.stopReason, "answered");
    assert.ok(done.usage.input_tokens > 0);
    const saved = await store.open(agent.sessionId);
    assert.deepEqual(saved.items.map((i) => i.type), ["message", "message"]);
  }));

test("agent: parallel calls run concurrently; outputs come back in call order; reasoning is replayed", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(
      reply.items([
        item.reasoning("two at once"),
        item.call("barrier", { tag: "first" }, "call_a"),
        item.call("barrier", { tag: "second" }, "call_b"),
      ]),
      reply.text("both done"),
    );
    const evs = await run(await make({ tools: [barrierTool()] }), "go");
    const ends = evs.filter((e) => e.type === "tool_end").map((e) =>
      e.type === "tool_end" && e.callId
    );
    assert.deepEqual(ends, ["call_b", "call_a"], "reported as they finish");
    const second = inputOf(fake, 1);
    assert.deepEqual(second.map((i) => i.type), [
      "message",
      "reasoning",
      "function_call",
      "function_call",
      "function_call_output",
      "function_call_output",
    ]);
    const outs = second.filter((i) => i.type === "function_call_output");
    assert.deepEqual(outs.map((o) => o.type === "function_call_output" && o.output), [
      "done first",
      "done second",
    ]);
    const rs = second[1];
    assert.ok(rs.type === "reasoning" && rs.encrypted_content?.startsWith("enc_"));
    assert.ok(second.every((i) => !("id" in i)), "ids are stripped before replay");
    assert.equal(fake.responsesRequests()[1].status, 200, "the strict fake accepted the replay");
  }));

test("agent: real tools in the workspace; a refusal goes back to the model and the loop goes on", () =>
  withRig(async ({ fake, make, dir }) => {
    await writeFile(join(dir, "hello.txt"), "hi there\n");
    fake.enqueue(
      reply.items([
        item.call("read_file", { path: "hello.txt" }),
        item.call("read_file", { path: "/etc/passwd" }),
      ]),
      reply.items([item.call("no_such_tool", {})]),
      reply.text("ok"),
    );
    const evs = await run(await make(), "read");
    assert.equal(evs.at(-1)!.type, "done");
    const outs = inputOf(fake, 1).filter((i) => i.type === "function_call_output");
    assert.deepEqual(
      outs.map((o) => o.type === "function_call_output" && o.output.split("\n")[0]),
      [
        "hi there",
        `Error: Access denied: /etc/passwd is outside the workspace (${dir}). Use a path inside it.`,
      ],
    );
    const third = inputOf(fake, 2).filter((i) => i.type === "function_call_output").at(-1);
    assert.match(
      third?.type === "function_call_output" ? third.output : "",
      /Unknown tool 'no_such_tool'/,
    );
  }));

test("agent: a resumed session sends the earlier turns (context kept across messages)", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(
      reply.items([item.reasoning("r"), item.text("My name is Codex.")]),
      reply.text("You asked my name."),
    );
    const first = await make();
    await run(first, "What is your name?");
    const resumed = await make({ sessionId: first.sessionId });
    await run(resumed, "What did I ask?");
    const input = inputOf(fake, 1);
    const texts = input.flatMap((i) => (i.type === "message" ? [contentText(i)] : []));
    assert.deepEqual(texts, ["What is your name?", "My name is Codex.", "What did I ask?"]);
    assert.equal(input[1].type, "reasoning");
    assert.equal(fake.responsesRequests()[1].body!.prompt_cache_key, first.sessionId);
  }));

test("agent: a stream cut mid-round is retried; history has the round once", () =>
  withRig(async ({ fake, make, store }) => {
    fake.enqueue(
      fault.cut([item.text("partial")]),
      fault.failed("server_is_overloaded"),
      reply.text("whole"),
    );
    const agent = await make();
    const evs = await run(agent, "hi");
    assert.equal(evs.filter((e) => e.type === "retry").length, 2);
    const saved = await store.open(agent.sessionId);
    assert.equal(saved.items.length, 2);
    assert.equal(saved.items[1].type === "message" && contentText(saved.items[1]), "whole");
  }));

test("agent: a fatal error ends the turn and commits nothing", () =>
  withRig(async ({ fake, make, store }) => {
    fake.enqueue(fault.usageLimit());
    const agent = await make();
    await assert.rejects(
      run(agent, "hi"),
      (e) => e instanceof CodexError && e.code === "usage_limit",
    );
    assert.equal((await store.open(agent.sessionId)).items.length, 0);
  }));

test("agent: cancelling during a tool kills it; only the request and a note are kept", () =>
  withRig(async ({ fake, make, store }) => {
    fake.enqueue(reply.items([item.call("bash", { command: "sleep 30" })]));
    const agent = await make();
    const ctl = new AbortController();
    const evs: AgentEvent[] = [];
    await assert.rejects(
      (async () => {
        for await (const ev of agent.run("wait", { signal: ctl.signal })) {
          evs.push(ev);
          if (ev.type === "tool_start") setTimeout(() => ctl.abort(), 50);
        }
      })(),
      (e) => e instanceof CodexError && e.code === "aborted",
    );
    const kept = (await store.open(agent.sessionId)).items;
    assert.deepEqual(
      kept.map((m) => m.type === "message" ? contentText(m) : m.type),
      ["wait", CANCELLED_NOTE],
      "the half-done round (the call without its output) is not kept",
    );
    // The next request tells the model what happened, and the strict fake accepts it.
    fake.enqueue(reply.text("ok"));
    await run(agent, "what happened?");
    assert.equal(fake.responsesRequests().at(-1)!.status, 200);
  }));

test("agent: the round limit stops a model that never stops calling tools", () =>
  withRig(async ({ fake, make, store }) => {
    for (let i = 0; i < 3; i++) fake.enqueue(reply.items([item.call("list_files", {})]));
    const agent = await make({ maxRounds: 3 });
    const done = (await run(agent, "loop")).at(-1)!;
    assert.ok(done.type === "done" && done.stopReason === "round_limit" && done.rounds === 3);
    // Every call is answered, so the next turn's request is valid.
    fake.enqueue(reply.text("ok"));
    const next = (await run(agent, "stop")).at(-1)!;
    assert.equal(next.type, "done");
    assert.equal(
      (await store.open(agent.sessionId)).items.filter((i) => i.type === "function_call").length,
      3,
    );
  }));

test("agent: follow-ups that arrive mid-turn join the conversation before the next request", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(reply.items([item.call("list_files", {})]), reply.text("seen both"));
    const pending = ["also check the README"];
    const agent = await make();
    for await (const _ of agent.run("look", { followUps: () => pending.splice(0) })) { /* drain */ }
    const input = inputOf(fake, 1);
    const last = input.at(-1)!;
    assert.equal(last.type === "message" && contentText(last), "also check the README");
    assert.equal(input.at(-2)!.type, "function_call_output", "after the tool outputs it answers");
  }));

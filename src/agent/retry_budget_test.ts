// Failures the backend shows over time: one retry budget per round, a wait too long to sit
// through, a server that never answers, and text of a failed attempt never shown twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponsesClient } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { fault, item, reply } from "../testing/mod.ts";
import { FAST, run, withRig } from "./_test_rig.ts";

test("retries: a persistent 503 costs at most 5 requests per round, not client × agent", () =>
  withRig(async ({ fake, make }) => {
    for (let i = 0; i < 30; i++) fake.enqueue(fault.http(503));
    const agent = await make();
    await assert.rejects(run(agent, "hi"), (e) => e instanceof CodexError && e.code === "server");
    assert.equal(fake.responsesRequests().length, 1 + FAST.maxRetries);
  }));

test("retries: cuts and 503s share the budget too", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(fault.cut(), fault.http(503), fault.cut(), fault.http(503), fault.cut());
    for (let i = 0; i < 10; i++) fake.enqueue(fault.http(503));
    await assert.rejects(run(await make(), "hi"));
    assert.equal(fake.responsesRequests().length, 1 + FAST.maxRetries);
  }));

test("retries: a Retry-After too long to sit through is reported at once, with when to return", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(fault.http(429, { detail: "slow down" }, { "retry-after": "100000000" }));
    const t0 = Date.now();
    await assert.rejects(run(await make(), "hi"), (e) => {
      assert.ok(e instanceof CodexError && e.code === "rate_limited" && !e.retryable);
      assert.match(e.message, /It asks to wait \d+ min; try again after \d{4}-/);
      return true;
    });
    assert.equal(fake.responsesRequests().length, 1);
    assert.ok(Date.now() - t0 < 5000);
  }));

test("retries: the text of a discarded attempt is not reported as a message", () =>
  withRig(async ({ fake, make }) => {
    fake.enqueue(fault.cut([item.text("half an ans")]), reply.text("the whole answer"));
    const evs = await run(await make(), "hi");
    const messages = evs.flatMap((e) => (e.type === "message" ? [e.text] : []));
    assert.deepEqual(messages, ["the whole answer"]);
  }));

test("timeouts: a backend that accepts and never answers is a clear, retried error", () =>
  withRig(async ({ fake }) => {
    fake.enqueue(fault.hang(), fault.hang(), fault.hang());
    const t = fake.issueTokens();
    const client = new ResponsesClient({
      baseUrl: fake.baseUrl,
      retry: { ...FAST, maxRetries: 2 },
      headersTimeoutMs: 200,
      credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
    });
    const stream = client.stream({
      model: "gpt-6-sol",
      instructions: "x",
      conversationId: "c",
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
    });
    await assert.rejects(
      (async () => {
        for await (const _ of stream) { /* drain */ }
      })(),
      (e) =>
        e instanceof CodexError && e.code === "network" &&
        /The backend sent no answer within 200 ms of the request/.test(e.message),
    );
    assert.equal(fake.responsesRequests().length, 3);
  }));

import assert from "node:assert/strict";
import { test } from "node:test";
import { fault, item, reply, startFakeBackend } from "../testing/mod.ts";
import { type ResponseEvent, ResponsesClient, type ResponsesClientOptions } from "./client.ts";
import { CodexError } from "./errors.ts";
import { toReplayItem, type TurnRequest } from "./request.ts";
import type { InputItem } from "./types.ts";

const FAST = { maxRetries: 3, baseDelayMs: 1, jitter: 0 };

async function setup(over: Partial<ResponsesClientOptions> = {}) {
  const fake = await startFakeBackend();
  let tokens = fake.issueTokens();
  const client = new ResponsesClient({
    baseUrl: fake.baseUrl,
    transport: "websocket",
    retry: FAST,
    idleTimeoutMs: 2000,
    credentials: ({ forceRefresh }) => {
      if (forceRefresh) tokens = fake.issueTokens();
      return Promise.resolve({ accessToken: tokens.access_token, accountId: tokens.account_id });
    },
    ...over,
  });
  return {
    fake,
    client,
    [Symbol.asyncDispose]: async () => {
      client.close();
      await fake.close();
    },
  };
}

const user = (text: string): InputItem => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

function request(input: InputItem[], over: Partial<TurnRequest> = {}): TurnRequest {
  return { model: "gpt-5.5", instructions: "Be brief.", conversationId: "conv-ws", input, ...over };
}

async function run(client: ResponsesClient, req: TurnRequest) {
  const events: ResponseEvent[] = [];
  for await (const ev of client.stream(req)) events.push(ev);
  const done = events.at(-1);
  assert.equal(done?.type, "completed");
  return { events, items: done!.type === "completed" ? done!.response.items : [] };
}

/** A conversation as the agent keeps it: each answer's items replayed, then tool outputs. */
async function converse(client: ResponsesClient, rounds: number) {
  const history: InputItem[] = [user("start")];
  for (let i = 0; i < rounds; i++) {
    const { items } = await run(client, request(history));
    history.push(...items.map((it) => toReplayItem(it as InputItem)));
    const call = items.find((it) => it.type === "function_call") as { call_id: string } | undefined;
    if (call) {
      history.push({ type: "function_call_output", call_id: call.call_id, output: `out ${i}` });
    } else history.push(user(`next ${i}`));
  }
  return history;
}

test("websocket: each request sends only what is new since the previous response", async () => {
  await using t = await setup();
  t.fake.enqueue(
    reply.items([item.reasoning("look"), item.call("read_file", { path: "a" })]),
    reply.text("it says a"),
    reply.text("done"),
  );
  await converse(t.client, 3);
  const reqs = t.fake.responsesRequests();
  assert.deepEqual(reqs.map((r) => r.method), ["WS", "WS", "WS"]);
  assert.equal(t.fake.webSocketUpgrades().length, 1, "one connection for the conversation");
  const [first, second, third] = reqs.map((r) => r.frame!);
  assert.equal(first.previous_response_id, undefined);
  assert.equal((first.input as unknown[]).length, 1);
  // The call's output only: the server has the call from the previous response.
  assert.ok(second.previous_response_id);
  assert.deepEqual((second.input as { type: string }[]).map((i) => i.type), [
    "function_call_output",
  ]);
  assert.deepEqual((third.input as { type: string }[]).map((i) => i.type), ["message"]);
  // What the model saw is the whole history (the strict fake accepted the pairing).
  const seen = reqs[2].body!.input as { type: string }[];
  assert.deepEqual(seen.map((i) => i.type), [
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "message",
    "message",
  ]);
});

test("websocket: a history that is not an extension, or other settings, is sent in full", async () => {
  await using t = await setup();
  t.fake.enqueue(reply.text("one"), reply.text("two"), reply.text("three"));
  await run(t.client, request([user("a")]));
  // Rewritten history (as after a compaction): everything again, on the same connection.
  await run(t.client, request([user("b")]));
  // Other tools: the previous response's settings no longer hold.
  await run(
    t.client,
    request([user("b"), { type: "message", role: "assistant", content: [] } as InputItem], {
      tools: [{ type: "function", name: "x", description: "x", parameters: {}, strict: false }],
    }),
  );
  const frames = t.fake.responsesRequests().map((r) => r.frame!);
  assert.deepEqual(frames.map((f) => f.previous_response_id), [undefined, undefined, undefined]);
  assert.equal(t.fake.webSocketUpgrades().length, 1);
});

test("websocket: a lost previous response means a new connection and a full resend", async () => {
  await using t = await setup();
  t.fake.enqueue(reply.text("one"), reply.text("two"));
  const history = [user("a")];
  history.push(...(await run(t.client, request(history))).items as InputItem[]);
  history.push(user("b"));
  t.fake.forgetResponses(1);
  const { events } = await run(t.client, request(history));
  assert.equal(events.filter((e) => e.type === "retry").length, 0, "not a failure to wait on");
  const reqs = t.fake.responsesRequests();
  assert.equal(reqs.length, 2, "the refused frame is not a model request");
  assert.equal(reqs[1].frame!.previous_response_id, undefined);
  assert.equal((reqs[1].frame!.input as unknown[]).length, 3);
  assert.deepEqual(t.fake.webSocketUpgrades().map((u) => u.status), [101, 101]);
});

test("websocket: a connection dropped between requests is replaced, and the history resent", async () => {
  await using t = await setup();
  t.fake.enqueue(reply.text("one"), reply.text("two"));
  const history = [user("a")];
  history.push(...(await run(t.client, request(history))).items as InputItem[]);
  t.fake.dropWebSockets();
  await new Promise((r) => setTimeout(r, 20));
  history.push(user("b"));
  await run(t.client, request(history));
  const frame = t.fake.responsesRequests()[1].frame!;
  assert.equal(frame.previous_response_id, undefined);
  assert.equal((frame.input as unknown[]).length, 3);
  assert.equal(t.fake.webSocketUpgrades().length, 2);
});

test("websocket: refused upgrades (500) are retried, then SSE for the rest of the client's life", async () => {
  await using t = await setup();
  t.fake.refuseWebSockets(500);
  t.fake.enqueue(reply.text("over http"), reply.text("again"));
  const { events } = await run(t.client, request([user("a")]));
  assert.equal(events.filter((e) => e.type === "retry").length, FAST.maxRetries);
  const switched = events.find((e) => e.type === "transport");
  assert.ok(switched && switched.type === "transport");
  assert.match(switched.reason, /HTTP 500/);
  assert.match(switched.reason, /after 4 tries/);
  assert.equal(t.fake.webSocketUpgrades().length, FAST.maxRetries + 1);
  await run(t.client, request([user("b")]));
  assert.equal(t.fake.webSocketUpgrades().length, FAST.maxRetries + 1, "no more upgrades");
  assert.deepEqual(t.fake.responsesRequests().map((r) => r.method), ["POST", "POST"]);
  assert.equal(t.client.transportFor("gpt-5.5"), "sse");
});

test("websocket: 426 falls back to SSE at once; 404 after retries", async () => {
  for (const [status, upgrades] of [[426, 1], [404, FAST.maxRetries + 1]] as const) {
    await using t = await setup();
    t.fake.refuseWebSockets(status);
    t.fake.enqueue(reply.text("over http"));
    const { events } = await run(t.client, request([user("a")]));
    assert.equal(events.filter((e) => e.type === "transport").length, 1, `${status}`);
    assert.equal(t.fake.webSocketUpgrades().length, upgrades, `${status}`);
    assert.equal(t.fake.responsesRequests()[0].method, "POST");
  }
});

test("websocket: one refused upgrade is retried and the WebSocket kept", async () => {
  await using t = await setup();
  t.fake.refuseWebSockets(500, 1);
  t.fake.enqueue(reply.text("ok"));
  const { events } = await run(t.client, request([user("a")]));
  assert.equal(events.filter((e) => e.type === "transport").length, 0);
  assert.deepEqual(t.fake.webSocketUpgrades().map((u) => u.status), [500, 101]);
  assert.equal(t.fake.responsesRequests()[0].method, "WS");
});

test("websocket: an access token that expired on an open connection is refreshed, the request resent", async () => {
  const fake = await startFakeBackend();
  const client = new ResponsesClient({
    baseUrl: fake.baseUrl,
    transport: "websocket",
    retry: FAST,
    credentials: ({ forceRefresh }) => {
      const t = fake.issueTokens({}, { ttlSeconds: forceRefresh ? 3600 : 1 });
      return Promise.resolve({ accessToken: t.access_token, accountId: t.account_id });
    },
  });
  try {
    fake.enqueue(reply.text("one"), reply.text("two"));
    const history = [user("a")];
    history.push(...(await run(client, request(history))).items as InputItem[]);
    await new Promise((r) => setTimeout(r, 1100)); // the connection's token expires
    history.push(user("b"));
    await run(client, request(history));
    assert.deepEqual(fake.responsesRequests().map((r) => r.status), [200, 401, 200]);
    assert.equal(fake.webSocketUpgrades().length, 2);
  } finally {
    client.close();
    await fake.close();
  }
});

test("websocket: errors are typed as over HTTP (usage limit, a cut, a reset)", async () => {
  await using t = await setup();
  const resetsAt = Math.floor(Date.now() / 1000) + 600;
  t.fake.enqueue(fault.usageLimit({ resetsAt, planType: "plus" }));
  await assert.rejects(
    run(t.client, request([user("a")])),
    (e) => e instanceof CodexError && e.code === "usage_limit" && e.resetsAt === resetsAt,
  );
  for (const [step, code] of [[fault.cut(), "stream_truncated"], [fault.reset(), "network"]]) {
    t.fake.enqueue(step as ReturnType<typeof fault.cut>);
    await assert.rejects(
      run(t.client, request([user("a")])),
      (e) => e instanceof CodexError && e.code === code && e.retryable,
    );
  }
});

test("websocket: the rate limits come from the codex.rate_limits event", async () => {
  await using t = await setup();
  t.fake.enqueue(reply.text("ok"));
  const { events } = await run(t.client, request([user("a")]));
  const done = events.at(-1)!;
  assert.ok(done.type === "completed");
  assert.equal(done.response.rateLimits?.primary?.usedPercent, 12.5);
  assert.equal(done.response.rateLimits?.secondary?.windowMinutes, 10080);
});

test("websocket: close() ends the connections; the client can go on", async () => {
  await using t = await setup();
  t.fake.enqueue(reply.text("one"), reply.text("two"));
  await run(t.client, request([user("a")]));
  t.client.close();
  await new Promise((r) => setTimeout(r, 20));
  await run(t.client, request([user("b")]));
  assert.equal(t.fake.webSocketUpgrades().length, 2);
});

test("websocket: which transport 'auto' picks", async () => {
  await using sse = await setup({ transport: "sse" });
  assert.equal(sse.client.transportFor("gpt-5.5"), "sse");
  // Deno's own WebSocket stalls mid-sized frames: auto stays on SSE with it.
  await using deno = await setup({ transport: "auto" });
  assert.equal(deno.client.transportFor("gpt-5.5"), "sse");
  // A WebSocket that sends at once (Node's, Bun's; here one handed in): where the catalog says.
  await using handed = await setup({ transport: "auto", webSocket: globalThis.WebSocket });
  assert.equal(handed.client.transportFor("gpt-5.5"), "websocket", "the catalog prefers it");
  assert.equal(handed.client.transportFor("no-such-model"), "sse", "unknown: no preference");
});

test("websocket: over 30 rounds the frames stay small while the history grows", async () => {
  await using t = await setup();
  const rounds = 30;
  for (let i = 0; i < rounds; i++) {
    t.fake.enqueue(reply.items([item.call("read_file", { path: `f${i}` })]));
  }
  await converse(t.client, rounds);
  const last = t.fake.responsesRequests().at(-1)!;
  const full = JSON.stringify({ ...last.frame, input: last.body!.input }).length;
  assert.ok(last.rawBody.length * 5 < full, `${last.rawBody.length} vs ${full}`);
  assert.equal(t.fake.webSocketUpgrades().length, 1);
});

test("websocket: a prewarm sends the history with generate:false; the next request only what is new", async () => {
  await using t = await setup();
  t.fake.enqueue(reply.text("one"));
  const history = [user("earlier")];
  assert.equal(await t.client.prewarm(request(history)), true);
  await run(t.client, request([...history, user("now")]));
  const [warm, first] = t.fake.responsesRequests().map((r) => r.frame!);
  assert.equal(warm.generate, false);
  assert.equal((warm.input as unknown[]).length, 1);
  assert.ok(typeof first.previous_response_id === "string");
  assert.deepEqual(
    (first.input as { content: { text: string }[] }[]).map((i) => i.content[0].text),
    [
      "now",
    ],
  );
  assert.equal(t.fake.webSocketUpgrades().length, 1);
  assert.equal(t.fake.pending(), 0, "the prewarm took no scripted answer");
});

test("websocket: a prewarm is best effort: nothing over SSE, no error when refused", async () => {
  await using sse = await setup({ transport: "sse" });
  assert.equal(await sse.client.prewarm(request([user("a")])), false);
  assert.equal(sse.fake.requests.filter((r) => r.path.endsWith("/responses")).length, 0);
  await using refused = await setup();
  refused.fake.refuseWebSockets(426);
  assert.equal(await refused.client.prewarm(request([user("a")])), false);
  refused.fake.enqueue(reply.text("over http"));
  const { events } = await run(refused.client, request([user("a")]));
  assert.equal(events.filter((e) => e.type === "transport").length, 1);
});

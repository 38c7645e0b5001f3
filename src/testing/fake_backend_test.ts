import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIENT_ID } from "../auth/protocol.ts";
import { type FakeBackend, type FakeTokenSet, startFakeBackend } from "./fake_backend.ts";
import { reply } from "./script.ts";

type Body = Record<string, unknown>;

function validBody(over: Body = {}): Body {
  return {
    model: "gpt-5.5",
    instructions: "Be brief.",
    input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
    tools: [],
    tool_choice: "auto",
    parallel_tool_calls: true,
    reasoning: { summary: "auto" },
    store: false,
    stream: true,
    include: ["reasoning.encrypted_content"],
    prompt_cache_key: "c",
    ...over,
  };
}

function post(
  fake: FakeBackend,
  t: FakeTokenSet,
  body: Body,
  headers: Record<string, string> = {},
) {
  return fetch(`${fake.baseUrl}/responses`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${t.access_token}`,
      "chatgpt-account-id": t.account_id,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

async function expectRejected(
  fake: FakeBackend,
  t: FakeTokenSet,
  body: Body,
  status: number,
  detail: RegExp,
  headers?: Record<string, string>,
) {
  fake.enqueue(reply.text("should not be used"));
  const res = await post(fake, t, body, headers);
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(text, detail);
  assert.equal(fake.pending(), 1, "a rejected request consumes no scripted answer");
}

async function withFake(fn: (fake: FakeBackend, t: FakeTokenSet) => Promise<void>, opts = {}) {
  const fake = await startFakeBackend(opts);
  try {
    await fn(fake, fake.issueTokens());
  } finally {
    await fake.close();
  }
}

const call = { type: "function_call", call_id: "c1", name: "bash", arguments: "{}" };
const out = { type: "function_call_output", call_id: "c1", output: "ok" };

test("fake accepts a valid request and logs it", () =>
  withFake(async (fake, t) => {
    fake.enqueue(reply.text("hi"));
    const res = await post(fake, t, validBody());
    assert.equal(res.status, 200);
    assert.match(await res.text(), /response\.completed/);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0].body!.model, "gpt-5.5");
  }));

test("fake rejects a bearer token it did not issue", () =>
  withFake((fake, t) =>
    expectRejected(fake, t, validBody(), 401, /not valid/, { authorization: "Bearer made-up" })
  ));

test("fake rejects an expired token", () =>
  withFake((fake) =>
    expectRejected(fake, fake.issueTokens({}, { ttlSeconds: -1 }), validBody(), 401, /expired/)
  ));

test("fake rejects a chatgpt-account-id that is not the token's", () =>
  withFake((fake, t) =>
    expectRejected(fake, t, validBody(), 403, /does not match/, { "chatgpt-account-id": "other" })
  ));

test("fake rejects store:true", () =>
  withFake((fake, t) =>
    expectRejected(fake, t, validBody({ store: true }), 400, /Store must be set to false/)
  ));

test("fake rejects a missing store", () =>
  withFake((fake, t) => expectRejected(fake, t, validBody({ store: undefined }), 400, /Store/)));

test("fake rejects stream:false", () =>
  withFake((fake, t) =>
    expectRejected(fake, t, validBody({ stream: false }), 400, /Stream must be set to true/)
  ));

test("fake rejects missing or empty instructions", () =>
  withFake(async (fake, t) => {
    const r1 = await post(fake, t, validBody({ instructions: undefined }));
    assert.equal(r1.status, 400);
    assert.match(await r1.text(), /Instructions are required/);
    await expectRejected(
      fake,
      t,
      validBody({ instructions: "  " }),
      400,
      /Instructions are required/,
    );
  }));

test("fake rejects temperature and max_output_tokens", () =>
  withFake(async (fake, t) => {
    const r = await post(fake, t, validBody({ temperature: 0.2 }));
    assert.equal(r.status, 400);
    assert.match(await r.text(), /Unsupported parameter: temperature/);
    await expectRejected(fake, t, validBody({ max_output_tokens: 100 }), 400, /max_output_tokens/);
  }));

test("fake rejects system messages", () =>
  withFake((fake, t) =>
    expectRejected(
      fake,
      t,
      validBody({
        input: [{ type: "message", role: "system", content: [{ type: "input_text", text: "x" }] }],
      }),
      400,
      /system/,
    )
  ));

test("fake rejects a function_call left unanswered", () =>
  withFake((fake, t) =>
    expectRejected(fake, t, validBody({ input: [call] }), 400, /No tool output found/)
  ));

test("fake rejects a function_call answered twice", () =>
  withFake((fake, t) =>
    expectRejected(
      fake,
      t,
      validBody({ input: [call, out, out] }),
      400,
      /Duplicate function call output/,
    )
  ));

test("fake rejects an output with no call", () =>
  withFake((fake, t) =>
    expectRejected(fake, t, validBody({ input: [out] }), 400, /No tool call found/)
  ));

test("fake rejects reasoning encrypted_content it never issued", () =>
  withFake((fake, t) =>
    expectRejected(
      fake,
      t,
      validBody({ input: [{ type: "reasoning", summary: [], encrypted_content: "forged" }] }),
      400,
      /could not be verified/,
    )
  ));

test("fake rejects an unknown model the way the backend words it", () =>
  withFake((fake, t) =>
    expectRejected(
      fake,
      t,
      validBody({ model: "gpt-4o" }),
      400,
      /not supported when using Codex with a ChatGPT account/,
    )
  ));

test("fake rejects an effort the model does not support", () =>
  withFake((fake, t) =>
    expectRejected(
      fake,
      t,
      validBody({ model: "gpt-5.5", reasoning: { effort: "max" } }),
      400,
      /Unsupported value/,
    )
  ));

test("fake (2025 mode) rejects instructions that are not the catalog's", () =>
  withFake((fake, t) => expectRejected(fake, t, validBody(), 400, /Instructions are not valid/), {
    instructions: "official",
  }));

test("fake (strict ids mode) rejects replayed item ids", () =>
  withFake((fake, t) =>
    expectRejected(
      fake,
      t,
      validBody({ input: [{ type: "message", id: "msg_1", role: "user", content: [] }] }),
      400,
      /Item with id 'msg_1' not found/,
    ), { rejectItemIds: true }));

test("fake accepts replayed reasoning it issued, with its function call answered", () =>
  withFake(async (fake, t) => {
    fake.enqueue(reply.items([{ kind: "reasoning", summary: ["s"] }]), reply.text("ok"));
    const first = await (await post(fake, t, validBody())).text();
    const enc = first.match(/"encrypted_content":"([^"]+)"/)![1];
    const res = await post(
      fake,
      t,
      validBody({ input: [{ type: "reasoning", summary: [], encrypted_content: enc }, call, out] }),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }));

test("fake: /models needs auth and client_version; refresh tokens rotate and are single-use", () =>
  withFake(async (fake, t) => {
    const noAuth = await fetch(`${fake.baseUrl}/models?client_version=1`);
    assert.equal(noAuth.status, 401);
    await noAuth.body?.cancel();
    const h = { authorization: `Bearer ${t.access_token}`, "chatgpt-account-id": t.account_id };
    const noVersion = await fetch(`${fake.baseUrl}/models`, { headers: h });
    assert.equal(noVersion.status, 400);
    await noVersion.body?.cancel();

    const refresh = (rt: string) =>
      fetch(`${fake.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: CLIENT_ID,
          grant_type: "refresh_token",
          refresh_token: rt,
        }),
      });
    const ok = await refresh(t.refresh_token);
    assert.equal(ok.status, 200);
    const fresh = await ok.json();
    assert.notEqual(fresh.refresh_token, t.refresh_token);
    const reused = await refresh(t.refresh_token);
    assert.equal(reused.status, 401);
    assert.equal((await reused.json()).error.code, "refresh_token_reused");
    const form = await fetch(`${fake.url}/oauth/token`, {
      method: "POST",
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        grant_type: "refresh_token",
        refresh_token: fresh.refresh_token,
      }),
    });
    assert.equal(form.status, 200, "older clients' form-encoded refresh works too");
    await form.body?.cancel();
    assert.equal(fake.refreshCount, 2);
  }));

test("fake (0.169 CLI mode) accepts a request without instructions", () =>
  withFake(async (fake, t) => {
    fake.enqueue(reply.text("ok"));
    const res = await post(fake, t, validBody({ instructions: undefined }));
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }, { instructions: "optional" }));

import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIENT_ID } from "../auth/protocol.ts";
import {
  FAKE_MODELS,
  type FakeBackend,
  type FakeTokenSet,
  startFakeBackend,
  withContextWindow,
} from "./fake_backend.ts";
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
  const pending = fake.pending();
  const res = await post(fake, t, body, headers);
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(text, detail);
  assert.equal(fake.pending(), pending, "a rejected request consumes no scripted answer");
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
    assert.equal(ok.status, 200, await ok.clone().text());
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

// --- The 2026 service: retired models, efforts, tiers, compaction, the context window ---

const TRIGGER = { type: "compaction_trigger" };
const COMPACTION_HEADERS = { "x-codex-beta-features": "remote_compaction_v2" };

async function sseItems(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)))
    .filter((e) => e.type === "response.output_item.done").map((e) => e.item);
}

test("fake: a retired or unknown model is refused with the real text, in both forms", async () => {
  for (const form of ["typed", "detail"] as const) {
    await withFake(async (fake, t) => {
      fake.retire("gpt-5.5");
      const res = await post(fake, t, validBody());
      const body = await res.json();
      assert.equal(res.status, 400);
      const message = form === "typed" ? body.error.message : body.detail;
      if (form === "typed") {
        assert.equal(body.type, "error");
        assert.equal(body.error.type, "invalid_request_error");
      }
      assert.equal(
        message,
        "The 'gpt-5.5' model is not supported when using Codex with a ChatGPT account.",
      );
      assert.ok(res.headers.get("x-models-etag"), "the answer names the new catalog");
    }, { retiredModelError: form });
  }
});

test("fake: retiring a model changes the catalog's ETag and removes it", () =>
  withFake(async (fake, t) => {
    const get = () =>
      fetch(`${fake.baseUrl}/models?client_version=0.169.0`, {
        headers: { authorization: `Bearer ${t.access_token}`, "chatgpt-account-id": t.account_id },
      });
    const a = await get();
    const etag = a.headers.get("etag");
    const slugs = (await a.json()).models.map((m: { slug: string }) => m.slug);
    assert.ok(slugs.includes("gpt-5.5") && slugs.includes("gpt-6.1-sol"));
    fake.retire("gpt-5.5");
    const b = await get();
    assert.notEqual(b.headers.get("etag"), etag);
    assert.ok(!(await b.json()).models.some((m: { slug: string }) => m.slug === "gpt-5.5"));
  }));

test("fake: efforts on the wire: max serves ultra models, ultra itself is not a wire value", () =>
  withFake(async (fake, t) => {
    await expectRejected(
      fake,
      t,
      validBody({ model: "gpt-6-sol", reasoning: { effort: "ultra" } }),
      400,
      /Invalid value: 'ultra'/,
    );
    fake.enqueue(reply.text("ok"));
    const res = await post(
      fake,
      t,
      validBody({ model: "gpt-6-sol", reasoning: { effort: "max" } }),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }));

test("fake: service_tier must be one the model lists", () =>
  withFake(async (fake, t) => {
    await expectRejected(
      fake,
      t,
      validBody({ model: "gpt-daybreak-red-latest", service_tier: "priority" }),
      400,
      /service_tier 'priority' is not available/,
    );
    fake.enqueue(reply.text("ok"));
    const res = await post(fake, t, validBody({ service_tier: "priority" }));
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }));

test("fake: compaction_trigger needs remote_compaction_v2", () =>
  withFake(async (fake, t) => {
    const input = [...(validBody().input as unknown[]), TRIGGER];
    await expectRejected(fake, t, validBody({ input }), 400, /'compaction_trigger'/);
  }));

test("fake: compaction_trigger must be the last item", () =>
  withFake(async (fake, t) => {
    await expectRejected(
      fake,
      t,
      validBody({ input: [TRIGGER, ...(validBody().input as unknown[])] }),
      400,
      /must be the last input item/,
      COMPACTION_HEADERS,
    );
  }));

test("fake: compaction answers one compaction item, which only this fake's replay accepts", () =>
  withFake(async (fake, t) => {
    const history = [
      { type: "message", role: "user", content: [{ type: "input_text", text: "Remember: X=7." }] },
    ];
    const res = await post(
      fake,
      t,
      validBody({ input: [...history, TRIGGER] }),
      COMPACTION_HEADERS,
    );
    assert.equal(res.status, 200);
    const items = await sseItems(res);
    assert.equal(items.length, 1);
    assert.equal(items[0].type, "compaction");
    assert.equal(items[0].id, undefined, "as captured: no id");
    const enc = String(items[0].encrypted_content);
    assert.ok(enc && !enc.includes("X=7"), "opaque");
    assert.equal(fake.pending(), 0, "compaction uses no scripted answer");

    const replay = [...history, { type: "compaction", id: "cmp_1", encrypted_content: enc }];
    fake.enqueue(reply.text("ok"));
    const ok = await post(fake, t, validBody({ input: replay }));
    assert.equal(ok.status, 200, await ok.clone().text());
    await ok.body?.cancel();
    assert.match(fake.visibleText(fake.responsesRequests().at(-1)!), /Remember: X=7\./);

    await expectRejected(
      fake,
      t,
      validBody({ input: [...history, { type: "compaction", encrypted_content: "forged" }] }),
      400,
      /could not be verified/,
    );
  }));

test("fake: compaction_trigger is an unknown item where compaction is absent", () =>
  withFake(
    (fake, t) =>
      expectRejected(
        fake,
        t,
        validBody({ input: [...(validBody().input as unknown[]), TRIGGER] }),
        400,
        /Invalid value for 'input\[1\]\.type': 'compaction_trigger'/,
        COMPACTION_HEADERS,
      ),
    { compaction: "absent" },
  ));

test("fake: a request past the model's context window fails with context_length_exceeded", () =>
  withFake(async (fake, t) => {
    const big = "x".repeat(5000);
    fake.enqueue(reply.text("not reached"));
    const res = await post(
      fake,
      t,
      validBody({
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: big }] }],
      }),
    );
    const text = await res.text();
    assert.match(text, /"type":"response\.failed"/);
    assert.match(text, /context_length_exceeded/);
    assert.equal(fake.pending(), 1);
  }, { models: withContextWindow(FAKE_MODELS, 1000) }));

test("fake: the items the 0.169 CLI adds (additional_tools, configuration_update) are accepted", () =>
  withFake(async (fake, t) => {
    fake.enqueue(reply.text("ok"));
    const res = await post(
      fake,
      t,
      validBody({
        input: [
          { type: "additional_tools", role: "developer", tools: [] },
          ...(validBody().input as unknown[]),
          { type: "configuration_update" },
        ],
      }),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }));

const user = (...content: Body[]) => [{ type: "message", role: "user", content }];
const tool = { type: "function", name: "lookup", description: "d", strict: false, parameters: {} };

test("fake checks content parts: types per role, images as data or https URLs", () =>
  withFake(async (fake, t) => {
    const png = "data:image/png;base64,iVBORw0KGgo=";
    fake.enqueue(reply.text("a picture"));
    const ok = await post(
      fake,
      t,
      validBody({
        input: user({ type: "input_text", text: "what is this?" }, {
          type: "input_image",
          image_url: png,
        }),
      }),
    );
    assert.equal(ok.status, 200, await ok.clone().text());
    await ok.body?.cancel();
    await expectRejected(
      fake,
      t,
      validBody({ input: user({ type: "input_image", image_url: "file:///etc/passwd" }) }),
      400,
      /image_url'. Expected a base64-encoded data URL/,
    );
    await expectRejected(
      fake,
      t,
      validBody({ input: user({ type: "output_text", text: "x" }) }),
      400,
      /Invalid value: 'output_text'. Supported values are: 'input_text', 'input_image'/,
    );
    await expectRejected(
      fake,
      t,
      validBody({
        input: [{
          type: "message",
          role: "developer",
          content: [{ type: "input_image", image_url: png }],
        }],
      }),
      400,
      /Supported values are: 'input_text'/,
    );
    await expectRejected(fake, t, validBody({ input: user({ type: "input_text" }) }), 400, /text'/);
  }));

test("fake checks tool_choice against the tools", () =>
  withFake(async (fake, t) => {
    for (const choice of ["none", "required", { type: "function", name: "lookup" }]) {
      fake.enqueue(reply.text("ok"));
      const r = await post(fake, t, validBody({ tools: [tool], tool_choice: choice }));
      assert.equal(r.status, 200, JSON.stringify(choice));
      await r.body?.cancel();
    }
    await expectRejected(
      fake,
      t,
      validBody({ tool_choice: "required" }),
      400,
      /'required' must be specified with 'tools'/,
    );
    await expectRejected(
      fake,
      t,
      validBody({ tools: [tool], tool_choice: { type: "function", name: "other" } }),
      400,
      /Tool choice 'other' not found/,
    );
  }));

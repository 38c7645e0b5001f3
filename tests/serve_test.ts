// `serve` with the official `openai` SDK as the client, against the fake backend: chat
// completions and responses (streamed and not), tools, images, models, the usage limit, a
// refresh under 20 concurrent streams, and the gate (key, host, origin).
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import OpenAI from "openai";
import { storeCredentials } from "../src/auth/credentials.ts";
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { TokenStore } from "../src/auth/token_store.ts";
import { ResponsesClient } from "../src/codex/client.ts";
import { contentText } from "../src/codex/items.ts";
import type { InputItem } from "../src/codex/types.ts";
import { createServeHandler, type ServeOptions } from "../src/serve/handler.ts";
import { listen } from "../src/serve/listen.ts";
import {
  type FakeBackend,
  type FakeBackendOptions,
  fault,
  item,
  reply,
  startFakeBackend,
} from "../src/testing/mod.ts";

const KEY = "sk-codex-test-key-0123456789";

interface Rig {
  fake: FakeBackend;
  sdk: OpenAI;
  url: string;
  lines: string[];
}

async function withServer(
  fn: (rig: Rig) => Promise<void>,
  o: {
    fake?: FakeBackendOptions;
    serve?: Partial<ServeOptions>;
    client?: (fake: FakeBackend) => Promise<ResponsesClient>;
  } = {},
) {
  const fake = await startFakeBackend(o.fake);
  const t = fake.issueTokens();
  const client = o.client ? await o.client(fake) : new ResponsesClient({
    baseUrl: fake.baseUrl,
    transport: "sse",
    credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
  });
  const lines: string[] = [];
  const handler = createServeHandler({
    client,
    apiKey: KEY,
    log: (l) => lines.push(l),
    ...o.serve,
  });
  const server = await listen(handler, { hostname: "127.0.0.1", port: 0 });
  const sdk = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 2 });
  try {
    await fn({ fake, sdk, url: server.url, lines });
  } finally {
    client.close();
    await server.close();
    await fake.close();
  }
}

/** A chat completion asked for by hand: the key (unless `key: false`), one message, `body` over it. */
function postChat(
  url: string,
  body: Record<string, unknown> = {},
  init: { signal?: AbortSignal; headers?: Record<string, string>; key?: false } = {},
) {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      ...(init.key === false ? {} : { authorization: `Bearer ${KEY}` }),
      "content-type": "application/json",
      ...init.headers,
    },
    body: JSON.stringify({
      model: "gpt-5.5",
      messages: [{ role: "user", content: "hi" }],
      ...body,
    }),
    signal: init.signal,
  });
}

const input = (fake: FakeBackend, n = -1) =>
  fake.responsesRequests().at(n)!.body!.input as InputItem[];
const texts = (items: InputItem[]) =>
  items.flatMap((i) => (i.type === "message" ? [`${i.role}:${contentText(i)}`] : []));

test("serve: chat completions, whole and streamed, with usage; system messages become instructions", () =>
  withServer(async ({ fake, sdk }) => {
    fake.enqueue(reply.text("Hello there!"), reply.text("Streamed hello."));
    const c = await sdk.chat.completions.create({
      model: "gpt-5.5",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }],
    });
    assert.equal(c.object, "chat.completion");
    assert.equal(c.choices[0].message.content, "Hello there!");
    assert.equal(c.choices[0].finish_reason, "stop");
    assert.ok(c.usage && c.usage.prompt_tokens > 0 && c.usage.completion_tokens > 0);
    assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
    const sent = fake.responsesRequests().at(-1)!.body!;
    assert.equal(sent.instructions, "Be brief.");
    assert.deepEqual(texts(sent.input as InputItem[]), ["user:hi"]);
    assert.equal(sent.store, false);
    assert.equal(sent.stream, true);

    const stream = await sdk.chat.completions.create({
      model: "gpt-5.5",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hi" }],
    });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const ch of stream) {
      chunks++;
      text += ch.choices[0]?.delta?.content ?? "";
      finish = ch.choices[0]?.finish_reason ?? finish;
      usage = ch.usage ?? usage;
    }
    assert.equal(text, "Streamed hello.");
    assert.ok(chunks >= 4, `${chunks} chunks`);
    assert.equal(finish, "stop");
    assert.ok(usage && usage.completion_tokens > 0);
    // No system message: the default instructions (the backend refuses empty ones).
    assert.equal(
      fake.responsesRequests().at(-1)!.body!.instructions,
      "You are a helpful assistant.",
    );
  }));

test("serve: responses, whole and streamed, and a conversation by previous_response_id", () =>
  withServer(async ({ fake, sdk }) => {
    fake.enqueue(reply.text("First."), reply.text("Second."), reply.text("Third, streamed."));
    const r1 = await sdk.responses.create({
      model: "gpt-5.5",
      input: "one",
      instructions: "Be brief.",
    });
    assert.equal(r1.output_text, "First.");
    assert.equal(r1.status, "completed");
    assert.ok(r1.usage && r1.usage.output_tokens > 0);
    const r2 = await sdk.responses.create({
      model: "gpt-5.5",
      input: "two",
      previous_response_id: r1.id,
    });
    assert.equal(r2.output_text, "Second.");
    assert.deepEqual(texts(input(fake)), ["user:one", "assistant:First.", "user:two"]);

    const s = sdk.responses.stream({
      model: "gpt-5.5",
      input: "three",
      previous_response_id: r2.id,
    });
    const types: string[] = [];
    let deltas = "";
    for await (const ev of s) {
      types.push(ev.type);
      if (ev.type === "response.output_text.delta") deltas += ev.delta;
    }
    const final = await s.finalResponse();
    assert.equal(deltas, "Third, streamed.");
    assert.equal(final.output_text, "Third, streamed.");
    assert.equal(types[0], "response.created");
    assert.equal(types.at(-1), "response.completed");
    assert.ok(types.includes("response.output_item.done"));
    assert.deepEqual(texts(input(fake)), [
      "user:one",
      "assistant:First.",
      "user:two",
      "assistant:Second.",
      "user:three",
    ]);

    // A function call, streamed: the SDK's own accumulation gives the arguments once.
    fake.enqueue(reply.items([item.call("lookup", { q: "x" }, "call_9")]));
    const calls = sdk.responses.stream({
      model: "gpt-5.5",
      input: "look it up",
      tools: [{ type: "function", name: "lookup", parameters: {}, strict: false }],
    });
    const snapshots: string[] = [];
    calls.on("response.function_call_arguments.delta", (ev) => snapshots.push(ev.snapshot));
    await calls.done();
    assert.deepEqual(snapshots, ['{"q":"x"}']);
    const done = (await calls.finalResponse()).output.find((o) => o.type === "function_call");
    assert.ok(done?.type === "function_call" && done.call_id === "call_9");
    assert.equal(done.arguments, '{"q":"x"}');

    await assert.rejects(
      sdk.responses.create({ model: "gpt-5.5", input: "x", previous_response_id: "resp_gone" }),
      (e: InstanceType<typeof OpenAI.BadRequestError>) =>
        e.status === 400 && e.code === "previous_response_not_found",
    );
  }));

test("serve: a tool-call round trip through chat completions (whole and streamed), tool_choice passed on", () =>
  withServer(async ({ fake, sdk }) => {
    const tools: OpenAI.ChatCompletionTool[] = [{
      type: "function",
      function: {
        name: "get_weather",
        description: "Weather in a city",
        parameters: { type: "object", properties: { city: { type: "string" } } },
      },
    }];
    fake.enqueue(
      reply.items([
        item.reasoning("thinking"),
        item.call("get_weather", { city: "Oslo" }, "call_1"),
      ]),
      reply.text("It is sunny in Oslo."),
      reply.items([item.call("get_weather", { city: "Rome" }, "call_2")]),
    );
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather?" }];
    const first = await sdk.chat.completions.create({
      model: "gpt-5.5",
      messages,
      tools,
      tool_choice: "required",
    });
    const call = first.choices[0].message
      .tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    assert.equal(first.choices[0].finish_reason, "tool_calls");
    assert.equal(call.id, "call_1");
    assert.equal(call.function.name, "get_weather");
    assert.deepEqual(JSON.parse(call.function.arguments), { city: "Oslo" });
    const sent = fake.responsesRequests().at(-1)!.body!;
    assert.equal(sent.tool_choice, "required");
    assert.deepEqual((sent.tools as { name: string }[]).map((t) => t.name), ["get_weather"]);

    messages.push(first.choices[0].message, {
      role: "tool",
      tool_call_id: call.id,
      content: "sunny, 21 C",
    });
    const second = await sdk.chat.completions.create({ model: "gpt-5.5", messages, tools });
    assert.equal(second.choices[0].message.content, "It is sunny in Oslo.");
    const replay = input(fake);
    const fc = replay.find((i) => i.type === "function_call");
    const out = replay.find((i) => i.type === "function_call_output");
    assert.ok(fc?.type === "function_call" && fc.call_id === "call_1" && fc.name === "get_weather");
    assert.ok(out?.type === "function_call_output" && out.call_id === "call_1");
    assert.equal(out.output, "sunny, 21 C");

    const stream = await sdk.chat.completions.create({
      model: "gpt-5.5",
      stream: true,
      messages: [{ role: "user", content: "And Rome?" }],
      tools,
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const calls: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    let finish: string | null = null;
    for await (const ch of stream) {
      calls.push(...ch.choices[0]?.delta?.tool_calls ?? []);
      finish = ch.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, "tool_calls");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].id, "call_2");
    assert.equal(calls[0].index, 0);
    assert.deepEqual(JSON.parse(calls[0].function!.arguments!), { city: "Rome" });
    assert.deepEqual(fake.responsesRequests().at(-1)!.body!.tool_choice, {
      type: "function",
      name: "get_weather",
    });
  }));

test("serve: an image reaches the backend as input_image; a bad image URL is a 400", () =>
  withServer(async ({ fake, sdk }) => {
    const png =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    fake.enqueue(reply.text("A single pixel."), reply.text("Also a pixel."));
    const c = await sdk.chat.completions.create({
      model: "gpt-5.5",
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: png, detail: "low" } },
        ],
      }],
    });
    assert.equal(c.choices[0].message.content, "A single pixel.");
    const msg = input(fake)[0];
    assert.ok(msg.type === "message");
    assert.deepEqual(msg.content[1], { type: "input_image", image_url: png, detail: "low" });

    const r = await sdk.responses.create({
      model: "gpt-5.5",
      input: [{
        role: "user",
        content: [{ type: "input_text", text: "And this?" }, {
          type: "input_image",
          image_url: png,
          detail: "auto",
        }],
      }],
    });
    assert.equal(r.output_text, "Also a pixel.");
    assert.equal(
      (input(fake)[0] as { content: { type: string }[] }).content[1].type,
      "input_image",
    );

    await assert.rejects(
      sdk.chat.completions.create({
        model: "gpt-5.5",
        messages: [{
          role: "user",
          content: [{ type: "image_url", image_url: { url: "file:///etc/passwd" } }],
        }],
      }),
      (e: InstanceType<typeof OpenAI.BadRequestError>) =>
        e.status === 400 && /image_url/.test(e.message) &&
        e.param === "messages[0].content[0].image_url",
    );
  }));

test("serve: models from the live catalog; an unknown model is a 404 naming the choices", () =>
  withServer(async ({ fake, sdk }) => {
    const list = await sdk.models.list();
    const ids = list.data.map((m) => m.id);
    const listed = fake.models.filter((m) => m.visibility === "list").map((m) => m.slug);
    assert.deepEqual(ids, listed);
    assert.equal((await sdk.models.retrieve("gpt-5.5")).id, "gpt-5.5");
    // `default` is the catalog's default for the plan, whatever it is today.
    fake.enqueue(reply.text("from the default"));
    const d = await sdk.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(d.model, ids[0]);
    assert.equal(fake.responsesRequests().at(-1)!.body!.model, ids[0]);
    await assert.rejects(
      sdk.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
      (e: InstanceType<typeof OpenAI.NotFoundError>) =>
        e.status === 404 && e.code === "model_not_found" && e.message.includes("gpt-5.5"),
    );
    assert.equal(fake.responsesRequests().length, 1, "no backend request for an unknown model");
  }));

test("serve: a model retired since the catalog was read is answered by its upgrade, and says so", () =>
  withServer(async ({ fake, url }) => {
    const up = fake.models.find((m) => m.slug === "gpt-5.5")!;
    fake.enqueue(reply.text("from the upgrade"));
    // Read the catalog first (as a running server has), then retire the model.
    await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } }).then((r) =>
      r.body?.cancel()
    );
    fake.retire("gpt-5.5");
    const res = await postChat(url, { model: up.slug });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.choices[0].message.content, "from the upgrade");
    assert.notEqual(body.model, "gpt-5.5");
    assert.match(
      res.headers.get("x-codex-provider-notice") ?? "",
      /'gpt-5.5' is no longer offered/,
    );
  }));

test("serve: the usage limit is a 429 that says when it resets, and SDKs do not retry it", () =>
  withServer(async ({ fake, sdk }) => {
    const resetsAt = Math.floor(Date.now() / 1000) + 2 * 3600;
    fake.enqueue(fault.usageLimit({ resetsAt, planType: "plus" }));
    const before = fake.responsesRequests().length;
    await assert.rejects(
      sdk.chat.completions.create({
        model: "gpt-5.5",
        messages: [{ role: "user", content: "hi" }],
      }),
      (e: InstanceType<typeof OpenAI.RateLimitError>) => {
        assert.equal(e.status, 429);
        assert.equal(e.code, "usage_limit_reached");
        assert.match(e.message, /plus plan's Codex usage limit/);
        assert.match(e.message, /reset/i);
        const wait = Number(e.headers?.get("retry-after"));
        assert.ok(wait > 7000 && wait <= 7200, `retry-after ${wait}`);
        return true;
      },
    );
    assert.equal(fake.responsesRequests().length - before, 1, "one request: the SDK did not retry");

    // Streamed, the limit is still the HTTP status (nothing was committed).
    fake.enqueue(fault.usageLimit({ resetsAt }));
    await assert.rejects(
      sdk.chat.completions.create({
        model: "gpt-5.5",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
      (e: InstanceType<typeof OpenAI.RateLimitError>) => e.status === 429,
    );
  }));

test("serve: a failure after the stream started reaches the SDK as an error", () =>
  withServer(async ({ fake, sdk }) => {
    fake.enqueue(
      fault.cut([item.text("partial answer")]),
      fault.cut(),
      fault.cut(),
      fault.cut(),
      fault.cut(),
    );
    const stream = await sdk.chat.completions.create({
      model: "gpt-5.5",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    let text = "";
    await assert.rejects(
      (async () => {
        for await (const ch of stream) text += ch.choices[0]?.delta?.content ?? "";
      })(),
      (e: Error) => /stream|closed|completed/i.test(e.message),
    );
    assert.equal(text, "partial answer");
  }));

test("serve: 20 concurrent streams during a token refresh: one refresh request, all 20 complete", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cp-serve-storm-"));
  try {
    await withServer(async ({ fake, sdk }) => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const s = await sdk.chat.completions.create({
            model: "gpt-5.5",
            stream: true,
            messages: [{ role: "user", content: `request ${i}` }],
          });
          let text = "";
          for await (const ch of s) text += ch.choices[0]?.delta?.content ?? "";
          return text;
        }),
      );
      assert.deepEqual(answers, Array(20).fill("ok"));
      assert.equal(fake.tokenRequests().length, 1, "exactly one refresh request");
      assert.equal(fake.refreshCount, 1);
      assert.equal(fake.responsesRequests().length, 20);
      const bearer = new Set(fake.responsesRequests().map((r) => r.headers.authorization));
      assert.equal(bearer.size, 1, "all 20 with the one new token");
    }, {
      fake: { fallback: reply.text("ok"), tokenDelayMs: 300 },
      client: async (fake) => {
        const path = join(dir, "tokens.json");
        const expired = fake.issueTokens({}, { ttlSeconds: -60 });
        await writeTokenFile(path, describeTokens(expired, { issuer: fake.url }));
        return new ResponsesClient({
          baseUrl: fake.baseUrl,
          transport: "sse",
          credentials: storeCredentials(new TokenStore({ path })),
        });
      },
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("serve attack: no key, a wrong key, a rebinding host name and a foreign page are refused", () =>
  withServer(async ({ fake, url, sdk }) => {
    const chat = JSON.stringify({ model: "gpt-5.5", messages: [{ role: "user", content: "hi" }] });
    const post = (headers: Record<string, string>) => postChat(url, {}, { key: false, headers });
    const noKey = await post({ "content-type": "application/json" });
    assert.equal(noKey.status, 401);
    assert.equal((await noKey.json()).error.code, "invalid_api_key");
    const wrong = await post({ authorization: "Bearer sk-guess" });
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), new RegExp(KEY), "the key is never echoed");
    await assert.rejects(
      new OpenAI({ baseURL: `${url}/v1`, apiKey: "sk-wrong", maxRetries: 0 }).models.list(),
      (e: InstanceType<typeof OpenAI.AuthenticationError>) => e.status === 401,
    );
    // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1.
    const { request } = await import("node:http");
    const rebinding = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { host: "evil.example:80", authorization: `Bearer ${KEY}` },
      }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end(chat);
    });
    assert.equal(rebinding, 403);
    // A page elsewhere posting text/plain (no preflight needed) with a stolen-less request.
    const csrf = await post({ origin: "https://evil.example", "content-type": "text/plain" });
    assert.equal(csrf.status, 403);
    assert.equal(csrf.headers.get("access-control-allow-origin"), null);
    const preflight = await fetch(`${url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(preflight.status, 403);
    await preflight.body?.cancel();
    assert.equal(fake.responsesRequests().length, 0, "nothing reached the backend");
    // And the real client still works.
    fake.enqueue(reply.text("fine"));
    const ok = await sdk.chat.completions.create({
      model: "gpt-5.5",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(ok.choices[0].message.content, "fine");
  }));

test("serve: CORS answers only the origins it was given; --no-auth needs no key", () =>
  withServer(async ({ fake, url }) => {
    const origin = "http://localhost:5173";
    const preflight = await fetch(`${url}/v1/chat/completions`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
    assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/);
    fake.enqueue(reply.text("from a page"));
    const res = await postChat(url, {}, { key: false, headers: { origin } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), origin);
    assert.equal((await res.json()).choices[0].message.content, "from a page");
  }, { serve: { apiKey: false, allowedOrigins: ["http://localhost:5173"] } }));

test("serve: bad requests get OpenAI's error shape, the field, and no stack", () =>
  withServer(async ({ url }) => {
    const post = (path: string, body: string) =>
      fetch(`${url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body,
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const cases: [string, string, number, RegExp, string | null][] = [
      ["/v1/chat/completions", "{not json", 400, /could not parse the JSON/, null],
      ["/v1/chat/completions", JSON.stringify({ model: "gpt-5.5" }), 400, /messages/, "messages"],
      [
        "/v1/chat/completions",
        JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
        400,
        /must provide a model/,
        "model",
      ],
      [
        "/v1/chat/completions",
        JSON.stringify({ model: "gpt-5.5", messages: [{ role: "wizard", content: "x" }] }),
        400,
        /role/,
        "messages[0].role",
      ],
      [
        "/v1/chat/completions",
        JSON.stringify({
          model: "gpt-5.5",
          reasoning_effort: "extreme",
          messages: [{ role: "user", content: "x" }],
        }),
        400,
        /reasoning_effort/,
        "reasoning_effort",
      ],
      [
        "/v1/responses",
        JSON.stringify({ model: "gpt-5.5", input: "x", tools: [{ type: "web_search" }] }),
        400,
        /only function tools/,
        "tools[0]",
      ],
      ["/v1/embeddings", "{}", 404, /Unknown request URL: POST \/v1\/embeddings/, null],
    ];
    for (const [path, body, status, message, param] of cases) {
      const r = await post(path, body);
      assert.equal(r.status, status, `${path} ${body}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, message);
      assert.equal(r.body.error.param, param);
      assert.doesNotMatch(JSON.stringify(r.body), /at .*\.ts:\d+/);
    }
  }));

test("serve: a caller that goes away (mid-stream, or before the answer) ends the backend request", async () => {
  let aborted = 0;
  await withServer(async ({ fake, url }) => {
    fake.enqueue(fault.stall([item.text("partial")], 30_000));
    const caller = new AbortController();
    const res = await postChat(url, { stream: true }, { signal: caller.signal });
    const reader = res.body!.getReader();
    let seen = "";
    while (!seen.includes("partial")) seen += new TextDecoder().decode((await reader.read()).value);
    caller.abort();
    await reader.cancel().catch(() => {});
    for (let i = 0; i < 100 && !aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(aborted, 1, "the backend request was aborted");
    assert.equal(fake.responsesRequests().length, 1, "and not retried");

    // Not streamed: the caller gives up while the backend has not answered yet.
    fake.enqueue(fault.hang());
    const impatient = new AbortController();
    const whole = postChat(url, {}, { signal: impatient.signal });
    while (fake.responsesRequests().length < 2) await new Promise((r) => setTimeout(r, 10));
    impatient.abort();
    await whole.catch(() => {});
    for (let i = 0; i < 100 && aborted < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(aborted, 2, "the waiting backend request was aborted too");
  }, {
    client: (fake) => {
      const t = fake.issueTokens();
      return Promise.resolve(
        new ResponsesClient({
          baseUrl: fake.baseUrl,
          transport: "sse",
          credentials: () =>
            Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
          fetch: (input, init) => {
            if (String(input).endsWith("/responses")) {
              init?.signal?.addEventListener("abort", () => aborted++);
            }
            return fetch(input, init);
          },
        }),
      );
    },
  });
});

test("serve: a response that thinks long is committed before its first text (no header timeout)", () =>
  withServer(async ({ fake, url }) => {
    fake.enqueue(fault.stall([], 30_000)); // created, then nothing
    const caller = new AbortController();
    const t0 = Date.now();
    const res = await postChat(url, { stream: true }, { signal: caller.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const first = new TextDecoder().decode((await res.body!.getReader().read()).value);
    assert.match(first, /"role":"assistant"/);
    assert.ok(Date.now() - t0 < 5_000, "committed after commitAfterMs, not at the backend's pace");
    caller.abort();
  }, { serve: { commitAfterMs: 100 } }));

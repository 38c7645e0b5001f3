import assert from "node:assert/strict";
import { test } from "node:test";
import { fault, item, reply, startFakeBackend } from "../testing/mod.ts";
import { type ResponseEvent, ResponsesClient } from "./client.ts";
import { CodexError } from "./errors.ts";
import type { TurnRequest } from "./request.ts";

const FAST = { maxRetries: 4, baseDelayMs: 1, jitter: 0.1 };

function request(over: Partial<TurnRequest> = {}): TurnRequest {
  return {
    model: "gpt-5.5",
    instructions: "Be brief.",
    conversationId: "conv-1",
    input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }],
    ...over,
  };
}

type Transport = "sse" | "websocket";
const TRANSPORTS: Transport[] = ["sse", "websocket"];

/** A test for each transport: what the caller sees must not depend on it. */
function both(name: string, fn: (transport: Transport) => Promise<void>) {
  for (const transport of TRANSPORTS) test(`client (${transport}): ${name}`, () => fn(transport));
}

async function setup(opts: Parameters<typeof startFakeBackend>[0] = {}, transport?: Transport) {
  const fake = await startFakeBackend(opts);
  const tokens = fake.issueTokens();
  let current = tokens;
  const client = new ResponsesClient({
    baseUrl: fake.baseUrl,
    transport,
    retry: FAST,
    idleTimeoutMs: 200,
    credentials: () =>
      Promise.resolve({ accessToken: current.access_token, accountId: current.account_id }),
  });
  return {
    fake,
    client,
    setTokens: (t: typeof tokens) => (current = t),
  };
}

async function drain(it: AsyncIterable<ResponseEvent>): Promise<ResponseEvent[]> {
  const out: ResponseEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

both(
  "streams text, reasoning and calls; completed carries items, usage, rate limits",
  async (transport) => {
    const { fake, client } = await setup({}, transport);
    try {
      fake.enqueue(
        reply.items([
          item.reasoning("plan"),
          item.text("hello there"),
          item.call("bash", { command: "ls" }),
        ]),
      );
      const evs = await drain(client.stream(request()));
      const text = evs.flatMap((e) => (e.type === "text_delta" ? [e.delta] : [])).join("");
      assert.equal(text, "hello there");
      const done = evs.at(-1)!;
      assert.equal(done.type, "completed");
      if (done.type !== "completed") return;
      assert.deepEqual(done.response.items.map((i) => i.type), [
        "reasoning",
        "message",
        "function_call",
      ]);
      assert.ok(done.response.usage!.input_tokens > 0);
      assert.equal(done.response.rateLimits?.primary?.usedPercent, 12.5);
      const sent = fake.responsesRequests()[0];
      assert.equal(sent.headers.originator, "codex_cli_rs");
      assert.equal(sent.method, transport === "sse" ? "POST" : "WS");
      assert.equal(sent.body!.prompt_cache_key, "conv-1");
    } finally {
      await fake.close();
    }
  },
);

test("client (sse): unknown events and a malformed line are ignored; only-completed output is used", async () => {
  const { fake, client } = await setup({}, "sse");
  try {
    fake.enqueue(
      reply.text("ok", { unknownEvents: true, malformedLine: true, onlyCompletedOutput: true }),
    );
    const evs = await drain(client.stream(request()));
    const done = evs.at(-1)!;
    assert.equal(done.type, "completed");
    if (done.type !== "completed") return;
    assert.equal(done.response.malformedEvents, 1);
    assert.equal(done.response.items.length, 1);
    assert.equal(done.response.items[0].type, "message");
  } finally {
    await fake.close();
  }
});

both("500 and 503 are retried with retry events, then the answer arrives", async (transport) => {
  const { fake, client } = await setup({}, transport);
  try {
    fake.enqueue(fault.http(500), fault.http(503), reply.text("finally"));
    const evs = await drain(client.stream(request()));
    const retries = evs.filter((e) => e.type === "retry");
    assert.equal(retries.length, 2);
    assert.equal(evs.at(-1)!.type, "completed");
    assert.equal(fake.responsesRequests().length, 3);
  } finally {
    await fake.close();
  }
});

both("a plain 429 waits the Retry-After the server gave", async (transport) => {
  const { fake, client } = await setup({}, transport);
  try {
    fake.enqueue(fault.rateLimited(0), reply.text("ok"));
    const evs = await drain(client.stream(request()));
    const retry = evs.find((e) => e.type === "retry");
    assert.ok(retry && retry.type === "retry");
    assert.equal(retry.delayMs, 0);
    assert.equal(retry.error.code, "rate_limited");
  } finally {
    await fake.close();
  }
});

both("gives up after the policy's retries with the last error", async (transport) => {
  const { fake, client } = await setup({}, transport);
  try {
    fake.enqueue(...Array.from({ length: 5 }, () => fault.http(502)));
    await assert.rejects(
      drain(client.stream(request())),
      (e) => e instanceof CodexError && e.code === "server",
    );
    assert.equal(fake.responsesRequests().length, 5);
  } finally {
    await fake.close();
  }
});

both("usage limit is fatal at once and says when it resets", async (transport) => {
  const { fake, client } = await setup({}, transport);
  try {
    const resetsAt = Math.floor(Date.now() / 1000) + 7200;
    fake.enqueue(fault.usageLimit({ resetsAt, planType: "pro" }));
    await assert.rejects(drain(client.stream(request())), (e) => {
      assert.ok(e instanceof CodexError);
      assert.equal(e.code, "usage_limit");
      assert.equal(e.resetsAt, resetsAt);
      assert.match(e.message, /pro plan/);
      return true;
    });
    assert.equal(fake.responsesRequests().length, 1);
  } finally {
    await fake.close();
  }
});

both(
  "a 401 asks the credentials provider once more (forceRefresh), then succeeds",
  async (transport) => {
    const fake = await startFakeBackend();
    try {
      // The provider hands out a good token only when forced, like a re-read of a rotated file.
      const expired = fake.issueTokens({}, { ttlSeconds: -10 });
      const good = fake.issueTokens();
      const calls: boolean[] = [];
      const client = new ResponsesClient({
        baseUrl: fake.baseUrl,
        transport,
        retry: FAST,
        credentials: ({ forceRefresh }) => {
          calls.push(forceRefresh);
          const t = forceRefresh ? good : expired;
          return Promise.resolve({ accessToken: t.access_token, accountId: t.account_id });
        },
      });
      fake.enqueue(reply.text("ok"));
      const evs = await drain(client.stream(request()));
      assert.equal(evs.at(-1)!.type, "completed");
      assert.deepEqual(calls, [false, true]);
      // Over WebSocket the credentials are refused at the upgrade.
      const asked = transport === "sse" ? fake.responsesRequests() : fake.webSocketUpgrades();
      assert.deepEqual(asked.map((r) => r.status), [401, transport === "sse" ? 200 : 101]);
    } finally {
      await fake.close();
    }
  },
);

both("a second 401 is an authentication error that says to log in", async (transport) => {
  const { fake, client, setTokens } = await setup({}, transport);
  try {
    setTokens(fake.issueTokens({}, { ttlSeconds: -10 }));
    await assert.rejects(drain(client.stream(request())), (e) => {
      assert.ok(e instanceof CodexError);
      assert.equal(e.code, "authentication");
      assert.match(e.message, /Log in again/);
      return true;
    });
    const asked = transport === "sse" ? fake.responsesRequests() : fake.webSocketUpgrades();
    assert.deepEqual(asked.map((r) => r.status), [401, 401]);
  } finally {
    await fake.close();
  }
});

both(
  "stream failures are typed (failed, incomplete, cut, reset, stall, error event)",
  async (transport) => {
    const { fake, client } = await setup({}, transport);
    try {
      const cases: [Parameters<typeof fake.enqueue>[0], string][] = [
        [fault.failed("context_length_exceeded", "too long"), "context_too_long"],
        [fault.failed("server_is_overloaded"), "server"],
        [fault.incomplete("max_output_tokens"), "incomplete"],
        [fault.cut(), "stream_truncated"],
        [fault.reset(), "network"],
        [fault.stall([item.text("hm")], 5000), "idle_timeout"],
        [{
          kind: "response",
          output: [],
          end: { kind: "error_event", code: "invalid_prompt", message: "no" },
        }, "invalid_request"],
      ];
      for (const [step, code] of cases) {
        fake.enqueue(step);
        await assert.rejects(drain(client.stream(request())), (e) => {
          assert.ok(e instanceof CodexError, String(e));
          assert.equal(e.code, code);
          return true;
        });
      }
    } finally {
      await fake.close();
    }
  },
);

both(
  "'Instructions are not valid' falls back once to the catalog's prompt, and stays there",
  async (transport) => {
    const { fake, client } = await setup({ instructions: "official" }, transport);
    try {
      fake.enqueue(reply.text("one"), reply.text("two"));
      assert.equal((await drain(client.stream(request()))).at(-1)!.type, "completed");
      const [rejected, accepted] = fake.responsesRequests();
      assert.equal(rejected.status, 400);
      assert.equal(accepted.status, 200);
      const input = accepted.body!.input as { role?: string; content?: { text: string }[] }[];
      assert.equal(input[0].role, "developer");
      assert.equal(input[0].content![0].text, "Be brief.");
      assert.equal((await drain(client.stream(request()))).at(-1)!.type, "completed");
      const statuses = fake.responsesRequests().map((r) => r.status);
      assert.deepEqual(statuses, [400, 200, 200]);
    } finally {
      await fake.close();
    }
  },
);

test("client: the catalog is cached by ETag; a 404 catalog falls back to the built-in table", async () => {
  const { fake, client } = await setup();
  try {
    const first = await client.listModels();
    assert.deepEqual(await client.listModels(), first, "fresh: asked once");
    assert.equal(fake.requests.filter((r) => r.path.endsWith("/models")).length, 1);
    const second = await client.catalog.load({ refresh: true });
    assert.deepEqual(second, first);
    const modelsReqs = fake.requests.filter((r) => r.path.endsWith("/models"));
    assert.equal(modelsReqs[1].status, 304);
    assert.ok(modelsReqs[1].headers["if-none-match"]);
  } finally {
    await fake.close();
  }
  const none = await setup({ noCatalog: true });
  try {
    const models = await none.client.listModels();
    assert.ok(models.some((m) => m.slug === "gpt-5.5"));
  } finally {
    await none.fake.close();
  }
});

both("a refused connection is a network error after retries", async (transport) => {
  const { fake } = await setup({}, transport);
  const url = fake.baseUrl;
  await fake.close();
  const client = new ResponsesClient({
    baseUrl: url,
    transport,
    retry: { ...FAST, maxRetries: 2 },
    credentials: () => Promise.resolve({ accessToken: "x", accountId: "y" }),
  });
  const evs: ResponseEvent[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of client.stream(request())) evs.push(e);
    })(),
    (e) => e instanceof CodexError && e.code === "network",
  );
  assert.equal(evs.filter((e) => e.type === "retry").length, 2);
});

both("an unsupported model names the catalog's models to pick instead", async (transport) => {
  const { fake, client } = await setup({}, transport);
  try {
    await assert.rejects(drain(client.stream(request({ model: "gpt-4o" }))), (e) => {
      assert.ok(e instanceof CodexError);
      assert.equal(e.code, "model_not_supported");
      assert.match(e.message, /'gpt-4o' model is not supported/);
      // The catalog's listed models, by priority (the 0.169 catalog's order).
      assert.match(e.message, /Available: gpt-6\.1-sol, gpt-6-astra, gpt-6-sol, gpt-6-luna,/);
      return true;
    });
  } finally {
    await fake.close();
  }
});

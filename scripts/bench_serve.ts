// What `serve` adds on top of the engine, against the fake on loopback: a streamed text
// answer asked for directly with the ResponsesClient, and the same through the server as a
// streamed chat completion (HTTP in, OpenAI's chunks out), alternating; time to the first
// text and to the end. Then 20 streams at once, both ways. Absolute times vary by machine.
//
//   deno run -A scripts/bench_serve.ts [--runs 200] [--json]
import process from "node:process";
import { parseArgs } from "node:util";
import { ResponsesClient } from "../src/codex/client.ts";
import { createServeHandler } from "../src/serve/handler.ts";
import { listen } from "../src/serve/listen.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("Usage: deno run -A scripts/bench_serve.ts [--runs N] [--json]");
  process.exit(0);
}
const RUNS = Number(values.runs);
const ANSWER = "The quick brown fox jumps over the lazy dog. ".repeat(8);

const fake = await startFakeBackend({ fallback: reply.text(ANSWER) });
const t = fake.issueTokens();
const client = new ResponsesClient({
  baseUrl: fake.baseUrl,
  transport: "sse",
  credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
});
const KEY = "sk-codex-bench-key-000000";
const server = await listen(createServeHandler({ client, apiKey: KEY }), {
  hostname: "127.0.0.1",
  port: 0,
});
await client.catalog.load();

type Timing = { first: number; end: number };

async function direct(i: number): Promise<Timing> {
  const t0 = performance.now();
  let first = 0;
  let text = "";
  for await (
    const ev of client.stream({
      model: "gpt-5.5",
      instructions: "You are a helpful assistant.",
      conversationId: crypto.randomUUID(),
      input: [{ type: "message", role: "user", content: [{ type: "input_text", text: `q${i}` }] }],
    })
  ) {
    if (ev.type === "text_delta") {
      first ||= performance.now() - t0;
      text += ev.delta;
    }
  }
  if (text !== ANSWER) throw new Error(`direct: ${text}`);
  return { first, end: performance.now() - t0 };
}

async function served(i: number): Promise<Timing> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-5.5",
      stream: true,
      messages: [{ role: "user", content: `q${i}` }],
    }),
  });
  let first = 0;
  let body = "";
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    body += decoder.decode(chunk, { stream: true });
    if (!first && body.includes('"content":"The')) first = performance.now() - t0;
  }
  if (!body.endsWith("data: [DONE]\n\n")) throw new Error(`served: ${body.slice(-200)}`);
  return { first, end: performance.now() - t0 };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

for (let i = 0; i < 20; i++) await Promise.all([direct(i), served(i)]); // warm up
const runs = { direct: [] as Timing[], served: [] as Timing[] };
for (let i = 0; i < RUNS; i++) {
  if (i % 2) {
    runs.served.push(await served(i));
    runs.direct.push(await direct(i));
  } else {
    runs.direct.push(await direct(i));
    runs.served.push(await served(i));
  }
}
const burst = async (one: (i: number) => Promise<Timing>) => {
  const walls: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => one(i)));
    walls.push(performance.now() - t0);
  }
  return stats(walls);
};
const concurrent = { direct: await burst(direct), served: await burst(served) };
const result = {
  runs: RUNS,
  direct: {
    first: stats(runs.direct.map((r) => r.first)),
    end: stats(runs.direct.map((r) => r.end)),
  },
  served: {
    first: stats(runs.served.map((r) => r.first)),
    end: stats(runs.served.map((r) => r.end)),
  },
  concurrent20: concurrent,
};
client.close();
await server.close();
await fake.close();

if (values.json) console.log(JSON.stringify(result));
else {
  const f = (s: { median: number; min: number; max: number }) =>
    `${s.median.toFixed(2)} ms (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  console.log(`${RUNS} streamed text answers each, alternating; median (min–max)\n`);
  console.log("| path | first text | end of answer |\n| --- | --- | --- |");
  console.log(`| ResponsesClient, direct | ${f(result.direct.first)} | ${f(result.direct.end)} |`);
  console.log(
    `| through serve (chat completion) | ${f(result.served.first)} | ${f(result.served.end)} |`,
  );
  console.log(
    `\nserve adds ${
      (result.served.first.median - result.direct.first.median).toFixed(2)
    } ms to the first text, ${
      (result.served.end.median - result.direct.end.median).toFixed(2)
    } ms to the end`,
  );
  console.log(
    `20 streams at once (15 bursts): direct ${f(concurrent.direct)}, through serve ${
      f(concurrent.served)
    }`,
  );
}

// Micro-benchmarks: `deno task bench`. SSE parsing throughput, and one whole agent turn
// (client, SSE, session append) against the fake backend on loopback.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "../src/agent/agent.ts";
import { SessionStore } from "../src/agent/session_store.ts";
import { ResponsesClient } from "../src/codex/client.ts";
import { parseServerEvents } from "../src/codex/sse.ts";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { item, reply, startFakeBackend } from "../src/testing/mod.ts";
import { DEFAULT_TOOLS, ToolSet } from "../src/tools/tool_set.ts";
import { Workspace } from "../src/tools/workspace.ts";

const DELTAS = 2000;
const sse = new TextEncoder().encode(
  Array.from(
    { length: DELTAS },
    (_, i) =>
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"tok${i} "}\n\n`,
  ).join("") + 'data: {"type":"response.completed","response":{}}\n\n',
);

const chunked = () =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < sse.length; i += 4096) c.enqueue(sse.subarray(i, i + 4096));
      c.close();
    },
  });
const SSE_GROUP = `SSE: ${DELTAS} text deltas (${
  (sse.length / 1024).toFixed(0)
} KiB, 4 KiB chunks)`;

// The floor: eventsource-parser's stream and JSON.parse, nothing else.
Deno.bench(
  "raw eventsource-parser + JSON.parse",
  { group: SSE_GROUP, baseline: true },
  async () => {
    const reader = chunked().pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream()).getReader();
    let n = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      JSON.parse(r.value.data);
      n++;
    }
    if (n !== DELTAS + 1) throw new Error(`parsed ${n}`);
  },
);

Deno.bench("parseServerEvents (typed events, idle watchdog)", { group: SSE_GROUP }, async () => {
  let n = 0;
  for await (const _ of parseServerEvents(chunked(), { idleTimeoutMs: 10_000 })) n++;
  if (n !== DELTAS + 1) throw new Error(`parsed ${n}`);
});

const fake = await startFakeBackend({ fallback: reply.text("hello from the fake") });
const tokens = fake.issueTokens();
const dir = await mkdtemp(join(tmpdir(), "cp-bench-"));
const client = new ResponsesClient({
  baseUrl: fake.baseUrl,
  credentials: () =>
    Promise.resolve({ accessToken: tokens.access_token, accountId: tokens.account_id }),
});
const store = new SessionStore(join(dir, "sessions"));
const workspace = await Workspace.open(dir);
const tools = new ToolSet(DEFAULT_TOOLS);

async function turn(prompt: string) {
  const agent = new Agent({
    client,
    model: "gpt-6-sol",
    instructions: "bench",
    tools,
    workspace,
    session: await store.create(),
  });
  for await (const _ of agent.run(prompt)) { /* drain */ }
}

Deno.bench("agent text turn against the fake (loopback HTTP + SSE + session append)", async () => {
  await turn("hi");
});

Deno.bench("agent turn with one list_files tool round trip (2 requests)", async (b) => {
  fake.enqueue(reply.items([item.call("list_files", {})]), reply.text("done"));
  b.start();
  await turn("list");
  b.end();
});

globalThis.addEventListener("unload", () => void fake.close());

// The WebSocket-vs-SSE measurement of `scripts/bench_websocket.ts`, written once for every
// runtime: Deno runs it on the sources, Node on the built npm package (see the entry below).
import process from "node:process";

/** Strip server-side ids before replay, as the agent does. */
function replay(item) {
  if (item.type === "compaction") return item;
  const { id: _id, status: _status, ...rest } = item;
  return rest;
}

const user = (text) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1) };
}

/**
 * Both transports in one process against one fake, alternating turn by turn (A/B, then B/A):
 * bytes sent and time to the first text delta at turn 1 (a new connection), at the last
 * turns of long conversations, and with 2 KB of new input per turn.
 */
export async function benchWebSocket(lib, { turns, runs, fresh, webSocket }) {
  const { ResponsesClient, reply, startFakeBackend } = lib;
  const answer = "A reply of a typical length, which the history keeps. ".repeat(6);
  const fake = await startFakeBackend({ fallback: reply.text(answer) });
  const tokens = fake.issueTokens();
  const client = (transport) =>
    new ResponsesClient({
      baseUrl: fake.baseUrl,
      transport,
      webSocket,
      credentials: () =>
        Promise.resolve({ accessToken: tokens.access_token, accountId: tokens.account_id }),
    });
  const clients = { websocket: client("websocket"), sse: client("sse") };
  const encoder = new TextEncoder();

  async function turn(t, conv, input) {
    const before = fake.requests.length;
    const start = performance.now();
    let ttft = NaN;
    let items = [];
    const req = { model: "gpt-5.5", instructions: "Be brief.", conversationId: conv, input };
    for await (const ev of clients[t].stream(req)) {
      if (ev.type === "text_delta" && Number.isNaN(ttft)) ttft = performance.now() - start;
      if (ev.type === "completed") items = ev.response.items;
    }
    const sent = fake.requests.slice(before).filter((r) =>
      r.method === "POST" || r.method === "WS"
    );
    if (t === "websocket" && sent.some((r) => r.method !== "WS")) {
      throw new Error("the WebSocket client did not use its WebSocket");
    }
    const bytes = sent.reduce((n, r) => n + encoder.encode(r.rawBody).length, 0);
    return { ttft, bytes, items };
  }
  const order = (n) => (n % 2 ? ["websocket", "sse"] : ["sse", "websocket"]);
  const out = {};
  for (const t of ["websocket", "sse"]) out[t] = { first: [], late: [], mid: [], b1: 0, bN: 0 };

  for (let i = 0; i < fresh; i++) {
    for (const t of order(i)) {
      const r = await turn(t, `fresh-${t}-${i}`, [user("Hello.")]);
      out[t].first.push(r.ttft);
      out[t].b1 = r.bytes;
    }
  }
  for (let run = 0; run < runs; run++) {
    const history = { websocket: [], sse: [] };
    for (let n = 1; n <= turns; n++) {
      for (const t of order(n)) {
        history[t].push(user(`Message ${n} of the conversation, with a little context.`));
        const r = await turn(t, `long-${t}-${run}`, history[t]);
        history[t].push(...r.items.map(replay));
        if (n > turns - 5) out[t].late.push(r.ttft);
        if (n === turns) out[t].bN = r.bytes;
      }
    }
  }
  {
    const history = { websocket: [], sse: [] };
    for (let n = 1; n <= 20; n++) {
      for (const t of order(n)) {
        history[t].push(user(`Output of the tool, turn ${n}: ${"0123456789abcdef".repeat(128)}`));
        const r = await turn(t, `mid-${t}`, history[t]);
        history[t].push(...r.items.map(replay));
        if (n > 1) out[t].mid.push(r.ttft);
      }
    }
  }
  for (const c of Object.values(clients)) c.close();
  await fake.close();
  const summary = (o) => ({
    bytesTurn1: o.b1,
    bytesTurnN: o.bN,
    ttftTurn1: stats(o.first),
    ttftTurnN: stats(o.late),
    ttft2KiB: stats(o.mid),
  });
  return {
    runtime: globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : `node ${process.version}`,
    turns,
    runs,
    fresh,
    websocket: summary(out.websocket),
    sse: summary(out.sse),
  };
}

// Under Node: `node scripts/_bench_websocket_run.mjs <npm dir> <options JSON>` prints the result.
if (!globalThis.Deno && process.argv[1]?.endsWith("_bench_websocket_run.mjs")) {
  const [npmDir, options] = process.argv.slice(2);
  const lib = {
    ...(await import(`${npmDir}/dist/mod.js`)),
    ...(await import(`${npmDir}/dist/testing.js`)),
  };
  console.log(JSON.stringify(await benchWebSocket(lib, JSON.parse(options))));
}

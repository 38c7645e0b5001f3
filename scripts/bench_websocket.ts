// WebSocket vs SSE, side by side against the fake on loopback: bytes the client sends per
// request and time to the first text delta, at turn 1 (a fresh conversation: a new
// connection) and at turn 200 of one conversation. Both transports run in the same process,
// alternating turn by turn (A/B, then B/A). Absolute times vary by machine; the bytes do not.
//
//   deno run -A scripts/bench_websocket.ts [--turns 200] [--runs 3] [--fresh 20] [--json]
import { parseArgs } from "node:util";
import process from "node:process";
import { ResponsesClient } from "../src/codex/client.ts";
import { toReplayItem, type TurnRequest } from "../src/codex/request.ts";
import type { InputItem } from "../src/codex/types.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "200" },
    runs: { type: "string", default: "3" },
    fresh: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(
    "Usage: deno run -A scripts/bench_websocket.ts [--turns N] [--runs N] [--fresh N] [--json]",
  );
  process.exit(0);
}
const TURNS = Number(values.turns);
const RUNS = Number(values.runs);
const FRESH = Number(values.fresh);

type Transport = "websocket" | "sse";
const ANSWER = "A reply of a typical length, which the history keeps. ".repeat(6);

const fake = await startFakeBackend({ fallback: reply.text(ANSWER) });
const tokens = fake.issueTokens();
const clients: Record<Transport, ResponsesClient> = {
  websocket: client("websocket"),
  sse: client("sse"),
};

function client(transport: Transport) {
  return new ResponsesClient({
    baseUrl: fake.baseUrl,
    transport,
    credentials: () =>
      Promise.resolve({ accessToken: tokens.access_token, accountId: tokens.account_id }),
  });
}

const user = (text: string): InputItem => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

/** One turn: the time to the first text delta, the bytes sent, the items to keep. */
async function turn(t: Transport, req: TurnRequest) {
  const before = fake.requests.length;
  const start = performance.now();
  let ttft = NaN;
  let items: InputItem[] = [];
  for await (const ev of clients[t].stream(req)) {
    if (ev.type === "text_delta" && Number.isNaN(ttft)) ttft = performance.now() - start;
    if (ev.type === "completed") items = ev.response.items as InputItem[];
  }
  const sent = fake.requests.slice(before).filter((r) => r.method === "POST" || r.method === "WS");
  const bytes = sent.reduce((n, r) => n + new TextEncoder().encode(r.rawBody).length, 0);
  return { ttft, bytes, items };
}

function request(conv: string, input: InputItem[]): TurnRequest {
  return { model: "gpt-5.5", instructions: "Be brief.", conversationId: conv, input };
}

const samples: Record<Transport, { first: number[]; late: number[]; b1: number; bN: number }> = {
  websocket: { first: [], late: [], b1: 0, bN: 0 },
  sse: { first: [], late: [], b1: 0, bN: 0 },
};

// Turn 1 of fresh conversations (each a new connection for WebSocket).
for (let i = 0; i < FRESH; i++) {
  const order: Transport[] = i % 2 ? ["sse", "websocket"] : ["websocket", "sse"];
  for (const t of order) {
    const r = await turn(t, request(`fresh-${t}-${i}`, [user("Hello.")]));
    samples[t].first.push(r.ttft);
    samples[t].b1 = r.bytes;
  }
}

// Long conversations: both transports turn by turn; the last turns give the turn-N figures.
for (let run = 0; run < RUNS; run++) {
  const history: Record<Transport, InputItem[]> = { websocket: [], sse: [] };
  for (let n = 1; n <= TURNS; n++) {
    const order: Transport[] = n % 2 ? ["websocket", "sse"] : ["sse", "websocket"];
    for (const t of order) {
      history[t].push(user(`Message ${n} of the conversation, with a little context.`));
      const r = await turn(t, request(`long-${t}-${run}`, history[t]));
      history[t].push(...r.items.map(toReplayItem));
      if (n > TURNS - 5) samples[t].late.push(r.ttft);
      if (n === TURNS) samples[t].bN = r.bytes;
    }
  }
}

for (const c of Object.values(clients)) c.close();
await fake.close();

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1)! };
}
const fmt = (x: { median: number; min: number; max: number }) =>
  `${x.median.toFixed(2)} ms (${x.min.toFixed(2)}–${x.max.toFixed(2)})`;

const result = {
  turns: TURNS,
  runs: RUNS,
  fresh: FRESH,
  websocket: {
    bytesTurn1: samples.websocket.b1,
    bytesTurnN: samples.websocket.bN,
    ttftTurn1: stats(samples.websocket.first),
    ttftTurnN: stats(samples.websocket.late),
  },
  sse: {
    bytesTurn1: samples.sse.b1,
    bytesTurnN: samples.sse.bN,
    ttftTurn1: stats(samples.sse.first),
    ttftTurnN: stats(samples.sse.late),
  },
};
if (values.json) console.log(JSON.stringify(result, null, 2));
else {
  const w = result.websocket, s = result.sse;
  console.log(`WebSocket vs SSE against the fake (loopback), ${TURNS}-turn conversations ×${RUNS}`);
  console.log(`bytes sent, turn 1:     ws ${w.bytesTurn1}  sse ${s.bytesTurn1}`);
  console.log(
    `bytes sent, turn ${TURNS}:   ws ${w.bytesTurnN}  sse ${s.bytesTurnN}  (ratio ${
      (w.bytesTurnN / s.bytesTurnN).toFixed(3)
    })`,
  );
  console.log(`first token, turn 1:   ws ${fmt(w.ttftTurn1)}  sse ${fmt(s.ttftTurn1)}`);
  console.log(
    `first token, turn ${TURNS}: ws ${fmt(w.ttftTurnN)}  sse ${fmt(s.ttftTurnN)}  (ratio ${
      (w.ttftTurnN.median / s.ttftTurnN.median).toFixed(2)
    })`,
  );
}

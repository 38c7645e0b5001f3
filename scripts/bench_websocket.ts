// WebSocket vs SSE, side by side against the fake on loopback: bytes the client sends per
// request and time to the first text delta, at turn 1 (a fresh conversation: a new
// connection), at turn N of long conversations, and with 2 KB of new input per turn. Both
// transports run in the same process, alternating turn by turn; once under Deno on the
// sources, once under Node 24 on the built npm package (`deno task build:npm` first; the
// fake's WebSocket endpoint needs `ws`, installed into npm/ when missing). Absolute times
// vary by machine; the bytes do not.
//
//   deno run -A scripts/bench_websocket.ts [--turns 200] [--runs 3] [--fresh 20] [--no-node] [--json]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { ResponsesClient } from "../src/codex/client.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";
import { benchWebSocket } from "./_bench_websocket_run.mjs";

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "200" },
    runs: { type: "string", default: "3" },
    fresh: { type: "string", default: "20" },
    "no-node": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(
    "Usage: deno run -A scripts/bench_websocket.ts [--turns N] [--runs N] [--fresh N] [--no-node] [--json]",
  );
  process.exit(0);
}
const options = {
  turns: Number(values.turns),
  runs: Number(values.runs),
  fresh: Number(values.fresh),
};

type Stats = { median: number; min: number; max: number };
type Side = {
  bytesTurn1: number;
  bytesTurnN: number;
  ttftTurn1: Stats;
  ttftTurnN: Stats;
  ttft2KiB: Stats;
};
type Result = { runtime: string; turns: number; websocket: Side; sse: Side };

const results: Result[] = [
  // Deno's own WebSocket, forced (`auto` does not pick it: see webSocketStalls).
  await benchWebSocket({ ResponsesClient, reply, startFakeBackend }, {
    ...options,
    webSocket: globalThis.WebSocket,
  }),
];

if (!values["no-node"]) {
  const npm = new URL("../npm", import.meta.url).pathname;
  if (!existsSync(join(npm, "dist", "mod.js"))) {
    throw new Error("npm/ is not built: run `deno task build:npm` first (or pass --no-node).");
  }
  if (!existsSync(join(npm, "node_modules", "ws"))) {
    const i = spawnSync("npm", ["install", "--no-save", "--no-package-lock", "ws@^8.18.0"], {
      cwd: npm,
      stdio: "inherit",
    });
    if (i.status !== 0) throw new Error("could not install ws into npm/");
  }
  const runner = new URL("./_bench_websocket_run.mjs", import.meta.url).pathname;
  const r = spawnSync("npx", ["-y", "node@24", runner, npm, JSON.stringify(options)], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`the Node run failed:\n${r.stderr}`);
  results.push(JSON.parse(r.stdout.trim().split("\n").at(-1)!));
}

if (values.json) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const fmt = (x: Stats) => `${x.median.toFixed(2)} ms (${x.min.toFixed(2)}–${x.max.toFixed(2)})`;
  for (const { runtime, turns, websocket: w, sse: s } of results) {
    console.log(`\nWebSocket vs SSE against the fake (loopback), ${runtime}`);
    console.log(`bytes sent, turn 1:            ws ${w.bytesTurn1}  sse ${s.bytesTurn1}`);
    console.log(
      `bytes sent, turn ${turns}:          ws ${w.bytesTurnN}  sse ${s.bytesTurnN}  (${
        (w.bytesTurnN / s.bytesTurnN).toFixed(3)
      }×)`,
    );
    console.log(`first token, turn 1:           ws ${fmt(w.ttftTurn1)}  sse ${fmt(s.ttftTurn1)}`);
    console.log(
      `first token, turn ${turns}:         ws ${fmt(w.ttftTurnN)}  sse ${fmt(s.ttftTurnN)}  (${
        (w.ttftTurnN.median / s.ttftTurnN.median).toFixed(2)
      }×)`,
    );
    console.log(`first token, 2 KB new input:   ws ${fmt(w.ttft2KiB)}  sse ${fmt(s.ttft2KiB)}`);
  }
}

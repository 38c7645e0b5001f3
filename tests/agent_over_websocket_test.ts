// The agent's own tests (compaction, model switch, retries, cancellation, tools) once more with
// the client on the WebSocket transport. Deno's `auto` picks SSE (see webSocketStalls), so
// without this run the agent would only meet the WebSocket in websocket_test.ts and under
// Node and Bun (runtimes_test.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";

const ROOT = new URL("..", import.meta.url).pathname;

test("agent over WebSocket: the agent's tests pass with CODEX_TRANSPORT=websocket", () => {
  const r = spawnSync(process.execPath, ["test", "--allow-all", "--parallel", "src/agent/"], {
    cwd: ROOT,
    env: { ...process.env, CODEX_TRANSPORT: "websocket", NO_COLOR: "1" },
    encoding: "utf8",
  });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out.slice(-4000));
  const m = out.match(/ok \| (\d+) passed \| 0 failed/);
  assert.ok(m && Number(m[1]) >= 25, out.slice(-2000));
});

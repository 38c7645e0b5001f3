import assert from "node:assert/strict";
import { test } from "node:test";
import { longSession } from "./_long_session.ts";

test("long session: 500 turns in a small window never hit the context limit; a turn-3 fact is answered at turn 500", async () => {
  const r = await longSession({ turns: 500, contextWindow: 8_000 });
  assert.deepEqual(r.errors, []);
  assert.equal(r.turns, 500);
  assert.ok(r.compactions >= 5, `compacted ${r.compactions} times`);
  assert.ok(r.maxInputTokens <= r.contextWindow, `max ${r.maxInputTokens} tokens`);
  assert.equal(r.lastAnswer, "The launch code is ZEBRA-42.");
  console.log(
    `500 turns: ${r.compactions} compactions, largest request ${r.maxRequestBytes} B (${r.maxInputTokens} of ${r.contextWindow} tokens), last ${r.lastRequestBytes} B, ${
      r.seconds.toFixed(1)
    } s`,
  );
});

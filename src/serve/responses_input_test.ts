import assert from "node:assert/strict";
import { test } from "node:test";
import type { InputItem } from "../codex/types.ts";
import { ResponseMemory } from "./responses_input.ts";

const msg = (text: string): InputItem => ({
  type: "message",
  role: "user",
  content: [{ type: "input_text", text }],
});

test("response memory: keeps the most recently used within its count and byte budget", () => {
  const memory = new ResponseMemory(3, 10_000);
  for (const id of ["a", "b", "c"]) memory.set(id, { input: [msg(id)], output: [] });
  assert.ok(memory.get("a")); // now the most recently used
  memory.set("d", { input: [msg("d")], output: [] });
  assert.equal(memory.get("b"), undefined, "the least recently used went first");
  assert.ok(memory.get("a") && memory.get("c") && memory.get("d"));

  // A big image-laden conversation pushes older ones out, never the newest.
  const big = msg("x".repeat(9_000));
  memory.set("e", { input: [big], output: [] });
  assert.ok(memory.get("e"));
  assert.ok(memory.bytes <= 10_000, `${memory.bytes} bytes counted`);
  assert.equal(memory.get("a"), undefined);
  memory.set("f", { input: [msg("y".repeat(20_000))], output: [] });
  assert.ok(memory.get("f"), "one over the budget is still kept: it is the one being continued");
  assert.equal(memory.get("e"), undefined);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { TerminalRenderer } from "./render.ts";

const sink = () => {
  const parts: string[] = [];
  return { parts, write: (t: string) => void parts.push(t), text: () => parts.join("") };
};
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wait for `cond` (up to 3 s: timers may run late on a loaded machine). */
async function until(cond: () => boolean) {
  for (const end = Date.now() + 3000; !cond() && Date.now() < end;) await wait(20);
  assert.ok(cond());
}

test("render: a terminal shows a spinner with the time while the model thinks or a tool runs", async () => {
  const out = sink();
  const err = sink();
  const ui = new TerminalRenderer(out, err, true);
  ui.busy("thinking");
  await until(() => /thinking \ds/.test(err.text()));
  ui.event({ type: "text_delta", delta: "Hello" });
  assert.ok(err.text().endsWith("\r\x1b[K"), "the spinner line is cleared before output");
  const after = err.parts.length;
  await wait(250);
  assert.equal(err.parts.length, after, "no spinner while text streams");
  ui.event({ type: "tool_start", callId: "c1", name: "bash", arguments: '{"command":"ls"}' });
  await until(() => /running bash \ds/.test(err.text()));
  ui.event({ type: "tool_end", callId: "c1", name: "bash", ok: true, summary: "ok", output: "" });
  await until(() => /thinking/.test(err.parts.at(-1)!));
  ui.event({
    type: "done",
    text: "",
    rounds: 2,
    usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
    stopReason: "answered",
  });
  const done = err.parts.length;
  await wait(250);
  assert.equal(err.parts.length, done, "stopped at the end of the turn");
});

test("render: no spinner when the output is not a terminal", async () => {
  const err = sink();
  const ui = new TerminalRenderer(sink(), err, false);
  ui.busy("thinking");
  await wait(450);
  assert.equal(err.text(), "");
  ui.error("aborted", "cancelled");
});

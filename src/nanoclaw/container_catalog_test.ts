// The container on the 2026 service: the catalog picks the model, a retired one recovers
// (the answer still arrives), and a group's conversation compacts instead of dying.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { InputItem } from "../codex/types.ts";
import { FAKE_MODELS, item, reply, withContextWindow } from "../testing/mod.ts";
import { withContainer } from "./_test_rig.ts";

const message = (text: string) => `<messages><message sender="Ann">${text}</message></messages>`;

test("container: no model configured means the catalog's default; the answer arrives", () =>
  withContainer(async ({ fake, start, input }) => {
    fake.enqueue(reply.text("Hi Ann."));
    const run = start(input());
    assert.equal(await run.done, 0, run.log());
    assert.equal(fake.responsesRequests()[0].body!.model, "gpt-6.1-sol");
    assert.equal(run.outputs()[0].result, "Hi Ann.");
  }));

test("container: a configured retired model answers on its replacement, with one log line", () =>
  withContainer(async ({ fake, start, input, tokens }) => {
    fake.enqueue(reply.text("Still here."));
    const run = start(input({
      secrets: {
        CODEX_ACCESS_TOKEN: tokens.access_token,
        CODEX_ACCOUNT_ID: tokens.account_id,
        CODEX_MODEL: "gpt-5.1-codex",
      },
    }));
    assert.equal(await run.done, 0, run.log());
    assert.equal(run.outputs()[0].result, "Still here.");
    assert.equal(run.log().split("\n").filter((l) => /no longer offered/.test(l)).length, 1);
    assert.match(run.log(), /'gpt-5\.1-codex' is no longer offered; using gpt-6\.1-sol instead/);
  }));

test("container: a model retired between container runs continues the chat on its upgrade", () =>
  withContainer(async ({ fake, start, input, tokens }) => {
    const secrets = {
      CODEX_ACCESS_TOKEN: tokens.access_token,
      CODEX_ACCOUNT_ID: tokens.account_id,
      CODEX_MODEL: "gpt-5.5",
    };
    fake.enqueue(reply.text("Noted."), reply.text("Tuesday."));
    const first = start(input({ secrets, prompt: message("Dentist is Tuesday") }));
    assert.equal(await first.done, 0, first.log());
    fake.retire("gpt-5.5");
    const sessionId = first.outputs()[0].newSessionId!;
    const second = start(input({ secrets, sessionId, prompt: message("When is the dentist?") }));
    assert.equal(await second.done, 0, second.log());
    assert.equal(second.outputs()[0].result, "Tuesday.");
    assert.match(second.log(), /continuing on gpt-6-sol \(its named upgrade\)/);
    const sent = fake.responsesRequests().map((r) => [r.body!.model, r.status]);
    assert.deepEqual(sent, [["gpt-5.5", 200], ["gpt-5.5", 400], ["gpt-6-sol", 200]]);
    assert.equal(second.outputs()[0].newSessionId, sessionId, "the same conversation");
  }));

test("container: a busy group's conversation compacts; the next container continues from it", () =>
  withContainer(
    async ({ fake, start, input }) => {
      let sessionId: string | undefined;
      let compacted = false;
      for (let i = 0; i < 30 && !compacted; i++) {
        fake.enqueue(reply.text(`Answer ${i}: ${"fine words ".repeat(60)}`));
        const text = i === 0 ? "Please remember: the wifi password is tulip7." : `message ${i}`;
        const run = start(input({ sessionId, prompt: message(text) }));
        assert.equal(await run.done, 0, run.log());
        sessionId = run.outputs()[0].newSessionId;
        compacted = /context compacted/.test(run.log());
      }
      assert.ok(compacted, "compacted within 30 messages");
      assert.equal(fake.compactionRequests().length, 1);
      fake.enqueue(reply.text("tulip7"));
      const next = start(input({ sessionId, prompt: message("What is the wifi password?") }));
      assert.equal(await next.done, 0, next.log());
      const req = fake.responsesRequests().at(-1)!;
      const types = (req.body!.input as InputItem[]).map((i) => i.type);
      const at = types.indexOf("compaction");
      assert.ok(at > 0 && types.slice(0, at).every((t) => t === "message"), types.join(","));
      assert.match(fake.visibleText(req), /the wifi password is tulip7/);
      assert.ok(fake.responsesRequests().every((r) => r.status === 200));
    },
    { models: withContextWindow(FAKE_MODELS, 6_000) },
  ));

test("container: bash sees neither this process (which holds the token) nor the sessions", () =>
  withContainer(async ({ fake, start, input, sessions, tokens }) => {
    fake.enqueue(
      reply.items([
        item.call("bash", {
          command:
            `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done; ls -a ${sessions}; grep -rl ${
              tokens.access_token.slice(0, 40)
            } /proc/*/environ 2>/dev/null; echo end`,
        }, "probe"),
      ]),
      reply.text("done"),
    );
    const run = start(input());
    assert.equal(await run.done, 0, run.log());
    const out = (fake.responsesRequests()[1].body!.input as InputItem[])
      .find((i) => i.type === "function_call_output");
    assert.ok(out?.type === "function_call_output");
    const body = out.output.slice(out.output.indexOf("Output:\n") + 8);
    assert.doesNotMatch(body, /deno|node|container/, "only the command's own processes");
    assert.doesNotMatch(body, /\.jsonl/, "the sessions folder is empty to bash");
    assert.match(body, /end\n$/);
  }));

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { buildBody, buildHeaders, toReplayItem } from "./request.ts";

const req = {
  model: "gpt-5.5",
  instructions: "Be useful.",
  conversationId: "conv-1",
  input: [
    {
      type: "message" as const,
      role: "user" as const,
      id: "msg_1",
      content: [{ type: "input_text" as const, text: "hi" }],
    },
    { type: "reasoning" as const, id: "rs_1", summary: [], encrypted_content: "ENC" },
    {
      type: "function_call" as const,
      id: "fc_1",
      status: "completed",
      call_id: "c1",
      name: "bash",
      arguments: "{}",
    },
  ],
};

test("request: body has the fields the backend requires, ids stripped", () => {
  const body = buildBody({ ...req, effort: "high" });
  assert.equal(body.store, false);
  assert.equal(body.stream, true);
  assert.equal(body.tool_choice, "auto");
  assert.equal(body.parallel_tool_calls, true);
  assert.deepEqual(body.include, ["reasoning.encrypted_content"]);
  assert.equal(body.prompt_cache_key, "conv-1");
  assert.deepEqual(body.reasoning, { effort: "high", summary: "auto" });
  assert.equal(body.instructions, "Be useful.");
  for (const it of body.input) assert.equal("id" in it, false);
  assert.equal("status" in body.input[2], false);
  assert.equal((body.input[1] as { encrypted_content: string }).encrypted_content, "ENC");
  assert.equal("temperature" in body, false);
  assert.equal("max_output_tokens" in body, false);
  assert.equal("text" in body, false);
});

test("request: without an effort, reasoning carries only the summary (as the 0.169 CLI sends)", () => {
  assert.deepEqual(buildBody(req).reasoning, { summary: "auto" });
});

test("request: the body's keys are the captured Codex CLI's (minus its client metadata)", async () => {
  const ref = JSON.parse(
    await readFile(
      new URL("../../tests/fixtures/codex-cli-request.json", import.meta.url),
      "utf8",
    ),
  );
  const ours = new Set(Object.keys(buildBody(req)));
  for (const k of Object.keys(ref.body)) {
    if (k === "client_metadata") continue;
    assert.ok(ours.has(k), `we send ${k} like the CLI`);
  }
  assert.equal(ref.body.store, false);
});

test("request: headers", () => {
  const creds = { accessToken: "AT", accountId: "acct" };
  const hd = buildHeaders(creds, {
    ua: "ua/1",
    request: { ...req, conversationId: "conv-1", compactions: 2, serviceTier: "priority" },
  });
  assert.equal(hd.authorization, "Bearer AT");
  assert.equal(hd["chatgpt-account-id"], "acct");
  assert.equal(hd.originator, "codex_cli_rs");
  assert.equal(hd.version, "0.169.0");
  assert.equal(hd.accept, "text/event-stream");
  assert.equal(hd["session-id"], "conv-1");
  assert.equal(hd["session_id"], "conv-1");
  // As the 0.169 CLI sends them (captures c3a, c5b).
  assert.equal(hd["x-codex-beta-features"], "remote_compaction_v2");
  assert.equal(hd["x-codex-window-id"], "conv-1:2");
  assert.equal(hd["x-codex-routing-hint"], `model=${req.model};tier=priority`);
  // The catalog request carries only the identifying headers (capture c1a).
  const cat = buildHeaders(creds, { ua: "ua/1" });
  assert.deepEqual(Object.keys(cat).sort(), [
    "authorization",
    "chatgpt-account-id",
    "originator",
    "user-agent",
    "version",
  ]);
});

test("request: ultra goes on the wire as max; the service tier is sent", () => {
  const body = buildBody({ ...req, effort: "ultra", serviceTier: "priority" });
  assert.equal(body.reasoning?.effort, "max");
  assert.equal(body.service_tier, "priority");
});

test("request: a compaction item keeps its id on replay", () => {
  const c = { type: "compaction" as const, id: "cmp_1", encrypted_content: "x" };
  assert.deepEqual(toReplayItem(c), c);
});

test("request: toReplayItem keeps everything but id and status", () => {
  assert.deepEqual(toReplayItem(req.input[2]), {
    type: "function_call",
    call_id: "c1",
    name: "bash",
    arguments: "{}",
  });
});

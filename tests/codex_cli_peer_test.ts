// The fake backend is faithful enough for the real Codex CLI: `codex exec` completes a turn
// with a tool call against it, and `codex login status` reads an auth.json we wrote.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { describeTokens, toCodexAuthJson } from "../src/auth/token_file.ts";
import type { InputItem } from "../src/codex/types.ts";
import { defaultModel } from "../src/codex/models.ts";
import { type FakeBackend, item, reply, startFakeBackend } from "../src/testing/mod.ts";
import { codexCliBin } from "./_codex_cli.ts";

function run(bin: string, args: string[], env: Record<string, string>, cwd: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(bin, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `codex exec --json PROMPT` with a CODEX_HOME holding our auth.json and `config` lines. */
async function codexExec(
  fake: FakeBackend,
  config: string[],
  prompt: string,
  { webSocket = false } = {},
) {
  const home = await mkdtemp(join(tmpdir(), "cp-codex-home-"));
  const work = await mkdtemp(join(tmpdir(), "cp-codex-work-"));
  try {
    const tokens = describeTokens(fake.issueTokens({ accountId: "acct-123" }));
    await writeFile(join(home, "auth.json"), JSON.stringify(toCodexAuthJson(tokens)), {
      mode: 0o600,
    });
    await writeFile(
      join(home, "config.toml"),
      [
        ...config,
        `model_provider = "fake"`,
        `[model_providers.fake]`,
        `name = "fake"`,
        `base_url = "${fake.baseUrl}"`,
        `wire_api = "responses"`,
        `requires_openai_auth = true`,
        ...(webSocket ? [`supports_websockets = true`] : []),
      ].join("\n") + "\n",
    );
    const r = await run(
      codexCliBin(),
      [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--disable",
        "apps",
        "-c",
        "analytics.enabled=false",
        // With bubblewrap on the machine the CLI would sandbox its own tool calls with it and
        // fail them ("bwrap: execvp codex-linux-sandbox"): its sandbox stays off here.
        "--sandbox",
        "danger-full-access",
        prompt,
      ],
      { CODEX_HOME: home },
      work,
    );
    assert.equal(r.code, 0, `codex exec failed:\n${r.stdout}\n${r.stderr}`);
    return r;
  } finally {
    await rm(home, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
}

test("codex CLI 0.169 completes `codex exec` with a tool call against the fake", async () => {
  // The 0.169 CLI sends no `instructions` (its prompt travels as developer messages; see
  // tests/fixtures/codex-cli-request.json), so the fake runs with that rule here.
  const fake = await startFakeBackend({ instructions: "optional" });
  try {
    fake.enqueue(
      reply.items([
        item.reasoning("thinking 1"),
        item.call("exec_command", { cmd: "echo hi-from-tool" }),
      ]),
      reply.text("all done"),
    );
    const r = await codexExec(fake, [`model = "gpt-5.5"`], "run echo");
    const events = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const message = events.find((e) => e.item?.type === "agent_message");
    assert.equal(message?.item.text, "all done");
    const exec = events.find((e) =>
      e.type === "item.completed" && e.item?.type === "command_execution"
    );
    assert.match(exec?.item.aggregated_output ?? "", /hi-from-tool/);

    const posts = fake.responsesRequests();
    assert.deepEqual(posts.map((p) => p.status), [200, 200]);
    assert.equal(posts[0].headers["chatgpt-account-id"], "acct-123");
    const second = posts[1].body!.input as InputItem[];
    const rs = second.find((i) => i.type === "reasoning");
    const call = second.find((i) => i.type === "function_call");
    const out = second.find((i) => i.type === "function_call_output");
    assert.ok(rs?.type === "reasoning" && rs.encrypted_content?.startsWith("enc_"));
    assert.ok(call?.type === "function_call" && out?.type === "function_call_output");
    assert.equal(out.call_id, call.call_id);
    assert.match(out.output, /hi-from-tool/);
  } finally {
    await fake.close();
  }
});

test("codex CLI 0.169 completes a tool call over the fake's WebSocket endpoint", async () => {
  // A custom provider streams over WebSocket when it says it supports them (the built-in one
  // always tries): the real client's frames against the fake's strict endpoint.
  const fake = await startFakeBackend({ instructions: "optional" });
  try {
    fake.enqueue(
      reply.items([item.call("exec_command", { cmd: "echo hi-over-ws" })]),
      reply.text("all done"),
    );
    const r = await codexExec(fake, [`model = "gpt-5.5"`], "run echo", { webSocket: true });
    const events = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    assert.equal(events.find((e) => e.item?.type === "agent_message")?.item.text, "all done");
    assert.deepEqual(fake.webSocketUpgrades().map((u) => u.status), [101]);
    const frames = fake.responsesRequests();
    assert.deepEqual(frames.map((f) => [f.method, f.status]), [["WS", 200], ["WS", 200], [
      "WS",
      200,
    ]]);
    // As captured (c4a): a prewarm, the turn on top of it, then only the tool's output.
    const [prewarm, first, second] = frames.map((f) => f.frame!);
    assert.equal(prewarm.generate, false);
    assert.ok(typeof first.previous_response_id === "string");
    assert.ok(typeof second.previous_response_id === "string");
    const delta = second.input as InputItem[];
    assert.deepEqual(delta.map((i) => i.type), ["function_call_output"]);
    assert.match((delta[0] as { output: string }).output, /hi-over-ws/);
    // The fake joined the connection's history: the call and its output, paired.
    const seen = frames[2].body!.input as InputItem[];
    const call = seen.find((i) => i.type === "function_call");
    assert.ok(call?.type === "function_call");
    assert.equal((delta[0] as { call_id: string }).call_id, call.call_id);
  } finally {
    await fake.close();
  }
});

test("codex CLI 0.169 with no model configured picks the same default from our catalog as we do", async () => {
  const fake = await startFakeBackend({ instructions: "optional" });
  try {
    fake.enqueue(reply.text("hello from the default"));
    const r = await codexExec(fake, [], "say hi");
    assert.match(r.stdout, /hello from the default/);
    const [post] = fake.responsesRequests();
    assert.equal(post.status, 200);
    assert.equal(post.body!.model, defaultModel(fake.models)!.slug);
    assert.equal(post.body!.model, "gpt-6.1-sol");
  } finally {
    await fake.close();
  }
});

test("codex CLI reads an auth.json written in its format by us (`codex login status`)", async () => {
  const bin = codexCliBin();
  const fake = await startFakeBackend();
  const home = await mkdtemp(join(tmpdir(), "cp-codex-home-"));
  try {
    const tokens = describeTokens(fake.issueTokens());
    await writeFile(join(home, "auth.json"), JSON.stringify(toCodexAuthJson(tokens)), {
      mode: 0o600,
    });
    const r = await run(bin, ["login", "status"], { CODEX_HOME: home }, home);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /Logged in using ChatGPT/);
  } finally {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
});

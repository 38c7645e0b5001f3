import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { toCodexAuthJson, writeTokenFile } from "../src/auth/token_file.ts";
import { describeTokens } from "../src/auth/token_file.ts";
import type { InputItem } from "../src/codex/types.ts";
import { fault, item, reply } from "../src/testing/mod.ts";
import { withCli } from "./_agent_cli.ts";
import { contentText } from "../src/codex/items.ts";

test("agent CLI: a one-shot task with tools, sandboxed, as JSON lines", () =>
  withCli(async ({ fake, run, workspace }) => {
    await writeFile(join(workspace, "in.txt"), "42\n");
    fake.enqueue(
      reply.items([
        item.call("read_file", { path: "in.txt" }),
        item.call("bash", { command: "echo hi > out.txt" }),
      ]),
      reply.text("Read 42, wrote out.txt."),
    );
    const r = await run(["--json", "do it"]);
    assert.equal(r.code, 0, r.stderr);
    const session = r.events[0];
    assert.equal(session.type, "session");
    assert.equal(session.sandboxed, true, "the task relaunched itself under narrow flags");
    const types = r.events.map((e) => e.type);
    assert.deepEqual(types.filter((t) => t === "tool_start" || t === "tool_end"), [
      "tool_start",
      "tool_start",
      "tool_end",
      "tool_end",
    ]);
    const done = r.events.at(-1)!;
    assert.equal(done.type, "done");
    assert.equal(done.text, "Read 42, wrote out.txt.");
    assert.equal(await readFile(join(workspace, "out.txt"), "utf8"), "hi\n");
  }));

test("agent CLI: terminal output streams text, one line per tool, and a usage line", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(
      reply.items([item.reasoning("hmm"), item.call("list_files", {})]),
      reply.text("Empty folder."),
    );
    const r = await run(["look"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hmm/);
    assert.match(r.stdout, /▸ list_files \./);
    assert.match(r.stdout, /✓ list_files: 0 entries/);
    assert.match(r.stdout, /Empty folder\./);
    assert.match(r.stderr, /tokens: \d+ in .* out .* 5h limit 13% · weekly 30%/);
    assert.match(r.stderr, /sandboxed/);
  }));

test("agent CLI: --resume continues the conversation; 'last' finds the newest", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(
      reply.text("Noted: blue."),
      reply.text("You said blue."),
      reply.text("Still blue."),
    );
    const first = await run(["--json", "My favourite colour is blue."]);
    const id = first.events[0].id as string;
    const second = await run(["--json", "--resume", id, "What is my favourite colour?"]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.events[0].resumed, true);
    const texts = (fake.responsesRequests()[1].body!.input as InputItem[])
      .flatMap((i) => (i.type === "message" ? [contentText(i)] : []));
    assert.deepEqual(texts, [
      "My favourite colour is blue.",
      "Noted: blue.",
      "What is my favourite colour?",
    ]);
    const third = await run(["--json", "--resume", "last", "And now?"]);
    assert.equal(third.events[0].id, id);
  }));

test("agent CLI: interactive mode keeps context across messages until end of input", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(reply.text("one"), reply.text("two"));
    const r = await run(["--json"], { stdin: "first\nsecond\n" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.events.filter((e) => e.type === "done").length, 2);
    assert.equal((fake.responsesRequests()[1].body!.input as InputItem[]).length, 3);
  }));

test("agent CLI: reads the Codex CLI's auth.json when we have no token file", () =>
  withCli(async ({ fake, run, home, tokens }) => {
    await mkdir(join(home, "codex"), { recursive: true });
    await writeFile(
      join(home, "codex", "auth.json"),
      JSON.stringify(toCodexAuthJson(describeTokens(tokens))),
    );
    fake.enqueue(reply.text("hello"));
    const r = await run(["--json", "hi"]);
    assert.equal(r.code, 0, r.stderr);
  }, false));

test("agent CLI: not logged in says how to log in, exit 3", () =>
  withCli(async ({ run, home }) => {
    const r = await run(["hi"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Not logged in: no token file at .*tokens\.json/);
    assert.match(r.stderr, /Log in: (?:npx -y deno@[\d.]+|deno) task login/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/, "no stack trace");
    assert.ok(home);
  }, false));

test("agent CLI: a usage limit is a clear error with the reset time, exit 4", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(
      fault.usageLimit({ resetsAt: Math.floor(Date.now() / 1000) + 3 * 3600, planType: "plus" }),
    );
    const r = await run(["hi"]);
    assert.equal(r.code, 4);
    assert.match(
      r.stderr,
      /error \(usage_limit\): You have reached your ChatGPT plus plan's Codex usage limit\. It resets at/,
    );
  }));

test("agent CLI: --help, and bad flags are usage errors (exit 2)", () =>
  withCli(async ({ run }) => {
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage:/);
    assert.match(help.stdout, /Exit codes/);
    const bad = await run(["--bogus"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /See --help/);
    const effort = await run(["--effort", "maximal", "x"]);
    assert.equal(effort.code, 2);
    assert.match(effort.stderr, /--effort must be one of/);
  }));

for (const mode of ["bwrap", "none"] as const) {
  test(`agent CLI (bash sandbox ${mode}): the token never reaches stdout, stderr, the session file, the model, or bash's env`, () =>
    withCli(async ({ fake, run, tokens, home, tokenFile }) => {
      fake.enqueue(
        reply.items([item.call("bash", { command: `env; cat ${tokenFile}` })]),
        reply.text("ok"),
      );
      const r = await run(["--json", "show env"], {
        env: {
          SOME_ACCESS_TOKEN: tokens.access_token,
          ...(mode === "none" ? { CODEX_BASH_SANDBOX: "none" } : {}),
        },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.events.find((e) => e.type === "session")!.bashSandbox, mode);
      const output = (fake.responsesRequests()[1].body!.input as InputItem[])
        .find((i) => i.type === "function_call_output");
      assert.ok(output?.type === "function_call_output");
      if (mode === "bwrap") {
        // Under the sandbox the token folder is out of sight.
        assert.match(output.output, /tokens\.json: No such file or directory/);
      } else {
        // Without it bash reads the file; the redaction step still keeps the tokens out,
        // and the notice says what protection is missing.
        assert.match(output.output, /"account_id": "acct-test"/, "the file was read");
        assert.match(output.output, /\[redacted secret\]/);
        assert.ok(
          r.events.some((e) => e.type === "notice" && /without an OS sandbox/.test(String(e.text))),
        );
      }
      const sessions = join(home, "sessions");
      const files = (await readdir(sessions)).filter((f) => f.endsWith(".jsonl"));
      const sessionText = (await Promise.all(files.map((f) => readFile(join(sessions, f), "utf8"))))
        .join("");
      for (const secret of [tokens.access_token, tokens.refresh_token, tokens.id_token]) {
        assert.ok(!r.stdout.includes(secret), "stdout");
        assert.ok(!r.stderr.includes(secret), "stderr");
        assert.ok(!sessionText.includes(secret), "session file");
        assert.ok(!output.output.includes(secret), "the model (bash output and env)");
      }
    }));
}

test("agent CLI: under the sandbox a bash timeout kills everything the command started", () =>
  withCli(async ({ fake, run }) => {
    fake.enqueue(
      reply.items([item.call("bash", { command: "sleep 120.31 & sleep 5", timeout_ms: 500 })]),
      reply.text("ok"),
    );
    const r = await run(["--json", "slow"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.events[0].sandboxed, true);
    const end = r.events.find((e) => e.type === "tool_end")!;
    assert.match(String(end.output), /Timed out after 500 ms/);
    await new Promise((res) => setTimeout(res, 200));
    const left = spawnSync("pgrep", ["-f", "^sleep 120.31$"]).status === 0;
    assert.equal(left, false, "the background sleep is gone");
  }));

test("agent CLI: an expired access token is refreshed inside the sandbox, once, and the file rotated", () =>
  withCli(async ({ fake, run, tokenFile }) => {
    const expired = fake.issueTokens({}, { ttlSeconds: -60 });
    await writeTokenFile(tokenFile, describeTokens(expired, { issuer: fake.url }));
    fake.enqueue(reply.text("fresh"));
    const r = await run(["--json", "hi"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.events[0].sandboxed, true);
    assert.equal(fake.refreshCount, 1);
    const saved = JSON.parse(await readFile(tokenFile, "utf8"));
    assert.notEqual(saved.access_token, expired.access_token);
    assert.equal(fake.responsesRequests()[0].headers.authorization, `Bearer ${saved.access_token}`);
  }));

test("agent CLI: a burned refresh token says to log in again, exit 3", () =>
  withCli(async ({ fake, run, tokenFile }) => {
    const expired = fake.issueTokens({}, { ttlSeconds: -60 });
    await writeTokenFile(tokenFile, describeTokens(expired, { issuer: fake.url }));
    fake.authority.refresh(expired.refresh_token); // spent elsewhere
    const r = await run(["hi"]);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /Your ChatGPT login is no longer valid \(refresh_token_reused\)\. Log in again: (?:npx -y deno@[\d.]+|deno) task login/,
    );
  }));

test("agent CLI: -C naming a folder that is not there is a usage error (exit 2)", () =>
  withCli(async ({ run }) => {
    const r = await run(["-C", "/nonexistent/folder", "hi"]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /error \(usage\): The workspace folder .*nonexistent\/folder does not exist/,
    );
  }));

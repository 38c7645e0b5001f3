import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { withWorkspace } from "./_test_helpers.ts";
import { BASH_OUTPUT_LIMIT, bashTool } from "./bash.ts";
import { ToolError } from "./tool.ts";

/** Running (a killed child that nobody has reaped yet is a zombie, state Z: not running). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return true;
  }
}

test("bash: runs in the workspace and reports the exit code", () =>
  withWorkspace(async (ws, _dir, ctx) => {
    const ok = await bashTool.run({ command: "pwd; echo out; echo err >&2" }, ctx);
    assert.equal(ok.ok, true);
    assert.match(ok.output, /^Exit code: 0/);
    assert.ok(ok.output.includes(ws.root));
    assert.match(ok.output, /out\nerr|err\nout/);
    const bad = await bashTool.run({ command: "exit 3" }, ctx);
    assert.equal(bad.ok, false);
    assert.match(bad.output, /^Exit code: 3/);
  }));

test("bash: a timeout kills the whole process group, background children included", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    const r = await bashTool.run(
      { command: "sleep 30 & echo $! > bg.pid; sleep 30", timeout_ms: 300 },
      ctx,
    );
    assert.equal(r.ok, false);
    assert.match(r.output, /Timed out after 300 ms/);
    const pid = Number(await readFile(join(dir, "bg.pid"), "utf8"));
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(alive(pid), false, "the background sleep was killed");
  }));

test("bash: a background process does not hold the tool after the shell exits", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    const r = await bashTool.run({ command: "sleep 60 & echo $! > bg.pid; echo started" }, ctx);
    assert.equal(r.ok, true);
    assert.match(r.output, /started/);
    const pid = Number(await readFile(join(dir, "bg.pid"), "utf8"));
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(alive(pid), false);
  }));

test("bash: cancelling the turn kills the command", () =>
  withWorkspace(async (_ws, _dir, ctx) => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 100);
    const r = await bashTool.run({ command: "sleep 30" }, { ...ctx, signal: ctl.signal });
    assert.equal(r.ok, false);
    assert.match(r.output, /Cancelled/);
  }));

test("bash: long output keeps head and tail and says what was cut", () =>
  withWorkspace(async (_ws, _dir, ctx) => {
    const r = await bashTool.run({ command: "echo FIRST; seq 1 100000; echo LAST" }, ctx);
    assert.match(r.output, /FIRST/);
    assert.match(r.output, /LAST/);
    assert.match(r.output, /bytes of output cut from the middle/);
    assert.ok(r.output.length < BASH_OUTPUT_LIMIT + 500);
  }));

test("bash: the environment is an allow-list; secrets stay out by name and by value", () =>
  withWorkspace(async (_ws, _dir, ctx) => {
    const saved = { ...process.env };
    process.env.MY_API_KEY = "k-123456789";
    process.env.CODEX_ACCESS_TOKEN = "at-123456789";
    process.env.LC_PAPER = "prefix-the-access-token-value-suffix";
    process.env.PLAIN_VAR = "visible";
    try {
      const run = () =>
        bashTool.run({ command: "env" }, { ...ctx, secrets: ["the-access-token-value"] });
      const r = await run();
      assert.doesNotMatch(r.output, /MY_API_KEY|k-123456789/);
      assert.doesNotMatch(r.output, /CODEX_ACCESS_TOKEN|at-123456789/);
      assert.doesNotMatch(
        r.output,
        /the-access-token-value/,
        "an allowed name with a secret value",
      );
      assert.doesNotMatch(r.output, /PLAIN_VAR/, "not on the allow-list");
      assert.match(r.output, /^PATH=/m);
      assert.match(r.output, /^TMPDIR=\/tmp$/m);
      process.env.CODEX_BASH_ENV = "PLAIN_VAR,MY_API_KEY";
      const more = await run();
      assert.match(more.output, /PLAIN_VAR=visible/, "named in CODEX_BASH_ENV");
      assert.doesNotMatch(more.output, /k-123456789/, "a secret-looking name never passes");
    } finally {
      for (
        const k of ["MY_API_KEY", "CODEX_ACCESS_TOKEN", "LC_PAPER", "PLAIN_VAR", "CODEX_BASH_ENV"]
      ) {
        if (saved[k] === undefined) delete process.env[k];
      }
    }
  }));

test("bash: bad arguments and a workdir outside are refused", () =>
  withWorkspace(async (_ws, _dir, ctx) => {
    await assert.rejects(bashTool.run({}, ctx), ToolError);
    await assert.rejects(bashTool.run({ command: " " }, ctx), ToolError);
    await assert.rejects(bashTool.run({ command: "ls", timeout_ms: -1 }, ctx), ToolError);
    await assert.rejects(
      bashTool.run({ command: "ls", workdir: "/" }, ctx),
      /outside the workspace/,
    );
  }));

// `deno task demo` works as the README promises: the whole loop, offline.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { test } from "node:test";

test("deno task demo: lists, reads, runs, writes and answers against the embedded fake", async () => {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
  const child = spawn(deno, ["task", "-q", "demo"], {
    cwd: new URL("..", import.meta.url).pathname,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  child.stderr.on("data", (c) => (out += c));
  const code = await new Promise((r) => child.on("close", r));
  assert.equal(code, 0, out);
  for (const tool of ["list_files", "read_file", "bash", "write_file"]) {
    assert.match(out, new RegExp(`✓ ${tool}:`), `${tool} ran`);
  }
  assert.match(out, /# 3 open items\n\n- Ship the login flow/);
  assert.match(out, /4 requests reached the fake backend/);
});

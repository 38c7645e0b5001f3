import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SessionStore } from "./session_store.ts";
import process from "node:process";
import { userMessage } from "./agent.ts";

async function withStore(fn: (store: SessionStore, dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "cp-sessions-"));
  try {
    await fn(new SessionStore(join(dir, "sessions")), join(dir, "sessions"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("sessions: create, append rounds, reopen with the same history", () =>
  withStore(async (store) => {
    const s = await store.create({ model: "m", cwd: "/w" });
    await s.append([userMessage("one")]);
    await s.append([userMessage("two"), userMessage("three")]);
    const again = await store.open(s.id);
    assert.equal(again.items.length, 3);
    assert.equal(again.meta.model, "m");
    assert.equal((await stat(s.path)).mode & 0o777, 0o600);
    assert.equal((await store.list())[0].id, s.id);
  }));

test("sessions: a torn last line (crash mid-write) is cut off; earlier rounds survive", () =>
  withStore(async (store) => {
    const s = await store.create();
    await s.append([userMessage("kept")]);
    await appendFile(s.path, '{"type":"items","at":"x","items":[{"type":"mess');
    const again = await store.open(s.id);
    assert.equal(again.items.length, 1);
    await again.append([userMessage("after")]);
    assert.equal((await store.open(s.id)).items.length, 2);
  }));

test("sessions: damaged or foreign lines are skipped with a warning; calls stay paired; bad ids are errors", () =>
  withStore(async (store) => {
    const s = await store.create();
    await s.append([userMessage("a")]);
    const call = { type: "function_call", call_id: "c1", name: "bash", arguments: "{}" };
    const out = { type: "function_call_output", call_id: "c1", output: "ok" };
    const line = (items: unknown[]) => JSON.stringify({ type: "items", at: "x", items });
    const text = await readFile(s.path, "utf8");
    await writeFile(
      s.path,
      text + "garbage\nnull\n" + '{"type":"items","items":[null]}\n' +
        line([call]) + "\n" + line([out]).slice(0, -3) + "xx}\n" + line([userMessage("b")]) + "\n",
    );
    const opened = await store.open(s.id);
    assert.deepEqual(
      opened.items.map((i) => i.type),
      ["message", "message"],
      "the lone call is dropped",
    );
    assert.equal(opened.warnings.length, 1);
    assert.match(opened.warnings[0], /skipped 4 damaged lines \(3, 4, 5, 7\)/);
    await assert.rejects(store.open("nope"), /No session 'nope'/);
    await assert.rejects(store.open("../etc/passwd"), /not a session id/);
    await assert.rejects(store.create({}, s.id), /already exists/);
  }));

test("sessions: a writer killed with SIGKILL mid-stream never corrupts what it committed", () =>
  withStore(async (store) => {
    const s = await store.create();
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
    const script = `
      const { SessionStore } = await import(${
      JSON.stringify(new URL("./session_store.ts", import.meta.url).href)
    });
      const s = await new SessionStore(${JSON.stringify(store.dir)}).open(${JSON.stringify(s.id)});
      const big = "x".repeat(20000);
      for (let i = 0; ; i++) await s.append([{ type: "message", role: "user", content: [{ type: "input_text", text: i + big }] }]);
    `;
    const [cmd, args] = deno
      ? [deno.execPath(), ["eval", script]]
      : [process.execPath, ["--input-type=module", "-e", script]];
    const child = spawn(cmd, args, { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const again = await store.open(s.id);
    assert.ok(again.items.length > 0, "the writer committed rounds before it died");
    again.items.forEach((it, i) => {
      assert.equal(
        (it as { content: { text: string }[] }).content[0].text.startsWith(String(i)),
        true,
      );
    });
  }));

// `deno task serve` as a person runs it (the task's own command line from deno.json), in a
// temporary home, against the fake backend, with the official `openai` SDK as the caller.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import OpenAI from "openai";
import denoJson from "../deno.json" with { type: "json" };
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { type FakeBackend, reply, startFakeBackend } from "../src/testing/mod.ts";
import { taskCommand } from "./_agent_cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  /** The first stdout line (the start-up), or everything if the process ended first. */
  first: string;
  stdout(): string;
  stderr(): string;
  exit(): Promise<number | null>;
}

function start(args: string[], env: Record<string, string | undefined>): Promise<Started> {
  const [cmd, pre] = taskCommand(denoJson.tasks.serve.command, env, ROOT);
  const child = spawn(cmd, [...pre, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  child.stderr!.on("data", (c) => (err += c));
  return new Promise((resolve) => {
    const started = (first: string) =>
      resolve({ child, first, stdout: () => out, stderr: () => err, exit: () => exited });
    child.stdout!.on("data", (c) => {
      out += c;
      if (out.includes("\n")) started(out.slice(0, out.indexOf("\n")));
    });
    exited.then(() => started(out));
  });
}

async function withHome(
  fn: (
    o: { fake: FakeBackend; env: Record<string, string | undefined>; home: string },
  ) => Promise<void>,
  login = true,
) {
  const home = await mkdtemp(join(tmpdir(), "cp-serve-cli-"));
  const fake = await startFakeBackend({ fallback: reply.text("served") });
  if (login) {
    await writeTokenFile(
      join(home, "tokens.json"),
      describeTokens(fake.issueTokens({ planType: "plus" }), { issuer: fake.url }),
    );
  }
  const env: Record<string, string | undefined> = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("CODEX_"))),
    CODEX_BASE_URL: fake.baseUrl,
    CODEX_AUTH_ISSUER: fake.url,
    CODEX_PROVIDER_HOME: home,
    CODEX_HOME: join(home, "codex"),
    NO_COLOR: "1",
  };
  try {
    await fn({ fake, env, home });
  } finally {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
}

test("serve CLI: the first start makes a 0600 key and prints it; the SDK works with it; SIGTERM stops it", () =>
  withHome(async ({ fake, env, home }) => {
    const s = await start(["--port", "0", "--json"], env);
    const info = JSON.parse(s.first);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.equal(info.auth, true);
    assert.equal(info.key_file, join(home, "serve-key"));
    assert.match(info.key, /^sk-codex-[\w-]{40,}$/);
    assert.equal((await stat(info.key_file)).mode & 0o777, 0o600);
    assert.equal((await readFile(info.key_file, "utf8")).trim(), info.key);
    assert.equal(info.plan, "plus");
    assert.ok(info.models.includes("gpt-5.5"));

    const sdk = new OpenAI({ baseURL: info.url, apiKey: info.key });
    const c = await sdk.chat.completions.create({
      model: "gpt-5.5",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(c.choices[0].message.content, "served");
    assert.equal(fake.responsesRequests().length, 1);

    // By pid: Deno's ChildProcess.kill() reports the signal it sent as the exit status.
    process.kill(s.child.pid!, "SIGTERM");
    assert.equal(await s.exit(), 0, s.stderr());
    const log = s.stderr().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(log.some((l) => /^POST \/v1\/chat\/completions 200/.test(l.message)), s.stderr());
    assert.doesNotMatch(s.stderr(), new RegExp(info.key), "the key is not in the log");

    // A later start keeps the key and does not print it; --print-key does.
    const again = await start(["--port", "0"], env);
    assert.match(
      again.first,
      /^codex-provider serve .*: http:\/\/127\.0\.0\.1:\d+\/v1 \(ChatGPT plus\)$/,
    );
    process.kill(again.child.pid!, "SIGINT");
    assert.equal(await again.exit(), 0);
    assert.doesNotMatch(again.stdout(), new RegExp(info.key));
    assert.match(again.stdout(), /--print-key shows it/);
    const printed = await start(["--print-key"], env);
    assert.equal(await printed.exit(), 0);
    assert.equal(printed.stdout().trim(), info.key);
  }));

test("serve CLI: refuses --no-auth off loopback, bad flags, and says how to log in", () =>
  withHome(async ({ env }) => {
    const open = await start(["--no-auth", "--host", "0.0.0.0"], env);
    assert.equal(await open.exit(), 2);
    assert.match(open.stderr(), /--no-auth is for loopback only/);
    const bad = await start(["--bogus"], env);
    assert.equal(await bad.exit(), 2);
    assert.match(bad.stderr(), /unknown option '--bogus'/);
    const port = await start(["--port", "http"], env);
    assert.equal(await port.exit(), 2);
    assert.match(port.stderr(), /--port takes a number/);
    const help = await start(["--help"], env);
    assert.equal(await help.exit(), 0);
    assert.match(help.stdout(), /POST \/v1\/chat\/completions/);
    assert.match(help.stdout(), /task serve/);
    const noLogin = await start(["--port", "0"], env);
    assert.equal(await noLogin.exit(), 3, noLogin.stderr());
    assert.match(noLogin.stderr(), /task login/);
    assert.doesNotMatch(noLogin.stderr(), /\n\s+at /, "no stack trace");
  }, false));

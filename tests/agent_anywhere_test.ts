// The agent as a command that works in any folder: by path (as the JSR entry runs it, no
// deno.json around) and as the npm bin under Node (`npx nanoclaw-codex-provider agent`).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.stdin.end();
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function withFolder(
  fn: (o: {
    folder: string;
    env: Record<string, string>;
    login(): Promise<void>;
    fake: Awaited<ReturnType<typeof startFakeBackend>>;
  }) => Promise<void>,
) {
  const root = await mkdtemp(join(tmpdir(), "cp-anywhere-"));
  const folder = join(root, "project");
  await mkdir(folder);
  const fake = await startFakeBackend();
  const home = join(root, "home");
  const env: Record<string, string> = {
    ...process.env as Record<string, string>,
    CODEX_BASE_URL: fake.baseUrl,
    CODEX_AUTH_ISSUER: fake.url,
    CODEX_PROVIDER_HOME: home,
    CODEX_HOME: join(root, "codex"),
    NO_COLOR: "1",
  };
  delete env.CODEX_TOKEN_FILE;
  delete env.INIT_CWD; // where `deno task` was started: this test starts elsewhere
  try {
    await fn({
      folder,
      env,
      fake,
      login: () =>
        writeTokenFile(
          join(home, "tokens.json"),
          describeTokens(fake.issueTokens(), { issuer: fake.url }),
        ),
    });
  } finally {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
}

test("agent anywhere: by path from a folder with no deno.json, it answers", () =>
  withFolder(async ({ folder, env, fake, login }) => {
    await login();
    fake.enqueue(reply.text("answered from elsewhere"));
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
    const r = await run(
      deno,
      [
        "run",
        "--allow-read",
        "--allow-env",
        "--allow-run",
        join(ROOT, "src/cli/agent.ts"),
        "hello",
      ],
      folder,
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /answered from elsewhere/);
  }));

test("agent anywhere: the npm bin runs the agent under Node and names its own login", () =>
  withFolder(async ({ folder, env, fake, login }) => {
    const bin = join(ROOT, "npm/dist/cli.js");
    const out = await run("node", [bin, "agent", "hello"], folder, env);
    assert.equal(out.code, 3, out.stderr);
    assert.match(out.stderr, /npx nanoclaw-codex-provider login --token-file \S*tokens\.json/);
    assert.doesNotMatch(out.stderr, /deno task/);
    const help = await run("node", [bin, "agent", "--help"], folder, env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /npx nanoclaw-codex-provider agent \[options\] "prompt"/);
    assert.doesNotMatch(help.stdout, /deno task/);

    await login();
    fake.enqueue(reply.text("answered under node"));
    const r = await run("node", [bin, "agent", "hello"], folder, env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /answered under node/);
  }));

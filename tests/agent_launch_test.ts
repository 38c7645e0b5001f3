// How `deno task agent` starts: under the task's own narrow flags when the run uses the
// default paths (no relaunch, one Deno start), under flags computed for the run otherwise.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import denoJson from "../deno.json" with { type: "json" };
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";
import { taskCommand } from "./_agent_cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const denoDir = JSON.parse(
  spawnSync(process.execPath, ["info", "--json"], { encoding: "utf8" }).stdout,
).denoDir as string;
/** This environment without our variables (the run decides them). */
const outside = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(CODEX_|XDG_CONFIG_HOME$)/.test(k)),
);

async function launch(where: "default" | "elsewhere") {
  const root = await mkdtemp(join(tmpdir(), "cp-launch-"));
  const fake = await startFakeBackend({ fallback: reply.text("ok") });
  try {
    const home = join(root, "home");
    const workspace = join(root, "work");
    await mkdir(workspace, { recursive: true });
    // The default paths under this HOME, or our folder elsewhere (CODEX_PROVIDER_HOME).
    const provider = where === "default"
      ? join(home, ".config", "codex-provider")
      : join(root, "elsewhere");
    const tokens = describeTokens(fake.issueTokens(), { issuer: fake.url });
    await writeTokenFile(join(provider, "tokens.json"), tokens);
    const env: Record<string, string | undefined> = {
      ...outside,
      // Deno's cache stays where it is (under HOME it would be fetched anew).
      DENO_DIR: denoDir,
      HOME: home,
      INIT_CWD: workspace, // as deno task sets it: where the person ran the task
      CODEX_BASE_URL: fake.baseUrl,
      CODEX_AUTH_ISSUER: fake.url,
      ...(where === "elsewhere" ? { CODEX_PROVIDER_HOME: provider } : {}),
      NO_COLOR: "1",
    };
    const [cmd, args] = taskCommand(denoJson.tasks.agent.command, env, workspace);
    const child = spawn(cmd, [...args, "--json", "hi"], { cwd: ROOT, env, stdio: "pipe" });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const code = await new Promise((r) => child.on("close", r));
    assert.equal(code, 0, err);
    const session = JSON.parse(out.split("\n")[0]);
    const sessionFile = join(provider, "sessions", `${session.id}.jsonl`);
    return { session, launcher: child.pid, saved: await readFile(sessionFile, "utf8") };
  } finally {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
}

test("launch: with the default paths the task's flags are the sandbox (no relaunch)", async () => {
  const r = await launch("default");
  assert.equal(r.session.sandboxed, true);
  assert.equal(r.session.pid, r.launcher, "the agent is the process the task started");
  assert.match(r.saved, /"ok"/);
});

test("launch: our folder elsewhere is outside the task's flags: a relaunch under computed ones", async () => {
  const r = await launch("elsewhere");
  assert.equal(r.session.sandboxed, true);
  assert.notEqual(r.session.pid, r.launcher, "a child agent under flags for this run");
  assert.match(r.saved, /"ok"/);
});

test("launch: an already confined process still cannot read or write outside its lists", async () => {
  // The check itself: broad grants (the disk, another host) are never taken for confined.
  const { alreadyConfined } = await import("../src/cli/relaunch.ts");
  const granted = new Set(["read:/w", "write:/w", "net:chatgpt.com"]);
  const perms = (extra: string[]) =>
    ({
      permissions: {
        querySync: (d: Deno.PermissionDescriptor) => {
          const key = `${d.name}:${"path" in d ? d.path : "host" in d ? d.host : ""}`;
          return { state: granted.has(key) || extra.includes(key) ? "granted" : "prompt" };
        },
      },
    }) as unknown as Pick<typeof Deno, "permissions">;
  const needs = { read: ["/w"], write: ["/w"], hosts: ["chatgpt.com"] };
  assert.equal(alreadyConfined(perms([]), needs), true);
  assert.equal(alreadyConfined(perms(["read:/"]), needs), false);
  assert.equal(alreadyConfined(perms(["net:example.com:443"]), needs), false);
  assert.equal(alreadyConfined(perms([]), { ...needs, read: ["/w", "/other"] }), false);
});

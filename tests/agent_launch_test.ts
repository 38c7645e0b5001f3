// How `deno task agent` starts: under the task's own narrow flags when the run uses the
// default paths (no relaunch, one Deno start), under flags computed for the run otherwise.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import denoJson from "../deno.json" with { type: "json" };
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { type FakeStep, item, reply, startFakeBackend } from "../src/testing/mod.ts";
import { homeEnv, taskCommand } from "./_agent_cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;

async function launch(where: "default" | "elsewhere", steps: FakeStep[] = []) {
  const root = await mkdtemp(join(tmpdir(), "cp-launch-"));
  const fake = await startFakeBackend({ fallback: reply.text("ok") });
  fake.enqueue(...steps);
  try {
    const home = join(root, "home");
    const workspace = join(root, "work");
    await mkdir(workspace, { recursive: true });
    // The default paths under this HOME, or our folder elsewhere (CODEX_PROVIDER_HOME).
    const provider = where === "default"
      ? join(home, ".config", "codex-provider")
      : join(root, "elsewhere");
    const tokens = describeTokens(fake.issueTokens(), { issuer: fake.url });
    const tokenFile = join(provider, "tokens.json");
    await writeTokenFile(tokenFile, tokens);
    const env: Record<string, string | undefined> = {
      ...homeEnv(home),
      INIT_CWD: workspace, // as deno task sets it: where the person ran the task
      CODEX_BASE_URL: fake.baseUrl,
      CODEX_AUTH_ISSUER: fake.url,
      ...(where === "elsewhere" ? { CODEX_PROVIDER_HOME: provider } : {}),
      NO_COLOR: "1",
    };
    const [cmd, args] = taskCommand(denoJson.tasks.agent.command, env, workspace);
    const prompt = steps.length ? `use ${tokenFile}` : "hi";
    const child = spawn(cmd, [...args, "--json", prompt], { cwd: ROOT, env, stdio: "pipe" });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const code = await new Promise((r) => child.on("close", r));
    assert.equal(code, 0, err);
    const session = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
      .find((e) => e.type === "session");
    const sessionFile = join(provider, "sessions", `${session.id}.jsonl`);
    const sent = fake.responsesRequests().map((r) => JSON.stringify(r.body?.input)).join("\n");
    // What bash printed in base64 (redaction knows only the literal tokens), decoded.
    let seen = `${sent}\n${out}`;
    // (JSON escapes such as \n would otherwise glue a letter to the base64.)
    for (const b64 of seen.replaceAll("\\n", " ").match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []) {
      seen += `\n${atob(b64.slice(0, b64.length - (b64.length % 4)))}`;
    }
    return {
      session,
      launcher: child.pid,
      saved: await readFile(sessionFile, "utf8"),
      // Any 24 characters of a token past the JWT header (which every token shares) count.
      leaked: [tokens.access_token.slice(40), tokens.refresh_token].some((t) => {
        for (let i = 0; i + 24 <= t.length; i += 12) {
          if (seen.includes(t.slice(i, i + 24))) return true;
        }
        return false;
      }),
      sent,
    };
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

test("launch: under the task's own flags the tools still cannot read the token file", async () => {
  // The attack suite's first moves, on the path without a relaunch: the file tools and bash.
  const r = await launch("default", [
    reply.items([
      item.call("read_file", { path: "../home/.config/codex-provider/tokens.json" }),
      item.call("bash", { command: "base64 -w0 ~/.config/codex-provider/tokens.json; env" }),
    ]),
    reply.text("done"),
  ]);
  assert.equal(r.session.pid, r.launcher, "no relaunch");
  assert.equal(r.leaked, false, "a token reached the model or the output");
  assert.match(r.sent, /outside the workspace|not found|No such file/i);
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

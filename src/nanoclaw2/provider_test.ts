import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeTokens, writeTokenFile } from "../auth/token_file.ts";
import type { InputItem } from "../codex/types.ts";
import { type FakeBackend, item, reply, startFakeBackend } from "../testing/mod.ts";
import { codexContainerConfig } from "./host.ts";
import { CodexProvider } from "./provider.ts";
import type { ProviderEvent } from "./types.ts";
import { contentText } from "../codex/items.ts";

const SERVER = new URL("./_mcp_test_server.ts", import.meta.url).pathname;

interface Rig {
  fake: FakeBackend;
  dir: string;
  cwd: string;
  outbox: string;
  provider: () => CodexProvider;
  config: ReturnType<typeof codexContainerConfig>;
}

async function withRig(
  fn: (r: Rig) => Promise<void>,
  login = true,
  extraEnv: Record<string, string> = {},
) {
  const dir = await mkdtemp(join(tmpdir(), "cp-nc2-"));
  const fake = await startFakeBackend();
  const cwd = join(dir, "agent");
  await mkdir(cwd, { recursive: true });
  if (login) {
    await writeTokenFile(
      join(dir, "data", "codex-tokens.json"),
      describeTokens(fake.issueTokens(), { issuer: fake.url }),
    );
  }
  const config = codexContainerConfig({ root: dir, log: () => {} });
  const outbox = join(dir, "outbox.jsonl");
  const deno = (globalThis as { Deno: { execPath(): string } }).Deno.execPath();
  try {
    await config.refresher.renew();
    // What the container gets: the mounted folder and the environment.
    const spawn = config({ sessionDir: join(dir, "s"), agentGroupId: "g", hostEnv: {} });
    await fn({
      fake,
      dir,
      cwd,
      outbox,
      config,
      provider: () =>
        new CodexProvider({
          assistantName: "Andy",
          env: {
            ...spawn.env,
            CODEX_ACCESS_DIR: spawn.mounts![0].hostPath, // the mount, as the container sees it
            CODEX_BASE_URL: fake.baseUrl,
            CODEX_SESSION_DIR: join(dir, "home", "sessions"),
            PATH: "/usr/bin:/bin",
            ...extraEnv,
          },
          mcpServers: {
            nanoclaw: {
              command: deno,
              args: ["run", "-A", "--quiet", SERVER],
              env: { OUTBOX: outbox },
            },
          },
        }, () => {}),
    });
  } finally {
    await config.refresher.stop(); // a renewal in flight would write into dir as it goes
    await fake.close();
    // A child (the MCP server, a token lock's holder) may still be letting go of a file.
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }
}

/** Events until `n` results (then `end()`), or the end. */
async function collect(
  q: ReturnType<CodexProvider["query"]>,
  n: number,
  onResult?: (i: number) => void,
): Promise<ProviderEvent[]> {
  const evs: ProviderEvent[] = [];
  let results = 0;
  for await (const ev of q.events) {
    evs.push(ev);
    if (ev.type === "result") {
      onResult?.(results);
      if (++results >= n) q.end();
    }
  }
  return evs;
}

test("nanoclaw2: a query runs a turn, with MCP tools; events are init, activity, progress, result", () =>
  withRig(async ({ fake, provider, cwd, outbox }) => {
    fake.enqueue(
      reply.items([item.call("mcp__nanoclaw__send_message", { text: "on it" })]),
      reply.text('<message to="family">All done.</message>'),
    );
    const q = provider().query({
      prompt: "<messages><message sender='Ann'>hi</message></messages>",
      cwd,
      systemContext: { instructions: "Your destinations: family." },
    });
    const evs = await collect(q, 1);
    assert.equal(evs[0].type, "activity");
    const init = evs.find((e) => e.type === "init");
    assert.ok(init?.type === "init" && init.continuation);
    assert.ok(
      evs.some((e) => e.type === "progress" && e.message === "mcp__nanoclaw__send_message"),
    );
    assert.deepEqual(evs.filter((e) => e.type === "result"), [
      { type: "result", text: '<message to="family">All done.</message>' },
    ]);
    assert.ok(evs.filter((e) => e.type === "activity").length > 3, "activity on engine events");
    assert.equal((await readFile(outbox, "utf8")).trim(), '{"text":"on it"}');
    const body = fake.responsesRequests()[0].body!;
    assert.match(String(body.instructions), /Your destinations: family\./);
    const names = (body.tools as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes("bash") && names.includes("mcp__nanoclaw__send_message"));
    const out = (fake.responsesRequests()[1].body!.input as InputItem[])
      .find((i) => i.type === "function_call_output");
    assert.ok(out?.type === "function_call_output" && out.output === "Message sent.");
  }));

test("nanoclaw2: pushed messages start the next turn; the continuation resumes the conversation", () =>
  withRig(async ({ fake, provider, cwd }) => {
    fake.enqueue(reply.text("first"), reply.text("second"), reply.text("third"));
    const p = provider();
    const q = p.query({ prompt: "one", cwd });
    const evs = await collect(q, 2, (i) => i === 0 && q.push("two"));
    const results = evs.flatMap((e) => (e.type === "result" ? [e.text] : []));
    assert.deepEqual(results, ["first", "second"]);
    const id = (evs.find((e) => e.type === "init") as { continuation: string }).continuation;
    const again = p.query({ prompt: "three", cwd, continuation: id });
    const more = await collect(again, 1);
    assert.deepEqual(more.find((e) => e.type === "init"), { type: "init", continuation: id });
    const input = fake.responsesRequests().at(-1)!.body!.input as InputItem[];
    const texts = input.flatMap((i) => (i.type === "message" ? [contentText(i)] : []));
    assert.deepEqual(texts, ["one", "first", "two", "second", "three"]);
  }));

test("nanoclaw2: an unknown continuation is an invalid session, as the poll loop asks", () =>
  withRig(async ({ provider, cwd }) => {
    const p = provider();
    let caught: unknown;
    try {
      await collect(p.query({ prompt: "x", cwd, continuation: "gone-123" }), 1);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught && p.isSessionInvalid(caught));
    assert.equal(p.isSessionInvalid(new Error("other")), false);
  }));

test("nanoclaw2: abort stops a running turn", () =>
  withRig(async ({ fake, provider, cwd }) => {
    fake.enqueue(reply.items([item.call("bash", { command: "sleep 20" })]));
    const q = provider().query({ prompt: "wait", cwd });
    const t0 = Date.now();
    const evs: ProviderEvent[] = [];
    for await (const ev of q.events) {
      evs.push(ev);
      if (ev.type === "progress" && ev.message === "bash") setTimeout(() => q.abort(), 100);
    }
    assert.ok(Date.now() - t0 < 10_000);
    assert.ok(!evs.some((e) => e.type === "result"));
  }));

test("nanoclaw2 host: five spawns at once, one refresh; no refresh token is handed over", () =>
  withRig(async ({ fake, dir, config }) => {
    // Expired tokens: the host refreshes once, whatever the number of spawns.
    const expired = fake.issueTokens({}, { ttlSeconds: -60 });
    await writeTokenFile(
      join(dir, "data", "codex-tokens.json"),
      describeTokens(expired, { issuer: fake.url }),
    );
    const before = fake.refreshCount;
    const spawns = Array.from(
      { length: 5 },
      () => config({ sessionDir: dir, agentGroupId: "g", hostEnv: { CODEX_MODEL: "gpt-6-sol" } }),
    );
    await config.refresher.renew();
    assert.equal(fake.refreshCount - before, 1);
    assert.ok(spawns.every((s) => s.env!.CODEX_MODEL === "gpt-6-sol"));
    const handed = await readFile(join(spawns[0].mounts![0].hostPath, "access.json"), "utf8");
    const saved = JSON.parse(await readFile(join(dir, "data", "codex-tokens.json"), "utf8"));
    assert.ok(!handed.includes(saved.refresh_token) && !handed.includes(expired.refresh_token));
    assert.equal(JSON.parse(handed).access_token, saved.access_token);
    assert.ok(spawns.every((s) => s.mounts![0].readonly));
  }));

test("nanoclaw2: a lost login reaches the chat as a clear message naming the command", () =>
  withRig(async ({ provider, cwd }) => {
    let caught: Error | undefined;
    const evs: ProviderEvent[] = [];
    try {
      for await (const ev of provider().query({ prompt: "hi", cwd }).events) evs.push(ev);
    } catch (e) {
      caught = e as Error;
    }
    assert.match(
      caught?.message ?? "",
      /NanoClaw is not logged in to ChatGPT\. On the NanoClaw host, log in again: npx nanoclaw-codex-provider login/,
    );
  }, false));

/** Processes whose environment holds `marker` (Linux /proc). */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    const env = await readFile(`/proc/${pid}/environ`, "utf8").catch(() => "");
    if (env.includes(marker)) pids.push(Number(pid));
  }
  return pids;
}

test("nanoclaw2: a start that fails after the MCP servers are up leaves none running", () =>
  withRig(async ({ provider, dir, outbox }) => {
    const p = provider();
    for (let i = 0; i < 2; i++) { // a failed start is tried again on the next query
      await assert.rejects(async () => {
        for await (const _ of p.query({ prompt: "hi", cwd: join(dir, "no-such-folder") }).events);
      });
    }
    const deadline = Date.now() + 2000;
    let left = await processesWith(`OUTBOX=${outbox}`);
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      left = await processesWith(`OUTBOX=${outbox}`);
    }
    assert.deepEqual(left, [], "MCP server processes left behind");
  }));

test("nanoclaw2: without an OS sandbox, bash reading the handed-off token gets it redacted", () =>
  withRig(
    async ({ fake, provider, cwd, dir }) => {
      const file = join(dir, "data", "codex-access", "access.json");
      fake.enqueue(
        reply.items([item.call("bash", { command: `cat ${file}` })]),
        reply.text("done"),
      );
      const q = provider().query({ prompt: "show the token", cwd });
      await collect(q, 1);
      const token = JSON.parse(await readFile(file, "utf8")).access_token;
      const out = (fake.responsesRequests()[1].body!.input as InputItem[])
        .find((i) => i.type === "function_call_output");
      assert.ok(out?.type === "function_call_output");
      assert.ok(!out.output.includes(token), out.output.slice(0, 200));
    },
    true,
    { CODEX_BASH_SANDBOX: "none" },
  ));

// The npm package on the other runtimes it promises: its own tests under Node 22 and 24 (Node
// binaries from the npm registry, like the quick start's Deno), and the library's agent under
// Bun against the fake. (The NanoClaw 2 container provider runs under Bun in
// nanoclaw2_runner_test.ts.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { bunBin } from "./_nanoclaw2_runner.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const NPM = join(ROOT, "npm");

function run(cmd: string, args: string[], cwd: string) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("close", (code) => resolve({ code, out }));
    child.on("error", (e) => resolve({ code: -1, out: String(e) }));
  });
}

/**
 * The fake's WebSocket endpoint needs `ws` (the package's optional peer), as a user of the
 * package's `./testing` installs it; without it the fake refuses upgrades and clients use SSE.
 */
let wsInstalled: Promise<void> | undefined;
function installWs(): Promise<void> {
  return wsInstalled ??= (async () => {
    if (existsSync(join(NPM, "node_modules", "ws", "package.json"))) return;
    const r = await run("npm", [
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "ws@^8.18.0",
    ], NPM);
    assert.equal(r.code, 0, r.out);
  })();
}

for (const version of ["22", "24"]) {
  test(`runtimes: the npm package's own tests pass under Node ${version}`, async () => {
    await installWs();
    const files = (await readdir(join(NPM, "test"))).filter((f) => f.endsWith(".test.mjs"));
    assert.ok(files.length >= 3, "npm/ is not built: run `deno task build:npm` first");
    const r = await run("npx", [
      "-y",
      `node@${version}`,
      "--test",
      ...files.map((f) => `test/${f}`),
    ], NPM);
    assert.equal(r.code, 0, r.out.slice(-3000));
    assert.match(r.out, /\bfail 0\b/);
    assert.match(r.out, /\bpass [1-9]\d*\b/);
  });
}

const RUNTIMES: [string, () => string[]][] = [
  ["Bun", () => [bunBin()]],
  ["Node 22", () => ["npx", "-y", "node@22"]],
  ["Node 24", () => ["npx", "-y", "node@24"]],
];

for (const [runtime, command] of RUNTIMES) {
  test(`runtimes: under ${runtime} the library runs the agent against the fake, over WebSocket`, async () => {
    await installWs();
    const dir = await mkdtemp(join(tmpdir(), "cp-lib-"));
    try {
      const script = join(dir, "agent.mjs");
      await writeFile(
        script,
        `import { Agent, DEFAULT_TOOLS, ResponsesClient, selectModel, SessionStore, ToolSet, Workspace }
  from ${JSON.stringify(join(NPM, "dist/mod.js"))};
import { item, reply, startFakeBackend } from ${JSON.stringify(join(NPM, "dist/testing.js"))};
import { writeFile } from "node:fs/promises";
await writeFile(${JSON.stringify(join(dir, "notes.txt"))}, "bun was here");
const fake = await startFakeBackend();
const t = fake.issueTokens();
fake.enqueue(reply.items([item.call("read_file", { path: "notes.txt" })]), reply.text("read it"));
const client = new ResponsesClient({
  baseUrl: fake.baseUrl,
  credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
});
const agent = new Agent({
  client, catalog: client.catalog, model: selectModel(await client.catalog.load(), {}).model.slug,
  instructions: "Test.", tools: new ToolSet(DEFAULT_TOOLS),
  workspace: await Workspace.open(${JSON.stringify(dir)}),
  session: await new SessionStore(${JSON.stringify(join(dir, "sessions"))}).create(),
});
let text = "";
for await (const ev of agent.run("read notes.txt")) if (ev.type === "text_delta") text += ev.delta;
const reqs = fake.responsesRequests();
const sent = JSON.stringify(reqs[1].body.input);
client.close();
await fake.close();
console.log(JSON.stringify({
  runtime: typeof Bun === "undefined" ? "node" : "bun",
  text,
  toolSaw: sent.includes("bun was here"),
  methods: reqs.map((r) => r.method),
  upgrades: fake.webSocketUpgrades().length,
  // The second request carried only the tool's output; the connection had the rest.
  delta: reqs[1].frame?.input?.map((i) => i.type),
}));
`,
      );
      const [cmd, ...pre] = command();
      const r = await run(cmd, [...pre, script], dir);
      assert.equal(r.code, 0, r.out);
      const last = JSON.parse(r.out.trim().split("\n").pop()!);
      assert.deepEqual(last, {
        runtime: runtime === "Bun" ? "bun" : "node",
        text: "read it",
        toolSaw: true,
        methods: ["WS", "WS"],
        upgrades: 1,
        delta: ["function_call_output"],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test("runtimes: under Bun the serve handler mounts in Bun.serve and streams a chat completion", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cp-bun-serve-"));
  try {
    const script = join(dir, "serve.mjs");
    await writeFile(
      script,
      `import { createServeHandler, ResponsesClient } from ${
        JSON.stringify(join(NPM, "dist/mod.js"))
      };
import { reply, startFakeBackend } from ${JSON.stringify(join(NPM, "dist/testing.js"))};
const fake = await startFakeBackend({ fallback: reply.text("bun serves") });
const t = fake.issueTokens();
const client = new ResponsesClient({
  baseUrl: fake.baseUrl,
  credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
});
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: createServeHandler({ client, apiKey: "sk-bun-test-key" }) });
const res = await fetch(\`http://127.0.0.1:\${server.port}/v1/chat/completions\`, {
  method: "POST",
  headers: { authorization: "Bearer sk-bun-test-key", "content-type": "application/json" },
  body: JSON.stringify({ model: "gpt-5.5", stream: true, messages: [{ role: "user", content: "hi" }] }),
});
const body = await res.text();
const text = body.split("\\n").filter((l) => l.startsWith("data: {"))
  .map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? "").join("");
server.stop(true);
client.close();
await fake.close();
console.log(JSON.stringify({ status: res.status, text, done: body.includes("data: [DONE]") }));
`,
    );
    const r = await run(bunBin(), [script], dir);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(JSON.parse(r.out.trim().split("\n").pop()!), {
      status: 200,
      text: "bun serves",
      done: true,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

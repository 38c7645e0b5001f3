// The npm bin's `serve` under Node (the package's own runtime for it): Node's http server
// behind the adapter, a streamed and a whole chat completion, the models list, the key.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { describeTokens, writeTokenFile } from "nanoclaw-codex-provider";
import { reply, startFakeBackend } from "nanoclaw-codex-provider/testing";

const PKG = fileURLToPath(new URL("..", import.meta.url));

test("package: `nanoclaw-codex-provider serve` answers OpenAI's API under Node", async () => {
  const home = await mkdtemp(join(tmpdir(), "cp-node-serve-"));
  const fake = await startFakeBackend({ fallback: reply.text("served by node") });
  const tokenFile = join(home, "tokens.json");
  await writeTokenFile(tokenFile, describeTokens(fake.issueTokens(), { issuer: fake.url }));
  const child = spawn(process.execPath, [
    join(PKG, "dist/cli.js"),
    "serve",
    "--port",
    "0",
    "--json",
  ], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      CODEX_PROVIDER_HOME: home,
      CODEX_TOKEN_FILE: tokenFile,
      CODEX_BASE_URL: fake.baseUrl,
      CODEX_AUTH_ISSUER: fake.url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (c) => (err += c));
  const exited = new Promise((r) => child.on("close", (code) => r(code)));
  try {
    const first = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c) => {
        out += c;
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
      exited.then(() => reject(new Error(`serve ended: ${err}`)));
    });
    const info = JSON.parse(first);
    const headers = { authorization: `Bearer ${info.key}`, "content-type": "application/json" };
    const models = await (await fetch(`${info.url}/models`, { headers })).json();
    assert.ok(models.data.some((m) => m.id === "gpt-5.5"));
    const whole = await fetch(`${info.url}/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "gpt-5.5", messages: [{ role: "user", content: "hi" }] }),
    }).then((r) => r.json());
    assert.equal(whole.choices[0].message.content, "served by node");
    const streamed = await fetch(`${info.url}/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: "gpt-5.5",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    assert.match(streamed.headers.get("content-type"), /text\/event-stream/);
    const text = (await streamed.text()).split("\n").filter((l) => l.startsWith("data: {"))
      .map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? "").join("");
    assert.equal(text, "served by node");
    const refused = await fetch(`${info.url}/models`);
    assert.equal(refused.status, 401);
    child.kill("SIGTERM");
    assert.equal(await exited, 0, err);
  } finally {
    child.kill();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  }
});

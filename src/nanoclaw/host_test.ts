import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { describeTokens, writeTokenFile } from "../auth/token_file.ts";
import { type FakeBackend, startFakeBackend } from "../testing/mod.ts";
import { createCodexPlugin } from "./host.ts";

async function withNanoClaw(
  fn: (
    ctx: { root: string; fake: FakeBackend; logs: string[]; env: Record<string, string> },
  ) => Promise<void>,
) {
  const root = await mkdtemp(join(tmpdir(), "cp-nanoclaw-host-"));
  const fake = await startFakeBackend({ deviceIntervalSeconds: 0.1 });
  const logs: string[] = [];
  try {
    await fn({ root, fake, logs, env: { CODEX_AUTH_ISSUER: fake.url } });
  } finally {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function login(root: string, fake: FakeBackend, ttlSeconds?: number) {
  const t = fake.issueTokens({ accountId: "acct-nano" }, { ttlSeconds });
  await writeTokenFile(
    join(root, "data", "codex-tokens.json"),
    describeTokens(t, { issuer: fake.url }),
  );
  return t;
}

test("host: the plugin's shape, and isAuthenticated from data/codex-tokens.json", () =>
  withNanoClaw(async ({ root, fake, env }) => {
    const plugin = createCodexPlugin({ root, env });
    assert.equal(plugin.name, "codex");
    assert.equal(plugin.containerProvider, "provider-codex.ts");
    assert.equal(plugin.isAuthenticated(), false);
    await login(root, fake);
    assert.equal(plugin.isAuthenticated(), true);
  }));

test("host: getSecrets gives the token, account and the model settings (environment over .env)", () =>
  withNanoClaw(async ({ root, fake, env }) => {
    const t = await login(root, fake);
    await writeFile(
      join(root, ".env"),
      'ASSISTANT_NAME=Andy\nCODEX_MODEL="gpt-6-sol"\nCODEX_REASONING_EFFORT=high\n',
    );
    const secrets = await createCodexPlugin({
      root,
      env: { ...env, CODEX_REASONING_EFFORT: "low" },
    }).getSecrets();
    assert.deepEqual(secrets, {
      CODEX_ACCESS_TOKEN: t.access_token,
      CODEX_ACCOUNT_ID: "acct-nano",
      CODEX_MODEL: "gpt-6-sol",
      CODEX_REASONING_EFFORT: "low",
    });
  }));

test("host: five overlapping spawns with an expired token cause one refresh", () =>
  withNanoClaw(async ({ root, fake, env }) => {
    await login(root, fake, -60);
    const plugin = createCodexPlugin({ root, env });
    const all = await Promise.all(Array.from({ length: 5 }, () => plugin.getSecrets()));
    assert.equal(fake.tokenRequests().length, 1);
    assert.equal(new Set(all.map((s) => s.CODEX_ACCESS_TOKEN)).size, 1);
    const saved = JSON.parse(await readFile(join(root, "data", "codex-tokens.json"), "utf8"));
    assert.equal(saved.access_token, all[0].CODEX_ACCESS_TOKEN);
  }));

test("host: a dead login is a clear error for the chat, logged without the token", () =>
  withNanoClaw(async ({ root, fake, env, logs }) => {
    const t = await login(root, fake, -60);
    fake.authority.refresh(t.refresh_token);
    const secrets = await createCodexPlugin({ root, env, log: (l) => logs.push(l) }).getSecrets();
    assert.deepEqual(Object.keys(secrets), ["CODEX_AUTH_ERROR"]);
    assert.match(
      secrets.CODEX_AUTH_ERROR,
      /no longer valid \(refresh_token_reused\)\. On the NanoClaw host, log in again: npx tsx setup\/index\.ts --step codex-auth/,
    );
    assert.equal(logs.length, 1);
    assert.ok(!secrets.CODEX_AUTH_ERROR.includes(root), "the chat never sees a host path");
    for (const l of logs) assert.ok(!l.includes(t.refresh_token) && !l.includes(t.access_token));
  }));

test("host: never logged in: the chat is told to log in, without the host's token path", () =>
  withNanoClaw(async ({ root, env, logs }) => {
    const secrets = await createCodexPlugin({ root, env, log: (l) => logs.push(l) }).getSecrets();
    assert.equal(
      secrets.CODEX_AUTH_ERROR,
      "NanoClaw is not logged in to ChatGPT. On the NanoClaw host, log in again: npx tsx setup/index.ts --step codex-auth",
    );
    assert.match(logs[0], /codex-tokens\.json/, "the host's log names the file");
  }));

test("host: setup() signs in with a device code where there is no display, into data/codex-tokens.json", () =>
  withNanoClaw(async ({ root, fake, env, logs }) => {
    const saved = {
      DISPLAY: process.env.DISPLAY,
      WAYLAND_DISPLAY: process.env.WAYLAND_DISPLAY,
      BROWSER: process.env.BROWSER,
    };
    for (const k of Object.keys(saved)) delete process.env[k];
    await mkdir(join(root, "data"));
    try {
      const plugin = createCodexPlugin({ root, env, log: (l) => logs.push(l) });
      const approve = (async () => {
        while (!fake.authority.pendingDeviceCodes().length) {
          await new Promise((r) => setTimeout(r, 20));
        }
        await fake.approveDevice(fake.authority.pendingDeviceCodes()[0]);
      })();
      await plugin.setup();
      await approve;
      assert.equal(plugin.isAuthenticated(), true);
      assert.match(
        logs.join("\n"),
        /signing in with a device code[\s\S]*signed in as person@example\.com \(ChatGPT plus\)/,
      );
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
    }
  }));

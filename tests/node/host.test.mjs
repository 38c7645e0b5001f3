// The host plugin, as NanoClaw's host imports it, under Node.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import plugin, { createCodexPlugin } from "nanoclaw-codex-provider/host";
import { describeTokens, writeTokenFile } from "nanoclaw-codex-provider";
import { startFakeBackend } from "nanoclaw-codex-provider/testing";

test("host: the default export is NanoClaw's ProviderPlugin", () => {
  assert.equal(plugin.name, "codex");
  assert.equal(plugin.containerProvider, "provider-codex.ts");
  for (const f of ["getSecrets", "isAuthenticated", "setup"]) {
    assert.equal(typeof plugin[f], "function");
  }
  assert.equal(typeof plugin.isAuthenticated(), "boolean");
});

test("host: getSecrets from a logged-in store; five overlapping spawns refresh once", async () => {
  const root = await mkdtemp(join(tmpdir(), "nanoclaw-host-"));
  const fake = await startFakeBackend({ tokenDelayMs: 100 });
  try {
    const t = fake.issueTokens({ accountId: "acct-node" }, { ttlSeconds: -60 });
    await writeTokenFile(
      join(root, "data", "codex-tokens.json"),
      describeTokens(t, { issuer: fake.url }),
    );
    const p = createCodexPlugin({
      root,
      env: { CODEX_AUTH_ISSUER: fake.url, CODEX_MODEL: "gpt-6-sol" },
    });
    assert.equal(p.isAuthenticated(), true);
    const all = await Promise.all(Array.from({ length: 5 }, () => p.getSecrets()));
    assert.equal(fake.tokenRequests().length, 1);
    assert.equal(new Set(all.map((s) => s.CODEX_ACCESS_TOKEN)).size, 1);
    assert.notEqual(all[0].CODEX_ACCESS_TOKEN, t.access_token);
    assert.equal(all[0].CODEX_ACCOUNT_ID, "acct-node");
    assert.equal(all[0].CODEX_MODEL, "gpt-6-sol");
  } finally {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
});

// Eight processes with an expired access token ask for a token at once: exactly one refresh
// request reaches the server, and all eight end with the new token.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeTokens, readTokenFile, writeTokenFile } from "../src/auth/token_file.ts";
import { startFakeBackend } from "../src/testing/mod.ts";
import { output, worker } from "./_processes.ts";

const PROCESSES = 8;

async function storm(mode: string) {
  const dir = await mkdtemp(join(tmpdir(), "cp-storm-"));
  // A slow token endpoint widens the window in which processes overlap.
  const fake = await startFakeBackend({ tokenDelayMs: 300 });
  try {
    const old = fake.issueTokens({}, { ttlSeconds: -60 });
    const path = join(dir, "tokens.json");
    await writeTokenFile(path, describeTokens(old, { issuer: fake.url }));
    const results = await Promise.all(
      Array.from({ length: PROCESSES }, () => output(worker(mode, path, fake.url))),
    );
    return { results, fake, old, path, file: await readTokenFile(path, "") };
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

test(`refresh storm: ${PROCESSES} processes, one refresh request, all end with the new token`, async () => {
  const { results, fake, old, file } = await storm("fresh");
  for (const r of results) assert.equal(r.code, 0, r.err);
  const tokens = results.map((r) => r.out);
  assert.equal(fake.tokenRequests().length, 1, "exactly one refresh request reached the server");
  assert.equal(fake.refreshCount, 1);
  assert.equal(new Set(tokens).size, 1, `all ${PROCESSES} got the same token`);
  assert.notEqual(tokens[0], old.access_token);
  assert.equal(tokens[0], file.access_token, "and it is the one in the file");
});

test("refresh storm without the store: the fake reproduces the burned grant", async () => {
  const { results, fake } = await storm("raw-refresh");
  assert.ok(fake.tokenRequests().length > 1);
  assert.equal(results.filter((r) => r.out === "refreshed").length, 1);
  assert.ok(results.some((r) => r.out === "error:refresh_token_reused"));
});

// A process killed with SIGKILL mid-write leaves the previous valid file; a lock left by a
// killed process is recovered.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeTokens, readTokenFile, writeTokenFile } from "../src/auth/token_file.ts";
import { TokenStore } from "../src/auth/token_store.ts";
import { startFakeBackend } from "../src/testing/mod.ts";
import { output, printed, worker } from "./_processes.ts";

async function setup(ttlSeconds: number) {
  const dir = await mkdtemp(join(tmpdir(), "cp-crash-"));
  const fake = await startFakeBackend();
  const path = join(dir, "tokens.json");
  await writeTokenFile(
    path,
    describeTokens(fake.issueTokens({}, { ttlSeconds }), { issuer: fake.url }),
  );
  return {
    dir,
    fake,
    path,
    done: async () => {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test("crash safety: SIGKILL in the middle of rewriting leaves a whole, valid token file", async () => {
  const { fake, path, done } = await setup(3600);
  try {
    for (let round = 0; round < 3; round++) {
      const w = worker("write-loop", path, fake.url);
      const exited = output(w);
      await printed(w, "writing");
      await new Promise((r) => setTimeout(r, 150 + round * 100));
      w.kill("SIGKILL");
      await exited;
      const t = await readTokenFile(path, "");
      assert.ok(t.access_token && t.refresh_token, "the file parses and holds tokens");
    }
  } finally {
    await done();
  }
});

test("crash safety: a lock held by a process killed with SIGKILL is recovered", async () => {
  const { fake, path, dir, done } = await setup(-60);
  try {
    const w = worker("hold-lock", path, fake.url);
    const exited = output(w);
    await printed(w, "locked");
    w.kill("SIGKILL");
    await exited;
    assert.ok((await readdir(dir)).includes("tokens.json.lock"), "the dead process left its lock");
    const t = await new TokenStore({ path }).getFresh();
    assert.equal(fake.refreshCount, 1);
    assert.equal(t.access_token, (await readTokenFile(path, "")).access_token);
    assert.ok(!(await readdir(dir)).includes("tokens.json.lock"), "and the lock is gone after");
  } finally {
    await done();
  }
});

test("crash safety: a lock whose holder cannot be checked is taken over once it is old", async () => {
  const { path, done } = await setup(-60);
  try {
    // pid 0 cannot be looked up; the lock's age decides.
    await writeFile(
      `${path}.lock`,
      JSON.stringify({ pid: 0, nonce: "x", at: Date.now() - 60_000 }),
    );
    const t = await new TokenStore({ path, lock: { staleMs: 30_000 } }).getFresh();
    assert.ok(t.access_token);
  } finally {
    await done();
  }
});

test("crash safety: a fresh lock held by a live process makes others wait, then time out clearly", async () => {
  const { fake, path, done } = await setup(-60);
  const w = worker("hold-lock", path, fake.url);
  const exited = output(w);
  try {
    await printed(w, "locked");
    await assert.rejects(
      new TokenStore({ path, lock: { timeoutMs: 300 } }).getFresh(),
      /Another process \(pid \d+\) has held .*tokens\.json\.lock for too long/,
    );
    assert.equal(fake.tokenRequests().length, 0);
  } finally {
    w.kill("SIGKILL");
    await exited;
    await done();
  }
});

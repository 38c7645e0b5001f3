// A process killed with SIGKILL mid-write leaves the previous valid file; a lock left by a
// killed process is recovered.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { describeTokens, readTokenFile, writeTokenFile } from "../src/auth/token_file.ts";
import { TokenStore } from "../src/auth/token_store.ts";
import { type FakeTokenSet, startFakeBackend } from "../src/testing/mod.ts";
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

test("crash safety: a lock whose holder cannot be checked is taken over once untouched", async () => {
  const { path, done } = await setup(-60);
  try {
    // pid 0 cannot be looked up; the lock's last heartbeat (its mtime) decides.
    await writeFile(`${path}.lock`, JSON.stringify({ pid: 0, nonce: "x", at: Date.now() }));
    const old = new Date(Date.now() - 60_000);
    await utimes(`${path}.lock`, old, old);
    const t = await new TokenStore({ path }).getFresh();
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

test("crash safety: a complete temp file left by a process killed before its rename is adopted", async () => {
  const { fake, path, dir, done } = await setup(-60);
  try {
    // What a killed refresher leaves: the new tokens (already issued, the old refresh token
    // spent) in a complete temp file beside the old file.
    const old = await readTokenFile(path, "");
    const fresh = fake.authority.refresh(old.refresh_token) as FakeTokenSet;
    const next = describeTokens(fresh, { issuer: fake.url });
    await writeFile(join(dir, ".tokens.json.deadbeef.tmp"), JSON.stringify(next), { mode: 0o600 });
    await writeFile(join(dir, ".tokens.json.cafe0000.tmp"), '{"version":1,"access_tok'); // torn
    const t = await new TokenStore({ path }).getFresh();
    assert.equal(t.access_token, fresh.access_token, "the temp file's tokens are used");
    assert.equal(fake.tokenRequests().length, 0, "no refresh with the spent token");
    assert.equal((await readTokenFile(path, "")).refresh_token, fresh.refresh_token);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".tmp")), [], "cleaned up");
  } finally {
    await done();
  }
});

test("crash safety: 30 refreshers killed with SIGKILL once their new tokens hit the disk: 0 lost logins", async () => {
  // The kill lands where the issue lost 14 of 30 logins: the answer saved in the temp file,
  // the rename not yet done (or just done). A kill before the answer reaches the process
  // cannot be undone by any client: the service has already rotated the refresh token.
  const dir = await mkdtemp(join(tmpdir(), "cp-kill-"));
  const fake = await startFakeBackend();
  let lost = 0;
  let leftTemp = 0;
  try {
    for (let run = 0; run < 30; run++) {
      const name = `tokens-${run}.json`;
      const path = join(dir, name);
      await writeTokenFile(
        path,
        describeTokens(fake.issueTokens({}, { ttlSeconds: -60 }), { issuer: fake.url }),
      );
      const before = fake.refreshCount;
      const w = worker("fresh", path, fake.url);
      const exited = output(w);
      while (fake.refreshCount === before) await new Promise((r) => setTimeout(r, 0));
      // Kill the moment a complete temp file appears, or once the worker is done anyway (a
      // loaded machine may take a while to get there; a kill before the answer arrived would
      // be the service's rotation, which no client can undo).
      let exitedAlready = false;
      void exited.then(() => (exitedAlready = true));
      const until = Date.now() + 10_000;
      while (Date.now() < until && !exitedAlready) {
        const temps = (await readdir(dir)).filter((n) => n.startsWith(`.${name}.`));
        const sizes = await Promise.all(
          temps.map((n) => stat(join(dir, n)).then((s) => s.size, () => 0)),
        );
        if (sizes.some((n) => n > 100)) break;
      }
      w.kill("SIGKILL");
      await exited;
      if ((await readdir(dir)).some((n) => n.startsWith(`.${name}.`))) leftTemp++;
      try {
        const t = await new TokenStore({ path }).getFresh();
        if (fake.authority.checkAccess(t.access_token) === "invalid") lost++;
      } catch {
        lost++;
      }
    }
    console.log(`30 kills: ${lost} lost logins; ${leftTemp} temp files left behind and adopted`);
    assert.equal(lost, 0);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

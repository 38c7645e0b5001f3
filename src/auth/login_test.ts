import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startFakeBackend } from "../testing/mod.ts";
import { freePort } from "../../tests/_login_cli.ts";
import { login } from "./login.ts";
import { readTokenFile } from "./token_file.ts";

test("login (library): the browser flow stores the tokens 0600 where the agent finds them", async () => {
  const port = await freePort();
  const fake = await startFakeBackend({ autoApprove: true, redirectPorts: [port] });
  const dir = await mkdtemp(join(tmpdir(), "cp-login-lib-"));
  try {
    const shown: string[] = [];
    const who = await login({
      issuer: fake.url,
      tokenFile: join(dir, "tokens.json"),
      ports: [port],
      openBrowser: false,
      timeoutMs: 10_000,
      // The person's browser: it follows the address, and the fake signs in at once.
      ui: {
        showUrl: (url) => {
          shown.push(url);
          void fetch(url).then((r) => r.body?.cancel());
        },
      },
    });
    assert.equal(shown.length, 1);
    assert.match(shown[0], /code_challenge_method=S256/);
    const saved = await readTokenFile(who.tokenFile, "log in");
    assert.equal(saved.account_id, "acct-test");
    assert.equal(who.email, saved.email);
    assert.equal((await stat(who.tokenFile)).mode & 0o777, 0o600);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("login (library): a cancelled login says so and writes nothing", async () => {
  const fake = await startFakeBackend({ deviceIntervalSeconds: 0.1 });
  const dir = await mkdtemp(join(tmpdir(), "cp-login-lib-"));
  try {
    const ctl = new AbortController();
    await assert.rejects(
      login({
        mode: "device",
        issuer: fake.url,
        tokenFile: join(dir, "tokens.json"),
        signal: ctl.signal,
        ui: { showDeviceCode: () => ctl.abort() }, // the person gives up
      }),
      /cancelled/,
    );
    await assert.rejects(stat(join(dir, "tokens.json")));
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

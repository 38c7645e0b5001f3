import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { type FakeBackend, type FakeTokenSet, startFakeBackend } from "../testing/mod.ts";
import { OAuthError } from "./oauth.ts";
import { describeTokens, toCodexAuthJson, writeTokenFile } from "./token_file.ts";
import { LoginRequiredError, TokenStore } from "./token_store.ts";

async function withStore(
  fn: (
    ctx: { fake: FakeBackend; path: string; tokens: FakeTokenSet; store: TokenStore },
  ) => Promise<void>,
  ttlSeconds = -60,
) {
  const dir = await mkdtemp(join(tmpdir(), "cp-store-"));
  const fake = await startFakeBackend();
  const path = join(dir, "cfg", "tokens.json");
  const tokens = fake.issueTokens({}, { ttlSeconds });
  await writeTokenFile(path, describeTokens(tokens, { issuer: fake.url }));
  try {
    await fn({ fake, path, tokens, store: new TokenStore({ path, loginCommand: "my-login" }) });
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test("token store: a valid token is used as is, no refresh", () =>
  withStore(async ({ fake, store, tokens }) => {
    assert.equal((await store.getFresh()).access_token, tokens.access_token);
    assert.equal(fake.tokenRequests().length, 0);
  }, 3600));

test("token store: an expired token is refreshed once, with the CLI's JSON body; the file is rotated, 0600 in 0700", () =>
  withStore(async ({ fake, store, tokens, path }) => {
    const t = await store.getFresh();
    assert.notEqual(t.access_token, tokens.access_token);
    const [req] = fake.tokenRequests();
    assert.equal(req.headers["content-type"], "application/json");
    assert.deepEqual(Object.keys(req.body!).sort(), ["client_id", "grant_type", "refresh_token"]);
    assert.equal(req.body!.refresh_token, tokens.refresh_token);
    const saved = JSON.parse(await readFile(path, "utf8"));
    assert.equal(saved.access_token, t.access_token);
    assert.notEqual(saved.refresh_token, tokens.refresh_token);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await stat(dirname(path))).mode & 0o777, 0o700);
  }));

test("token store: a token about to expire (inside the margin) is refreshed proactively", () =>
  withStore(async ({ fake, store }) => {
    await store.getFresh();
    assert.equal(fake.refreshCount, 1);
  }, 120));

test("token store: concurrent callers in one process share one refresh", () =>
  withStore(async ({ fake, store }) => {
    const all = await Promise.all(Array.from({ length: 6 }, () => store.getFresh()));
    assert.equal(new Set(all.map((t) => t.access_token)).size, 1);
    assert.equal(fake.tokenRequests().length, 1);
  }));

test("token store: a second store (another process) adopts the rotated token instead of refreshing", () =>
  withStore(async ({ fake, store, path }) => {
    const other = new TokenStore({ path });
    const a = await store.getFresh();
    const b = await other.getFresh();
    assert.equal(b.access_token, a.access_token);
    assert.equal(fake.tokenRequests().length, 1);
  }));

test("token store: after a 401, a token rotated by someone else is used without refreshing", () =>
  withStore(async ({ fake, store, path, tokens }) => {
    const rotated = fake.issueTokens();
    await writeTokenFile(path, describeTokens(rotated, { issuer: fake.url }));
    assert.equal(
      (await store.afterUnauthorized(tokens.access_token)).access_token,
      rotated.access_token,
    );
    assert.equal(fake.tokenRequests().length, 0);
    const forced = await store.afterUnauthorized(rotated.access_token);
    assert.notEqual(forced.access_token, rotated.access_token);
    assert.equal(fake.tokenRequests().length, 1);
  }, 3600));

test("token store: a reused refresh token ends in one clear 'log in again' error; the file stays", () =>
  withStore(async ({ fake, store, tokens, path }) => {
    fake.authority.refresh(tokens.refresh_token); // someone else spent it
    await assert.rejects(store.getFresh(), (e) => {
      assert.ok(e instanceof LoginRequiredError);
      assert.equal(e.code, "refresh_token_reused");
      assert.equal(
        e.message,
        "Your ChatGPT login is no longer valid (refresh_token_reused). Log in again: my-login",
      );
      return true;
    });
    assert.equal(fake.tokenRequests().length, 1, "not retried");
    assert.ok((await readFile(path, "utf8")).includes(tokens.refresh_token));
  }));

test("token store: RFC-shaped invalid_grant and revoked tokens are permanent too", () =>
  withStore(async ({ fake, store, tokens }) => {
    fake.failNextTokenRequests({
      status: 400,
      body: { error: "invalid_grant", error_description: "bad" },
    });
    await assert.rejects(
      store.getFresh(),
      (e) => e instanceof LoginRequiredError && e.code === "invalid_grant",
    );
    fake.authority.revoke(tokens.refresh_token);
    await assert.rejects(
      store.getFresh(),
      (e) => e instanceof LoginRequiredError && e.code === "refresh_token_invalidated",
    );
  }));

test("token store: a network failure keeps a still-valid token and is never retried", () =>
  withStore(async ({ fake, store, tokens }) => {
    const deferred: string[] = [];
    const s = new TokenStore({ path: store.path, onRefreshDeferred: (e) => deferred.push(e.code) });
    fake.failNextTokenRequests("reset");
    assert.equal((await s.getFresh()).access_token, tokens.access_token);
    assert.deepEqual(deferred, ["network"]);
    assert.equal(fake.tokenRequests().length, 1);
  }, 120));

test("token store: a network failure with an expired token is an error, sent once", () =>
  withStore(async ({ fake, store }) => {
    fake.failNextTokenRequests({ status: 503, body: { error: "temporarily_unavailable" } });
    await assert.rejects(store.getFresh(), (e) => e instanceof OAuthError && !e.permanent);
    assert.equal(fake.tokenRequests().length, 1);
  }));

test("token store: fields missing from a refresh answer keep their old values", () =>
  withStore(async ({ fake, store, tokens }) => {
    const fresh = fake.issueTokens();
    fake.failNextTokenRequests({ status: 200, body: { access_token: fresh.access_token } });
    const t = await store.getFresh();
    assert.equal(t.access_token, fresh.access_token);
    assert.equal(t.refresh_token, tokens.refresh_token);
    assert.equal(t.id_token, tokens.id_token);
  }));

test("token store: the form encoding sends the older clients' scope", () =>
  withStore(async ({ fake, path }) => {
    await new TokenStore({ path, refreshEncoding: "form" }).getFresh();
    const [req] = fake.tokenRequests();
    assert.match(req.headers["content-type"], /x-www-form-urlencoded/);
    assert.equal(req.body!.scope, "openid profile email");
  }));

test("token store: the Codex CLI's auth.json as a shared store keeps its format and other fields", () =>
  withStore(async ({ fake, tokens, path }) => {
    const cli = join(dirname(path), "auth.json");
    await writeFile(
      cli,
      JSON.stringify({ ...toCodexAuthJson(describeTokens(tokens)), extra_field: 7 }),
      { mode: 0o600 },
    );
    const store = new TokenStore({ path: cli, format: "codex-cli", issuer: fake.url });
    const t = await store.getFresh();
    const saved = JSON.parse(await readFile(cli, "utf8"));
    assert.equal(saved.auth_mode, "chatgpt");
    assert.equal(saved.OPENAI_API_KEY, null);
    assert.equal(saved.extra_field, 7);
    assert.equal(saved.tokens.access_token, t.access_token);
    assert.equal(saved.tokens.account_id, "acct-test");
    assert.ok(!Number.isNaN(Date.parse(saved.last_refresh)));
  }));

test("token store: a token file others can read is made 0600, and the person is told", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cp-mode-"));
  const fake = await startFakeBackend();
  try {
    const path = join(dir, "tokens.json");
    await writeTokenFile(path, describeTokens(fake.issueTokens(), { issuer: fake.url }));
    await chmod(path, 0o644);
    const warnings: string[] = [];
    const t = await new TokenStore({ path, onWarning: (m) => warnings.push(m) }).getFresh();
    assert.ok(t.access_token);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /was readable by others \(mode 644\); it is now 0600/);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

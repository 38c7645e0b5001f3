import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { describeTokens, toCodexAuthJson } from "../src/auth/token_file.ts";
import { TokenStore } from "../src/auth/token_store.ts";
import { codexCliBin } from "./_codex_cli.ts";
import { SIGN_IN_URL, withLogin } from "./_login_cli.ts";

test("login (browser): the callback exchanges the code, saves 0600 tokens, shows the success page", () =>
  withLogin(async ({ run, port, home, fake }) => {
    const login = run(["--port", String(port)]);
    const [, url] = await login.waitFor(SIGN_IN_URL);
    const u = new URL(url);
    assert.deepEqual([...u.searchParams.keys()], [
      "response_type",
      "client_id",
      "redirect_uri",
      "scope",
      "code_challenge",
      "code_challenge_method",
      "id_token_add_organizations",
      "codex_cli_simplified_flow",
      "state",
      "originator",
    ]);
    assert.equal(u.searchParams.get("redirect_uri"), `http://localhost:${port}/auth/callback`);
    assert.equal(u.searchParams.get("scope"), "openid profile email offline_access");
    assert.equal(u.searchParams.get("code_verifier"), null);
    await login.waitFor(/Your browser should open/);
    const page = await fetch(url); // follows the sign-in redirect to our callback, like a browser
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /You're signed in/);
    assert.match(html, /person@example\.com/);
    const r = await login.result();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Logged in as person@example\.com \(ChatGPT plus\)/);
    const file = join(home, "tokens.json");
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(home)).mode & 0o777, 0o700);
    const saved = JSON.parse(await readFile(file, "utf8"));
    assert.equal(saved.account_id, "acct-test");
    const exchange = fake.tokenRequests()[0].body!;
    assert.equal(exchange.grant_type, "authorization_code");
    assert.equal(exchange.redirect_uri, `http://localhost:${port}/auth/callback`);
    assert.ok(String(exchange.code_verifier).length >= 86, "64 random bytes, base64url");
  }, { autoApprove: true }));

test("login (browser): a refusal at the sign-in page ends with its reason", () =>
  withLogin(async ({ run, port }) => {
    const login = run(["--port", String(port)]);
    const [, url] = await login.waitFor(SIGN_IN_URL);
    const state = new URL(url).searchParams.get("state")!;
    const stray = await fetch(`http://127.0.0.1:${port}/auth/callback?code=x&state=wrong`);
    assert.equal(stray.status, 400, "a stray callback is refused and the login keeps waiting");
    await stray.body?.cancel();
    const page = await fetch(
      `http://127.0.0.1:${port}/auth/callback?error=access_denied&state=${state}`,
    );
    assert.match(await page.text(), /Sign-in failed/);
    const r = await login.result();
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /error \(access_denied\): The sign-in was not completed \(access_denied\)/,
    );
  }));

test("login: over SSH it switches to paste mode; the pasted address completes it", () =>
  withLogin(async ({ run, home }) => {
    const login = run([], { SSH_CONNECTION: "10.0.0.1 5000 10.0.0.2 22" });
    await login.waitFor(/Paste mode, because this is an SSH session/);
    const [, url] = await login.waitFor(SIGN_IN_URL);
    const redirect = await fetch(url, { redirect: "manual" });
    const landed = redirect.headers.get("location")!;
    assert.match(landed, /^http:\/\/localhost:1455\/auth\/callback\?code=/);
    login.type("not an address");
    await login.waitFor(/neither an address with \?code= nor a code\. Try again\./);
    login.type(landed);
    const r = await login.result();
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await stat(join(home, "tokens.json"))).isFile());
  }, { autoApprove: true }));

test("login: when the callback port is busy it says so and falls back to paste mode", () =>
  withLogin(async ({ run, port }) => {
    const blocker = createServer().listen(port, "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    try {
      const login = run(["--port", String(port)]);
      await login.waitFor(new RegExp(`Ports ${port} are busy .*Switching to paste mode`));
      const [, url] = await login.waitFor(SIGN_IN_URL);
      const landed = (await fetch(url, { redirect: "manual" })).headers.get("location")!;
      login.type(landed);
      assert.equal((await login.result()).code, 0);
    } finally {
      blocker.close();
    }
  }, { autoApprove: true }));

test("login --device: shows the code large, polls, and completes once the code is typed", () =>
  withLogin(async ({ run, fake, home }) => {
    const login = run(["--device"]);
    const [, spaced] = await login.waitFor(
      /║\s+([A-Z] [A-Z] [A-Z] [A-Z] - [A-Z] [A-Z] [A-Z] [A-Z])\s+║/,
    );
    await login.waitFor(new RegExp(`open ${fake.url}/codex/device and enter this code`));
    assert.equal(await fake.approveDevice(spaced.replaceAll(" ", "")), true);
    const r = await login.result();
    assert.equal(r.code, 0, r.stderr);
    const exchange = fake.tokenRequests()[0].body!;
    assert.equal(exchange.redirect_uri, `${fake.url}/deviceauth/callback`);
    assert.ok(JSON.parse(await readFile(join(home, "tokens.json"), "utf8")).refresh_token);
  }, { deviceIntervalSeconds: 0.1, deviceLegacyField: true }));

test("login --device: a clear message when device login is not enabled", () =>
  withLogin(async ({ run }) => {
    const r = await run(["--device"]).result();
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Device-code login is not enabled for this account\. Turn it on in ChatGPT's settings/,
    );
  }, { deviceLoginDisabled: true }));

test("status and logout: who, plan, account, expiry, file, never a token; logout revokes and deletes", () =>
  withLogin(async ({ run, fake, home }) => {
    const none = await run(["status", "--json"]).result();
    assert.equal(none.code, 3);
    assert.equal(JSON.parse(none.stdout).logged_in, false);
    const t = fake.issueTokens({ email: "me@example.com", planType: "pro", accountId: "acct-9" });
    await new TokenStore({ path: join(home, "tokens.json") }).write(
      describeTokens(t, { issuer: fake.url }),
    );
    const s = await run(["status", "--json"]).result();
    assert.equal(s.code, 0);
    const j = JSON.parse(s.stdout);
    assert.equal(j.email, "me@example.com");
    assert.equal(j.plan, "pro");
    assert.equal(j.account_id, "acct-9");
    assert.equal(j.access_token_expired, false);
    assert.equal(j.token_file, join(home, "tokens.json"));
    const human = await run(["status"]).result();
    assert.match(human.stdout, /Logged in as me@example\.com \(ChatGPT pro\)/);
    for (const out of [s.stdout + s.stderr, human.stdout + human.stderr]) {
      assert.ok(!out.includes(t.access_token) && !out.includes(t.refresh_token));
    }
    const out = await run(["logout"]).result();
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /Revoked the login\.\nDeleted .*tokens\.json\. Logged out\./);
    assert.equal(fake.requests.filter((r) => r.path === "/oauth/revoke").length, 1);
    assert.equal("code" in fake.authority.refresh(t.refresh_token), true, "revoked");
    assert.equal((await run(["status"]).result()).code, 3);
  }));

test("login --import-codex-cli copies the CLI's login and warns about the shared refresh token", () =>
  withLogin(async ({ run, fake, home, codexHome }) => {
    await mkdir(codexHome, { recursive: true });
    const t = fake.issueTokens({ email: "cli@example.com" });
    await writeFile(
      join(codexHome, "auth.json"),
      JSON.stringify(toCodexAuthJson(describeTokens(t))),
    );
    const r = await run(["--import-codex-cli"]).result();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Imported the Codex CLI's login \(cli@example\.com/);
    assert.match(r.stderr, /same single-use refresh token/);
    const saved = JSON.parse(await readFile(join(home, "tokens.json"), "utf8"));
    assert.equal(saved.refresh_token, t.refresh_token);
  }));

test("login --codex-store keeps the Codex CLI's auth.json as the shared store; the real CLI reads it, also after a refresh", () =>
  withLogin(async ({ run, port, codexHome, fake }) => {
    const login = run(["--codex-store", "--port", String(port)]);
    const [, url] = await login.waitFor(SIGN_IN_URL);
    await (await fetch(url)).body?.cancel();
    assert.equal((await login.result()).code, 0);
    const file = join(codexHome, "auth.json");
    assert.equal(JSON.parse(await readFile(file, "utf8")).auth_mode, "chatgpt");
    const cli = codexCliBin();
    const status = () =>
      spawnSync(cli, ["login", "status"], {
        env: { ...process.env, CODEX_HOME: codexHome },
        encoding: "utf8",
      });
    assert.match(status().stdout + status().stderr, /Logged in using ChatGPT/);
    const store = new TokenStore({ path: file, format: "codex-cli", issuer: fake.url });
    const before = await store.read();
    await store.afterUnauthorized(before.access_token); // forces one refresh
    assert.equal(fake.refreshCount, 1);
    const s = status();
    assert.equal(s.status, 0);
    assert.match(s.stdout + s.stderr, /Logged in using ChatGPT/);
    const ours = await run(["status", "--json"]).result();
    assert.equal(JSON.parse(ours.stdout).format, "codex-cli");
  }, { autoApprove: true }));

test("login: bad usage is exit 2 with a pointer to --help; --help documents exit codes", () =>
  withLogin(async ({ run }) => {
    const bad = await run(["sideways"]).result();
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /use login, status or logout/);
    const port = await run(["--port", "abc"]).result();
    assert.equal(port.code, 2);
    const help = await run(["--help"]).result();
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes: 0 done/);
  }));

test("login: paste mode still listens, so a browser reaching the port (ssh -L) finishes without pasting", () =>
  withLogin(async ({ run, port, home }) => {
    const login = run(["--port", String(port)], { SSH_CONNECTION: "10.0.0.1 5000 10.0.0.2 22" });
    await login.waitFor(/Paste mode, because this is an SSH session/);
    const [, url] = await login.waitFor(SIGN_IN_URL);
    await login.waitFor(new RegExp(`ssh -L ${port}:localhost:${port}`));
    const page = await fetch(url); // the forwarded browser follows the redirect to our listener
    assert.match(await page.text(), /You're signed in/);
    const r = await login.result();
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await stat(join(home, "tokens.json"))).isFile());
  }, { autoApprove: true }));

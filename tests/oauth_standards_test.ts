// Standards: a certified OAuth/OpenID server (oidc-provider, on loopback, with the Codex
// CLI's public client id and PKCE required) runs the code flow and a refresh against our
// client. Its sign-in and consent pages are filled in by a minimal cookie-carrying client.
import assert from "node:assert/strict";
import { test } from "node:test";
import Provider from "oidc-provider";
import { browserLogin, type LoginUi } from "../src/auth/login_flows.ts";
import { CLIENT_ID } from "../src/auth/protocol.ts";
import { describeTokens, type StoredTokens } from "../src/auth/token_file.ts";
import { TokenStore } from "../src/auth/token_store.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./_login_cli.ts";

async function startProvider(callbackPort: number) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      application_type: "native",
      token_endpoint_auth_method: "none",
      redirect_uris: [`http://localhost:${callbackPort}/auth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    }],
    routes: {
      authorization: "/oauth/authorize",
      token: "/oauth/token",
      revocation: "/oauth/revoke",
    },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    pkce: { required: () => true },
    scopes: ["openid", "profile", "email", "offline_access"],
    claims: { openid: ["sub", "https://api.openai.com/auth"], email: ["email"] },
    conformIdTokenClaims: false,
    issueRefreshToken: () => true,
    findAccount: (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({
        sub,
        email: `${sub}@example.com`,
        "https://api.openai.com/auth": {
          chatgpt_account_id: `acct-${sub}`,
          chatgpt_plan_type: "pro",
        },
      }),
    }),
  });
  provider.on("server_error", (_ctx: unknown, e: Error) => console.error("OP server_error", e));
  const server = provider.listen(port);
  await new Promise((r) => server.once("listening", r));
  return { issuer, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Follow redirects and submit oidc-provider's dev sign-in and consent forms, with cookies. */
async function signInLikeABrowser(start: string, user: string): Promise<void> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  let url = start;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...init.headers, cookie: cookie() },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [k, ...v] = pair.split("=");
      jar.set(k.trim(), v.join("="));
    }
    const location = res.headers.get("location");
    if (location) {
      await res.body?.cancel();
      url = new URL(location, url).href;
      init = {};
      if (url.includes("/auth/callback")) {
        const cb = await fetch(url);
        assert.equal(cb.status, 200, await cb.text());
        return;
      }
      continue;
    }
    const html = await res.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    assert.ok(action, `no form on ${url}: ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const [tag] of html.matchAll(/<input[^>]*>/g)) {
      const name = tag.match(/name="([^"]+)"/)?.[1];
      if (name) fields.set(name, tag.match(/value="([^"]*)"/)?.[1] ?? "");
    }
    if (fields.has("login")) fields.set("login", user);
    if (fields.has("password")) fields.set("password", "any");
    url = new URL(action, url).href;
    init = {
      method: "POST",
      body: fields.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  throw new Error("too many hops");
}

test("standards: code flow with PKCE and a refresh against oidc-provider", async () => {
  const callbackPort = await freePort();
  const op = await startProvider(callbackPort);
  const dir = await mkdtemp(join(tmpdir(), "cp-oidc-"));
  try {
    let saved: StoredTokens | undefined;
    let signIn: Promise<void> | undefined;
    const ui: LoginUi = {
      showUrl: (url) => void (signIn = signInLikeABrowser(url, "alice")),
      waiting: () => {},
      showDeviceCode: () => {},
      readLine: () => Promise.resolve(undefined),
      notice: () => {},
    };
    const path = join(dir, "tokens.json");
    const store = new TokenStore({ path, issuer: op.issuer, refreshEncoding: "form" });
    const who = await browserLogin({ issuer: op.issuer }, ui, async (answer) => {
      saved = describeTokens(answer, { issuer: op.issuer, expires_in: answer.expires_in });
      await store.write(saved);
      return { email: saved.email, plan: saved.plan_type };
    }, { ports: [callbackPort], openBrowser: false, timeoutMs: 20_000 });
    await signIn;
    assert.equal(who.email, "alice@example.com");
    assert.equal(saved!.account_id, "acct-alice");
    assert.equal(saved!.plan_type, "pro");
    assert.ok(saved!.refresh_token);

    const before = await store.read();
    const after = await store.afterUnauthorized(before.access_token);
    assert.notEqual(after.access_token, before.access_token, "a new access token");
    assert.notEqual(after.refresh_token, before.refresh_token, "the refresh token rotated");
    assert.equal(after.account_id, "acct-alice");
  } finally {
    await op.close();
    await rm(dir, { recursive: true, force: true });
  }
});

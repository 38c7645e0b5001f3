/**
 * The fake's OAuth side: authorize (with a sign-in page a browser can click through),
 * the token endpoint (authorization code with PKCE, refresh with rotation; JSON or form),
 * revocation, and OpenAI's device-code endpoints with their verification page.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from "node:http";
import {
  AUTHORIZE_PATH,
  CALLBACK_PATH,
  CALLBACK_PORTS,
  CLIENT_ID,
  DEVICE_CALLBACK_PATH,
  DEVICE_TOKEN_PATH,
  DEVICE_USERCODE_PATH,
  DEVICE_VERIFY_PATH,
  REVOKE_PATH,
  TOKEN_PATH,
} from "../auth/protocol.ts";
import { escapeHtml } from "../auth/pages.ts";
import { json, tick } from "./_http.ts";
import type { FakeAuthority, FakeTokenSet, GrantError } from "./fake_authority.ts";
import type { FakeIdentity } from "./jwt.ts";

/** OAuth behaviour of the fake. */
export interface FakeOAuthOptions {
  /** Extra loopback ports allowed in redirect URIs (the real list is 1455 and 1457). */
  redirectPorts?: number[];
  /** Redirect from /oauth/authorize at once, without the sign-in page. */
  autoApprove?: boolean;
  /** Who signs in; default the fake's default identity. */
  identity?: FakeIdentity;
  /** Answer the device user-code request with 404 (device login not enabled). */
  deviceLoginDisabled?: boolean;
  /** The polling interval the device endpoint asks for, seconds (default 5). */
  deviceIntervalSeconds?: number;
  /** Name the user code `usercode` (an older answer shape) instead of `user_code`. */
  deviceLegacyField?: boolean;
  /** Answer token requests after this delay (the grant is consumed on arrival). */
  tokenDelayMs?: number;
}

/** A scripted failure of the token endpoint: an HTTP answer, or a dropped connection. */
export type TokenFault = { status: number; body: unknown } | "reset";

/** What the OAuth routes need from the server. */
export interface OAuthContext {
  /** The token state. */
  authority: FakeAuthority;
  /** Behaviour. */
  options: FakeOAuthOptions;
  /** Failures queued for the next token requests. */
  tokenFaults: TokenFault[];
}

type FormBody = Record<string, unknown>;
function oauthError(res: ServerResponse, status: number, e: GrantError): number {
  return json(res, status, { error: { code: e.code, message: e.message } });
}

function page(res: ServerResponse, status: number, title: string, body: string): number {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#111}
h1{font-size:1.4rem}button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:.5rem;background:#111;color:#fff;cursor:pointer}
input{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin:.5rem 0 1rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
  return status;
}

function allowedRedirect(uri: string, issuer: string, extra: number[]): boolean {
  if (uri === `${issuer}${DEVICE_CALLBACK_PATH}`) return true;
  try {
    const u = new URL(uri);
    const ports = [...CALLBACK_PORTS, ...extra].map(String);
    return u.protocol === "http:" && ["localhost", "127.0.0.1"].includes(u.hostname) &&
      ports.includes(u.port) && u.pathname === CALLBACK_PATH && !u.search;
  } catch {
    return false;
  }
}

/** The authorize request's problem, or undefined when it is valid. */
function checkAuthorize(q: Record<string, string>, ctx: OAuthContext): string | undefined {
  if (q.client_id !== CLIENT_ID) return `Unknown client_id '${q.client_id ?? ""}'.`;
  if (
    !allowedRedirect(q.redirect_uri ?? "", ctx.authority.issuer, ctx.options.redirectPorts ?? [])
  ) {
    return `redirect_uri '${q.redirect_uri ?? ""}' is not allowed for this client.`;
  }
  if (q.response_type !== "code") return "response_type must be 'code'.";
  if (q.code_challenge_method !== "S256" || !q.code_challenge) return "PKCE with S256 is required.";
  if (!q.state) return "state is required.";
  const scopes = (q.scope ?? "").split(" ");
  if (!scopes.includes("openid") || !scopes.includes("offline_access")) {
    return "scope must include openid and offline_access.";
  }
  return undefined;
}

async function approve(res: ServerResponse, q: Record<string, string>, ctx: OAuthContext) {
  const code = ctx.authority.issueCode(q.code_challenge, q.redirect_uri, ctx.options.identity);
  const to = new URL(q.redirect_uri);
  to.searchParams.set("code", code);
  to.searchParams.set("state", q.state);
  res.writeHead(302, { location: to.href });
  res.end();
  return await Promise.resolve(302);
}

async function token(body: FormBody, res: ServerResponse, ctx: OAuthContext): Promise<number> {
  const fault = ctx.tokenFaults.shift();
  if (fault === "reset") {
    res.socket?.destroy();
    return 0;
  }
  if (fault) return json(res, fault.status, fault.body);
  if (body.client_id !== CLIENT_ID) {
    return oauthError(res, 401, { code: "invalid_client", message: "Unknown client_id." });
  }
  let result: FakeTokenSet | GrantError;
  if (body.grant_type === "refresh_token") {
    result = ctx.authority.refresh(String(body.refresh_token ?? ""));
  } else if (body.grant_type === "authorization_code") {
    result = await ctx.authority.redeemCode(
      String(body.code ?? ""),
      String(body.code_verifier ?? ""),
      String(body.redirect_uri ?? ""),
    );
  } else {
    return oauthError(res, 400, {
      code: "unsupported_grant_type",
      message: `Unsupported grant_type '${body.grant_type}'.`,
    });
  }
  if (ctx.options.tokenDelayMs) await tick(ctx.options.tokenDelayMs);
  if ("code" in result) return oauthError(res, 401, result);
  return json(res, 200, {
    id_token: result.id_token,
    access_token: result.access_token,
    refresh_token: result.refresh_token,
    expires_in: result.expires_in,
  });
}

/**
 * Answer an OAuth route; undefined when the request is not one (the caller goes on).
 * `body` is the parsed JSON or form body.
 */
export async function handleOAuth(
  req: IncomingMessage,
  path: string,
  query: Record<string, string>,
  body: FormBody | undefined,
  res: ServerResponse,
  ctx: OAuthContext,
): Promise<number | undefined> {
  const route = `${req.method} ${path}`;
  const { authority, options } = ctx;
  switch (route) {
    case `GET ${AUTHORIZE_PATH}`: {
      const problem = checkAuthorize(query, ctx);
      if (problem) {
        return page(res, 400, "Sign-in request rejected", `<p>${escapeHtml(problem)}</p>`);
      }
      if (options.autoApprove) return await approve(res, query, ctx);
      const hidden = Object.entries(query)
        .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
        .join("");
      return page(
        res,
        200,
        "Sign in to continue to Codex (fake)",
        `<form method="post" action="${AUTHORIZE_PATH}">${hidden}
<label>Email<input name="email" value="${
          escapeHtml(options.identity?.email ?? "person@example.com")
        }"></label>
<button id="continue" type="submit">Continue</button></form>`,
      );
    }
    case `POST ${AUTHORIZE_PATH}`: {
      const q = Object.fromEntries(Object.entries(body ?? {}).map(([k, v]) => [k, String(v)]));
      const problem = checkAuthorize(q, ctx);
      if (problem) {
        return page(res, 400, "Sign-in request rejected", `<p>${escapeHtml(problem)}</p>`);
      }
      return await approve(res, q, ctx);
    }
    case `POST ${TOKEN_PATH}`:
      return await token(body ?? {}, res, ctx);
    case `POST ${REVOKE_PATH}`: {
      if (body?.client_id !== CLIENT_ID) {
        return oauthError(res, 401, { code: "invalid_client", message: "Unknown client_id." });
      }
      authority.revoke(String(body?.token ?? ""));
      return json(res, 200, {});
    }
    case `POST ${DEVICE_USERCODE_PATH}`: {
      if (options.deviceLoginDisabled) return json(res, 404, { detail: "Not Found" });
      if (body?.client_id !== CLIENT_ID) {
        return oauthError(res, 401, { code: "invalid_client", message: "Unknown client_id." });
      }
      const d = authority.startDevice();
      const interval = String(options.deviceIntervalSeconds ?? 5);
      return json(res, 200, {
        device_auth_id: d.deviceAuthId,
        [options.deviceLegacyField ? "usercode" : "user_code"]: d.userCode,
        interval,
      });
    }
    case `POST ${DEVICE_TOKEN_PATH}`: {
      const d = authority.device(String(body?.device_auth_id ?? ""));
      if (!d || d.userCode !== body?.user_code) {
        return json(res, 404, {
          error: { code: "deviceauth_not_found", message: "Unknown device login." },
        });
      }
      if (!d.approved) {
        return json(res, 403, {
          error: { code: "deviceauth_pending", message: "Not approved yet." },
        });
      }
      return json(res, 200, {
        authorization_code: d.approved.code,
        code_verifier: d.approved.verifier,
        code_challenge: d.approved.challenge,
      });
    }
    case `GET ${DEVICE_VERIFY_PATH}`:
      return page(
        res,
        200,
        "Enter the code shown in your terminal",
        `<form method="post" action="${DEVICE_VERIFY_PATH}"><input name="user_code" autofocus>
<button id="continue" type="submit">Continue</button></form>`,
      );
    case `POST ${DEVICE_VERIFY_PATH}`: {
      const ok = await authority.approveDevice(
        String(body?.user_code ?? ""),
        `${authority.issuer}${DEVICE_CALLBACK_PATH}`,
        options.identity,
      );
      return ok
        ? page(res, 200, "Device connected", "<p>You can go back to your terminal.</p>")
        : page(res, 400, "Unknown code", "<p>Check the code in your terminal and try again.</p>");
    }
    default:
      return undefined;
  }
}

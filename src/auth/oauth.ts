/**
 * Talking to the OAuth server. `oauth4webapi` builds and sends every token request (code
 * exchange, refresh, revocation), computes the PKCE challenge and validates the callback's
 * `state`. Token *answers* are read here, leniently, because OpenAI's differ from RFC 6749:
 * fields may be missing (keep the old value), `token_type` is not promised, and errors come
 * as `{"error":{"code","message"}}` as well as `{"error":"invalid_grant"}`.
 *
 * @module
 */

import * as oauth from "oauth4webapi";
import { base64urlEncode } from "../encoding/base64url.ts";
import {
  AUTHORIZE_EXTRA_BEFORE_STATE,
  AUTHORIZE_ORIGINATOR,
  AUTHORIZE_PATH,
  CLIENT_ID,
  PERMANENT_REFRESH_ERRORS,
  REVOKE_PATH,
  SCOPE,
  TOKEN_PATH,
} from "./protocol.ts";

/** Where the OAuth server is, and how to talk to it. */
export interface OAuthServer {
  /** Issuer URL, e.g. `https://auth.openai.com`. */
  issuer: string;
  /** Refresh body encoding: `json` (the current Codex CLI) or `form` (RFC 6749, older CLIs). */
  refreshEncoding?: "json" | "form";
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
}

/** The token fields a grant answered with; any may be missing on refresh. */
export interface TokenAnswer {
  /** Access token. */
  access_token?: string;
  /** New refresh token (rotation). */
  refresh_token?: string;
  /** Id token. */
  id_token?: string;
  /** Seconds until the access token expires. */
  expires_in?: number;
}

/** What a code exchange grants: all three tokens (a refresh may omit any). */
export interface GrantedTokens extends TokenAnswer {
  /** Access token. */
  access_token: string;
  /** Refresh token. */
  refresh_token: string;
  /** Id token. */
  id_token: string;
}

/** Why a token request failed. `permanent` means the grant is gone: log in again. */
export class OAuthError extends Error {
  /** The server's error code, or `network` / `http_<status>`. */
  readonly code: string;
  /** HTTP status, when one was received. */
  readonly status?: number;
  /** True for the codes after which retrying cannot help (PROTOCOL.md §1). */
  readonly permanent: boolean;
  /** Create one. */
  constructor(code: string, message: string, status?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "OAuthError";
    this.code = code;
    this.status = status;
    this.permanent = (PERMANENT_REFRESH_ERRORS as readonly string[]).includes(code);
  }
}

/** A PKCE pair and state. */
export interface PkceSession {
  /** The verifier: 64 random bytes, base64url (as the Codex CLI makes it). */
  verifier: string;
  /** Its S256 challenge. */
  challenge: string;
  /** 32 random bytes, base64url. */
  state: string;
}

/** A fresh PKCE verifier, challenge and state. */
export async function createPkce(): Promise<PkceSession> {
  const verifier = base64urlEncode(crypto.getRandomValues(new Uint8Array(64)));
  return {
    verifier,
    challenge: await oauth.calculatePKCECodeChallenge(verifier),
    state: oauth.generateRandomState(),
  };
}

function insecureAllowed(issuer: string): boolean {
  const u = new URL(issuer);
  return u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
}

function server(s: OAuthServer): oauth.AuthorizationServer {
  const base = s.issuer.replace(/\/+$/, "");
  return {
    issuer: base,
    authorization_endpoint: `${base}${AUTHORIZE_PATH}`,
    token_endpoint: `${base}${TOKEN_PATH}`,
    revocation_endpoint: `${base}${REVOKE_PATH}`,
  };
}

const CLIENT: oauth.Client = { client_id: CLIENT_ID, token_endpoint_auth_method: "none" };

function options(s: OAuthServer, signal?: AbortSignal, json = false) {
  const f = s.fetch ?? fetch;
  return {
    signal,
    [oauth.allowInsecureRequests]: insecureAllowed(s.issuer),
    // oauth4webapi sends RFC 6749 form bodies; the current CLI sends its refresh as JSON.
    [oauth.customFetch]: json ? jsonBody(f) : (url: string, init: RequestInit) => f(url, init),
  };
}

/** Re-encode an oauth4webapi form request as JSON with the same fields. */
function jsonBody(f: typeof fetch) {
  return (url: string, init: RequestInit) => {
    const fields = Object.fromEntries(new URLSearchParams(String(init.body)));
    const headers = new Headers(init.headers);
    headers.set("content-type", "application/json");
    return f(url, { ...init, headers, body: JSON.stringify(fields) });
  };
}

/** The authorize URL, parameters in the Codex CLI's order. */
export function authorizeUrl(s: OAuthServer, redirectUri: string, pkce: PkceSession): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    ...AUTHORIZE_EXTRA_BEFORE_STATE,
    state: pkce.state,
    originator: AUTHORIZE_ORIGINATOR,
  });
  return `${server(s).authorization_endpoint}?${params}`;
}

/**
 * Validate the parameters the browser brought back (state, or the error the server sent).
 * `expectedState` undefined skips the state check (a bare pasted code, or the device flow's
 * code: both are bound to our PKCE verifier). Returns the parameters to exchange.
 */
export function validateCallback(
  s: OAuthServer,
  params: URLSearchParams,
  expectedState: string | undefined,
): URLSearchParams {
  try {
    return oauth.validateAuthResponse(
      server(s),
      CLIENT,
      params,
      expectedState ?? oauth.skipStateCheck,
    );
  } catch (e) {
    if (e instanceof oauth.AuthorizationResponseError) {
      const desc = e.error_description ? `: ${e.error_description}` : "";
      throw new OAuthError(e.error, `The sign-in was not completed (${e.error}${desc}).`);
    }
    const msg = (e as Error).message;
    if (/state/i.test(msg)) {
      throw new OAuthError(
        "state_mismatch",
        "The sign-in answer does not belong to this login (state mismatch). Start the login again.",
      );
    }
    throw new OAuthError("invalid_callback", `The sign-in answer is not valid: ${msg}`);
  }
}

/** Read a token endpoint answer: the tokens, or an {@link OAuthError}. */
export async function readTokenAnswer(res: Response): Promise<TokenAnswer> {
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object") body = v;
  } catch { /* handled below */ }
  if (!res.ok) {
    const err = body.error;
    const obj = err && typeof err === "object" ? err as { code?: unknown; message?: unknown } : {};
    const code = typeof err === "string" ? err : String(obj.code ?? "") || `http_${res.status}`;
    const message = obj.message !== undefined
      ? String(obj.message)
      : String(body.error_description ?? (text.slice(0, 200) || `HTTP ${res.status}`));
    throw new OAuthError(code, message, res.status);
  }
  const str = (
    k: string,
  ) => (typeof body[k] === "string" && body[k] ? body[k] as string : undefined);
  const expires = Number(body.expires_in);
  return {
    access_token: str("access_token"),
    refresh_token: str("refresh_token"),
    id_token: str("id_token"),
    expires_in: Number.isFinite(expires) ? expires : undefined,
  };
}

async function send(run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof OAuthError) throw e;
    const name = (e as Error)?.name;
    if (name === "AbortError" || name === "TimeoutError") {
      throw new OAuthError("timeout", "The sign-in server did not answer in time.", undefined, e);
    }
    throw new OAuthError(
      "network",
      `Could not reach the sign-in server: ${(e as Error)?.message ?? e}`,
      undefined,
      e,
    );
  }
}

/** Exchange an authorization code (with its PKCE verifier) for tokens. */
export async function exchangeCode(
  s: OAuthServer,
  params: URLSearchParams,
  redirectUri: string,
  verifier: string,
  signal?: AbortSignal,
): Promise<GrantedTokens> {
  const res = await send(() =>
    oauth.authorizationCodeGrantRequest(
      server(s),
      CLIENT,
      oauth.None(),
      params,
      redirectUri,
      verifier,
      options(s, signal),
    )
  );
  const { access_token, refresh_token, id_token, expires_in } = await readTokenAnswer(res);
  if (!access_token || !refresh_token || !id_token) {
    throw new OAuthError(
      "incomplete_answer",
      "The sign-in server's answer lacks a token (id, access or refresh). Try logging in again.",
      res.status,
    );
  }
  return { access_token, refresh_token, id_token, expires_in };
}

/** Spend a refresh token once. Never retried here: a refresh token is single-use. */
export async function refreshGrant(
  s: OAuthServer,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<TokenAnswer> {
  const json = (s.refreshEncoding ?? "json") === "json";
  const res = await send(() =>
    oauth.refreshTokenGrantRequest(server(s), CLIENT, oauth.None(), refreshToken, {
      ...options(s, signal, json),
      // Older clients sent this scope with the form-encoded refresh.
      additionalParameters: json ? undefined : { scope: "openid profile email" },
    })
  );
  return await readTokenAnswer(res);
}

/** Revoke a token (logout). */
export async function revokeToken(
  s: OAuthServer,
  token: string,
  signal?: AbortSignal,
): Promise<void> {
  const res = await send(() =>
    oauth.revocationRequest(server(s), CLIENT, oauth.None(), token, {
      ...options(s, signal),
      additionalParameters: { token_type_hint: "refresh_token" },
    })
  );
  if (!res.ok) await readTokenAnswer(res);
  else await res.body?.cancel();
}

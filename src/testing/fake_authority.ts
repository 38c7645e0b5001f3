/**
 * The fake's token authority: the tokens it issued (access tokens expire, refresh tokens
 * rotate and are single-use), authorization codes bound to a PKCE challenge and redirect
 * URI, device logins, and revocation.
 *
 * @module
 */

import { base64urlEncode } from "../encoding/base64url.ts";
import { type FakeIdentity, mintJwt } from "./jwt.ts";
import { CLIENT_ID } from "../auth/protocol.ts";

/** Tokens the fake issued and will accept. */
export interface FakeTokenSet {
  /** Access token (JWT). */
  access_token: string;
  /** Id token (JWT). */
  id_token: string;
  /** Single-use refresh token. */
  refresh_token: string;
  /** The account id claim. */
  account_id: string;
  /** Seconds until the access token expires. */
  expires_in: number;
}

/** Why the authority refused a grant: the OAuth error code and message. */
export interface GrantError {
  /** Error code, e.g. `refresh_token_reused`. */
  code: string;
  /** Message. */
  message: string;
}

/** A pending device login. */
export interface FakeDevice {
  /** The id the client polls with. */
  deviceAuthId: string;
  /** The code the person types. */
  userCode: string;
  /** Set once the person approved it. */
  approved?: { code: string; verifier: string; challenge: string };
}

/** base64url of SHA-256, the S256 code challenge. */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64urlEncode(new Uint8Array(digest));
}

function randomId(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The token state of one fake. */
export class FakeAuthority {
  /** The issuer URL (the `iss` of minted tokens). */
  readonly issuer: string;
  /** Default access-token lifetime, seconds. */
  readonly ttlSeconds: number;
  /** Refresh grants answered with new tokens. */
  refreshCount = 0;
  #access = new Map<string, { accountId: string; exp: number; refresh: string }>();
  #refresh = new Map<string, { who: FakeIdentity; used: boolean; revoked: boolean }>();
  #codes = new Map<
    string,
    { challenge: string; redirectUri: string; who: FakeIdentity; used: boolean }
  >();
  #devices = new Map<string, FakeDevice>();

  /** Create an authority for `issuer`. */
  constructor(issuer: string, ttlSeconds: number) {
    this.issuer = issuer;
    this.ttlSeconds = ttlSeconds;
  }

  /** Issue a new token set. */
  issueTokens(who: FakeIdentity = {}, opts: { ttlSeconds?: number } = {}): FakeTokenSet {
    const seconds = opts.ttlSeconds ?? this.ttlSeconds;
    const exp = Math.floor(Date.now() / 1000) + seconds;
    const extra = { iss: this.issuer };
    const access = mintJwt(who, exp, extra);
    const refresh = randomId("rt");
    const accountId = who.accountId ?? "acct-test";
    this.#access.set(access, { accountId, exp, refresh });
    this.#refresh.set(refresh, { who, used: false, revoked: false });
    return {
      access_token: access,
      id_token: mintJwt(who, exp, { ...extra, aud: CLIENT_ID }),
      refresh_token: refresh,
      account_id: accountId,
      expires_in: seconds,
    };
  }

  /** Check a bearer token: its account, or why it is refused. */
  checkAccess(token: string | undefined): { accountId: string } | "invalid" | "expired" {
    const t = token ? this.#access.get(token) : undefined;
    if (!t || this.#refresh.get(t.refresh)?.revoked) return "invalid";
    if (t.exp * 1000 <= Date.now()) return "expired";
    return { accountId: t.accountId };
  }

  /** Rotate a refresh token: new tokens, or the error the real service gives. */
  refresh(token: string): FakeTokenSet | GrantError {
    const rt = this.#refresh.get(token);
    if (!rt) return { code: "invalid_grant", message: "The refresh token is not valid." };
    if (rt.revoked) {
      return { code: "refresh_token_invalidated", message: "Your refresh token was revoked." };
    }
    if (rt.used) {
      return {
        code: "refresh_token_reused",
        message:
          "Your refresh token has already been used to generate a new access token. Please try signing in again.",
      };
    }
    rt.used = true;
    this.refreshCount++;
    return this.issueTokens(rt.who);
  }

  /** Revoke a refresh token (and the access tokens issued with it). */
  revoke(token: string): void {
    const rt = this.#refresh.get(token);
    if (rt) rt.revoked = true;
  }

  /** Issue an authorization code bound to a PKCE challenge and redirect URI. */
  issueCode(challenge: string, redirectUri: string, who: FakeIdentity = {}): string {
    const code = randomId("ac");
    this.#codes.set(code, { challenge, redirectUri, who, used: false });
    return code;
  }

  /** Redeem a code: tokens, or why not. */
  async redeemCode(
    code: string,
    verifier: string,
    redirectUri: string,
  ): Promise<FakeTokenSet | GrantError> {
    const c = this.#codes.get(code);
    if (!c) return { code: "invalid_grant", message: "Unknown authorization code." };
    if (c.used) {
      return { code: "invalid_grant", message: "The authorization code was already used." };
    }
    if (c.redirectUri !== redirectUri) {
      return {
        code: "invalid_grant",
        message: "redirect_uri does not match the authorization request.",
      };
    }
    if ((await s256(verifier)) !== c.challenge) {
      return { code: "invalid_grant", message: "code_verifier does not match the code_challenge." };
    }
    c.used = true;
    return this.issueTokens(c.who);
  }

  /** Start a device login. */
  startDevice(): FakeDevice {
    const letters = () =>
      Array.from(
        crypto.getRandomValues(new Uint8Array(4)),
        (b) => "ABCDEFGHJKLMNPQRSTUVWXYZ"[b % 24],
      )
        .join("");
    const device = { deviceAuthId: randomId("dev"), userCode: `${letters()}-${letters()}` };
    this.#devices.set(device.deviceAuthId, device);
    return device;
  }

  /** User codes of device logins not approved yet. */
  pendingDeviceCodes(): string[] {
    return [...this.#devices.values()].filter((d) => !d.approved).map((d) => d.userCode);
  }

  /** The device login with this id. */
  device(deviceAuthId: string): FakeDevice | undefined {
    return this.#devices.get(deviceAuthId);
  }

  /** Approve the device login whose code the person typed; false for an unknown code. */
  async approveDevice(
    userCode: string,
    redirectUri: string,
    who: FakeIdentity = {},
  ): Promise<boolean> {
    const typed = userCode.trim().toUpperCase();
    const device = [...this.#devices.values()].find((d) => d.userCode === typed);
    if (!device) return false;
    const verifier = randomId("v") + randomId("v");
    const challenge = await s256(verifier);
    device.approved = { code: this.issueCode(challenge, redirectUri, who), verifier, challenge };
    return true;
  }
}

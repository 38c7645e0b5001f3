/**
 * Reading (never verifying) the claims of the id and access tokens.
 *
 * @module
 */

import { base64urlDecode } from "../encoding/base64url.ts";
import { AUTH_CLAIMS_NAMESPACE, PROFILE_CLAIMS_NAMESPACE } from "./protocol.ts";

/** The claims we use. */
export interface TokenClaims {
  /** Expiry, unix seconds. */
  exp?: number;
  /** The person's email. */
  email?: string;
  /** ChatGPT account id. */
  accountId?: string;
  /** ChatGPT plan (free, plus, pro, team, …). */
  planType?: string;
  /** ChatGPT user id. */
  userId?: string;
}

/** Decode a JWT's payload; undefined when it is not a JWT. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(new TextDecoder().decode(base64urlDecode(part)));
    return payload && typeof payload === "object" ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The claims of a token that matter to us.
 *
 * @example
 * ```ts
 * import { readClaims } from "@x/codex-provider";
 * console.log(readClaims("not-a-jwt")); // {}
 * ```
 */
export function readClaims(token: string): TokenClaims {
  const p = decodeJwtPayload(token);
  if (!p) return {};
  const auth = (p[AUTH_CLAIMS_NAMESPACE] ?? {}) as Record<string, unknown>;
  const profile = (p[PROFILE_CLAIMS_NAMESPACE] ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  return {
    exp: typeof p.exp === "number" ? p.exp : undefined,
    email: str(p.email) ?? str(profile.email),
    accountId: str(auth.chatgpt_account_id),
    planType: str(auth.chatgpt_plan_type),
    userId: str(auth.chatgpt_user_id) ?? str(auth.user_id),
  };
}

/**
 * Minting JWT-shaped tokens for the fake (never verified by anyone; only read).
 *
 * @module
 */

import { base64urlEncode } from "../encoding/base64url.ts";
import { AUTH_CLAIMS_NAMESPACE, PROFILE_CLAIMS_NAMESPACE } from "../auth/protocol.ts";

/** Who a fake token belongs to. */
export interface FakeIdentity {
  /** ChatGPT account id; default `acct-test`. */
  accountId?: string;
  /** Email; default `person@example.com`. */
  email?: string;
  /** Plan; default `plus`. */
  planType?: string;
  /** User id; default `user-test`. */
  userId?: string;
}

/**
 * A JWT with the claims the backend's tokens carry. The signature is random bytes.
 *
 * @example
 * ```ts
 * import { mintJwt } from "@x/codex-provider/testing";
 * const jwt = mintJwt({ accountId: "acct-1" }, Math.floor(Date.now() / 1000) + 3600);
 * console.log(jwt.split(".").length); // 3
 * ```
 */
export function mintJwt(
  who: FakeIdentity,
  exp: number,
  extra: Record<string, unknown> = {},
): string {
  const header = { alg: "RS256", typ: "JWT", kid: "fake" };
  const payload = {
    iss: "https://auth.openai.com",
    aud: ["https://api.openai.com/v1"],
    exp,
    iat: Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    email: who.email ?? "person@example.com",
    [PROFILE_CLAIMS_NAMESPACE]: { email: who.email ?? "person@example.com" },
    [AUTH_CLAIMS_NAMESPACE]: {
      chatgpt_account_id: who.accountId ?? "acct-test",
      chatgpt_plan_type: who.planType ?? "plus",
      chatgpt_user_id: who.userId ?? "user-test",
    },
    ...extra,
  };
  const sig = base64urlEncode(crypto.randomUUID());
  return `${base64urlEncode(JSON.stringify(header))}.${
    base64urlEncode(JSON.stringify(payload))
  }.${sig}`;
}

/**
 * Constants of OpenAI's OAuth service as the Codex CLI uses it (PROTOCOL.md §1).
 *
 * @module
 */

/** Default issuer (override with `CODEX_AUTH_ISSUER`). */
export const DEFAULT_ISSUER = "https://auth.openai.com";

/** The Codex CLI's public OAuth client. */
export const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

/** Authorization endpoint path. */
export const AUTHORIZE_PATH = "/oauth/authorize";

/** Token endpoint path. */
export const TOKEN_PATH = "/oauth/token";

/** Revocation endpoint path (logout). */
export const REVOKE_PATH = "/oauth/revoke";

/** Scopes the CLI asks for (newer CLIs add connector scopes we do not need). */
export const SCOPE = "openid profile email offline_access";

/** Loopback callback: path, and the ports on the server's allow-list, in order. */
export const CALLBACK_PATH = "/auth/callback";
/** The callback ports: 1455, then 1457 when 1455 is busy. */
export const CALLBACK_PORTS = [1455, 1457] as const;
/** The host the redirect URI names (the listener binds 127.0.0.1). */
export const CALLBACK_HOST = "localhost";

/** Extra authorize parameters the CLI sends, in its order around `state`. */
export const AUTHORIZE_EXTRA_BEFORE_STATE = {
  id_token_add_organizations: "true",
  codex_cli_simplified_flow: "true",
} as const;
/** The `originator` authorize parameter, sent last. */
export const AUTHORIZE_ORIGINATOR = "codex_cli_rs";

/** Device-code login endpoints (OpenAI's own, not RFC 8628). */
export const DEVICE_USERCODE_PATH = "/api/accounts/deviceauth/usercode";
/** Polled until the person has typed the code. */
export const DEVICE_TOKEN_PATH = "/api/accounts/deviceauth/token";
/** Where the person types the code. */
export const DEVICE_VERIFY_PATH = "/codex/device";
/** The redirect URI of the device flow's code exchange. */
export const DEVICE_CALLBACK_PATH = "/deviceauth/callback";
/** Give up polling after 15 minutes. */
export const DEVICE_TIMEOUT_MS = 15 * 60_000;

/** Give up waiting for the browser after 5 minutes. */
export const BROWSER_LOGIN_TIMEOUT_MS = 5 * 60_000;

/** The CLI also refreshes when the last refresh is older than this. */
export const REFRESH_INTERVAL_MS = 8 * 24 * 3600_000;

/** Namespace of the JWT claims that carry the ChatGPT account. */
export const AUTH_CLAIMS_NAMESPACE = "https://api.openai.com/auth";

/** Namespace of the profile claims (email) in the access token. */
export const PROFILE_CLAIMS_NAMESPACE = "https://api.openai.com/profile";

/** Error codes of the token endpoint that mean: the grant is gone, log in again. */
export const PERMANENT_REFRESH_ERRORS = [
  "refresh_token_reused",
  "refresh_token_expired",
  "refresh_token_invalidated",
  "invalid_grant",
] as const;

/** The command that logs in, for messages (entry points set their own). */
export const DEFAULT_LOGIN_COMMAND = "deno run -A jsr:@x/codex-provider/login";

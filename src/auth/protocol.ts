/**
 * Constants of OpenAI's OAuth service as the Codex CLI uses it (PROTOCOL.md §1).
 *
 * @module
 */

/** Default issuer (override with `CODEX_AUTH_ISSUER`). */
export const DEFAULT_ISSUER = "https://auth.openai.com";

/** The Codex CLI's public OAuth client. */
export const CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

/** Token endpoint path. */
export const TOKEN_PATH = "/oauth/token";

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

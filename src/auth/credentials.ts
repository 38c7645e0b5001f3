/**
 * Credentials for the Responses client from the token store: ours, or the Codex CLI's
 * `auth.json`. Tokens are refreshed before they expire; after a 401 the file is read again
 * (another process may have rotated the token) and only then refreshed, once.
 *
 * @module
 */

import type { CredentialsProvider } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { LockTimeoutError } from "../fs/file_lock.ts";
import { currentEnv } from "../paths.ts";
import { OAuthError } from "./oauth.ts";
import { type StoredTokens, TokenFileError } from "./token_file.ts";
import { LoginRequiredError, TokenStore, type TokenStoreOptions } from "./token_store.ts";
import { findTokenSource } from "./token_source.ts";

export { findTokenSource, type TokenSource } from "./token_source.ts";

/** A token store over the file {@link findTokenSource} finds. */
export async function openTokenStore(
  options: Omit<TokenStoreOptions, "path" | "format"> & { tokenFile?: string } = {},
): Promise<TokenStore> {
  const source = await findTokenSource(options.tokenFile, currentEnv(), options.loginCommand);
  return new TokenStore({ ...options, path: source.path, format: source.format });
}

/** Turn a token-store failure into the client's typed error. */
export function credentialsError(e: unknown): CodexError {
  if (e instanceof CodexError) return e;
  if (e instanceof LoginRequiredError || e instanceof TokenFileError) {
    return new CodexError("authentication", e.message, { cause: e });
  }
  if (e instanceof OAuthError) {
    // Not retried by the client: a refresh token is single-use, and a lost answer may
    // already have spent it. The person retries when the connection is back.
    return new CodexError(
      "network",
      `Could not refresh the ChatGPT login (${e.code}: ${e.message}). The login is kept; try again when the connection is back.`,
      { cause: e, retryable: false },
    );
  }
  if (e instanceof LockTimeoutError) {
    return new CodexError("authentication", e.message, { cause: e });
  }
  return new CodexError(
    "authentication",
    `Could not load the login: ${(e as Error)?.message ?? e}`,
    {
      cause: e,
    },
  );
}

/**
 * A credentials provider over a token store.
 *
 * @example
 * ```ts ignore
 * import { openTokenStore, ResponsesClient, storeCredentials } from "@x/codex-provider";
 * const client = new ResponsesClient({ credentials: storeCredentials(await openTokenStore()) });
 * ```
 */
export function storeCredentials(
  store: TokenStore,
  onTokens?: (t: StoredTokens) => void,
): CredentialsProvider {
  let last: string | undefined;
  return async ({ forceRefresh, signal }) => {
    try {
      const t = forceRefresh && last
        ? await store.afterUnauthorized(last, { signal })
        : await store.getFresh({ signal });
      last = t.access_token;
      onTokens?.(t);
      return { accessToken: t.access_token, accountId: t.account_id };
    } catch (e) {
      throw credentialsError(e);
    }
  };
}

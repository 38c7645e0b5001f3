/**
 * Credentials for the Responses client from a token file: ours, or the Codex CLI's.
 * On a 401 the file is read again (another process may have rotated the token), as the
 * Codex CLI does. (Refreshing expired tokens arrives with the login issue.)
 *
 * @module
 */

import { stat } from "node:fs/promises";
import type { CredentialsProvider } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { codexAuthFile, currentEnv, defaultTokenFile } from "../paths.ts";
import {
  readCodexAuthFile,
  readTokenFile,
  type StoredTokens,
  TokenFileError,
} from "./token_file.ts";

/** How to log in, for error messages. */
export const LOGIN_HINT = "Log in with the Codex CLI (`codex login`), then try again.";

/** Where tokens were found. */
export interface TokenSource {
  /** The file. */
  path: string;
  /** Its format. */
  format: "codex-provider" | "codex-cli";
}

async function exists(path: string): Promise<boolean> {
  try {
    // stat, not access: Deno's access() needs --allow-sys=uid to compare mode bits.
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Find the token file: `explicit` (or `CODEX_TOKEN_FILE`) if given, else ours if it
 * exists, else the Codex CLI's `auth.json` if it exists.
 */
export async function findTokenSource(
  explicit?: string,
  env: Record<string, string | undefined> = currentEnv(),
): Promise<TokenSource> {
  const chosen = explicit ?? env.CODEX_TOKEN_FILE;
  if (chosen) return { path: chosen, format: "codex-provider" };
  const ours = defaultTokenFile(env);
  if (await exists(ours)) return { path: ours, format: "codex-provider" };
  const cli = codexAuthFile(env);
  if (await exists(cli)) return { path: cli, format: "codex-cli" };
  throw new TokenFileError(
    "missing",
    `Not logged in: no token file at ${ours} nor ${cli}. ${LOGIN_HINT}`,
  );
}

/** Read tokens from a source. */
export function readTokens(source: TokenSource): Promise<StoredTokens> {
  return source.format === "codex-cli"
    ? readCodexAuthFile(source.path, LOGIN_HINT)
    : readTokenFile(source.path, LOGIN_HINT);
}

/**
 * A credentials provider over a token file. It re-reads the file after a 401, and fails
 * with an actionable `authentication` error when the token has expired.
 */
export function fileCredentials(
  source: TokenSource,
  onTokens?: (t: StoredTokens) => void,
): CredentialsProvider {
  let cached: StoredTokens | undefined;
  return async ({ forceRefresh }) => {
    if (!cached || forceRefresh) {
      try {
        cached = await readTokens(source);
      } catch (e) {
        throw new CodexError("authentication", (e as Error).message, { cause: e });
      }
      onTokens?.(cached);
    }
    const exp = cached.expires_at ? Date.parse(cached.expires_at) : undefined;
    if (exp !== undefined && exp <= Date.now()) {
      throw new CodexError(
        "authentication",
        `The access token in ${source.path} expired at ${cached.expires_at}. ${LOGIN_HINT}`,
      );
    }
    return { accessToken: cached.access_token, accountId: cached.account_id };
  };
}

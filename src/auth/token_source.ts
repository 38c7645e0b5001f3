/**
 * Which token file is in use: a light module (no OAuth, no network), so the agent's
 * sandbox launcher can name the file's folder in its permission flags without loading the
 * rest of the login code.
 *
 * @module
 */

import { pathExists } from "../fs/path_exists.ts";
import { codexAuthFile, currentEnv, defaultTokenFile } from "../paths.ts";
import { DEFAULT_LOGIN_COMMAND } from "./protocol.ts";
import { TokenFileError } from "./token_file.ts";

/** Where tokens were found. */
export interface TokenSource {
  /** The file. */
  path: string;
  /** Its format. */
  format: "codex-provider" | "codex-cli";
}

/**
 * Find the token file: `explicit` (or `CODEX_TOKEN_FILE`) if given, else ours if it
 * exists, else the Codex CLI's `auth.json` if it exists.
 */
export async function findTokenSource(
  explicit?: string,
  env: Record<string, string | undefined> = currentEnv(),
  loginCommand: string = DEFAULT_LOGIN_COMMAND,
): Promise<TokenSource> {
  const chosen = explicit ?? env.CODEX_TOKEN_FILE;
  if (chosen) return { path: chosen, format: "codex-provider" };
  const ours = defaultTokenFile(env);
  if (await pathExists(ours)) return { path: ours, format: "codex-provider" };
  const cli = codexAuthFile(env);
  if (await pathExists(cli)) return { path: cli, format: "codex-cli" };
  throw new TokenFileError(
    "missing",
    `Not logged in: no token file at ${ours} nor ${cli}. Log in: ${loginCommand}`,
  );
}

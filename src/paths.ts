/**
 * Where codex-provider keeps its files, by platform, with the overrides people use.
 *
 * @module
 */

import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";

type Env = Record<string, string | undefined>;

/** The process environment (works under Deno with --allow-env, and Node). */
export function currentEnv(): Env {
  return process.env;
}

/**
 * Our folder: `CODEX_PROVIDER_HOME`, else the platform's config dir + `codex-provider`
 * (`$XDG_CONFIG_HOME` or `~/.config` on Linux, `~/Library/Application Support` on macOS,
 * `%APPDATA%` on Windows).
 */
export function providerHome(env: Env = currentEnv()): string {
  if (env.CODEX_PROVIDER_HOME) return env.CODEX_PROVIDER_HOME;
  const home = env.HOME || env.USERPROFILE || homedir();
  const base = process.platform === "darwin"
    ? join(home, "Library", "Application Support")
    : process.platform === "win32"
    ? env.APPDATA || join(home, "AppData", "Roaming")
    : env.XDG_CONFIG_HOME || join(home, ".config");
  return join(base, "codex-provider");
}

/** Our token file: `CODEX_TOKEN_FILE`, else `<providerHome>/tokens.json`. */
export function defaultTokenFile(env: Env = currentEnv()): string {
  return env.CODEX_TOKEN_FILE || join(providerHome(env), "tokens.json");
}

/** The model catalog's cache, kept beside the sessions (the sandbox already lets it write there). */
export function modelsCacheFile(sessionDir: string): string {
  return join(sessionDir, "models_cache.json");
}

/** Where sessions are kept: `<providerHome>/sessions`. */
export function defaultSessionDir(env: Env = currentEnv()): string {
  return join(providerHome(env), "sessions");
}

/** The Codex CLI's home: `CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: Env = currentEnv()): string {
  return env.CODEX_HOME || join(env.HOME || env.USERPROFILE || homedir(), ".codex");
}

/** The Codex CLI's token file, `<codexHome>/auth.json`. */
export function codexAuthFile(env: Env = currentEnv()): string {
  return join(codexHome(env), "auth.json");
}

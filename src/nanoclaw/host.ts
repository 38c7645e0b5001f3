/**
 * The NanoClaw host plugin (`plugins/codex/host.js`): tokens for every container spawn,
 * fresh from the token store (five overlapping spawns cause at most one refresh), the
 * model settings, and the interactive login for NanoClaw's `codex-auth` setup step.
 *
 * The same file is NanoClaw 2's host side: {@link codexContainerConfig}, which the
 * registration `install` writes into `src/providers/codex.ts` imports from it.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { parseEnv } from "node:util";
import { noBrowserReason } from "../auth/browser.ts";
import { DEFAULT_ISSUER } from "../auth/protocol.ts";
import { describeTokens, TokenFileError } from "../auth/token_file.ts";
import { LoginRequiredError, TokenStore } from "../auth/token_store.ts";
import { interactiveLogin } from "../cli/login_ui.ts";
import {
  NANOCLAW_LOGIN_COMMAND,
  NANOCLAW_TOKEN_FILE,
  type ProviderPlugin,
  SECRET,
} from "./protocol.ts";

export type { ProviderPlugin } from "./protocol.ts";
export {
  AccessRefresher,
  codexContainerConfig,
  type CodexHostOptions,
  type ProviderContainerContext,
  type ProviderContainerContribution,
  type VolumeMount,
} from "../nanoclaw2/host.ts";

/** Options of {@link createCodexPlugin} (defaults fit a NanoClaw checkout). */
export interface CodexPluginOptions {
  /** NanoClaw's root folder (its `.env` and `data/`); default the working directory. */
  root?: string;
  /** The environment; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Token file; default `$CODEX_TOKEN_FILE`, else `<root>/data/codex-tokens.json`. */
  tokenFile?: string;
  /** Log lines (never a token); default stderr. */
  log?: (text: string) => void;
}

/** Settings the container needs besides the token: from the environment, else `.env`. */
function settings(root: string, env: Record<string, string | undefined>): Record<string, string> {
  let file: Record<string, string> = {};
  try {
    file = parseEnv(readFileSync(join(root, ".env"), "utf8")) as Record<string, string>;
  } catch { /* no .env */ }
  const out: Record<string, string> = {};
  for (
    const key of [
      SECRET.model,
      SECRET.effort,
      SECRET.serviceTier,
      SECRET.bashNetwork,
      SECRET.baseUrl,
    ]
  ) {
    const value = env[key] ?? file[key];
    if (value) out[key] = value;
  }
  return out;
}

/**
 * The plugin NanoClaw loads.
 *
 * @example
 * ```ts ignore
 * import { createCodexPlugin } from "@x/codex-provider/host";
 * const plugin = createCodexPlugin({ root: "/home/me/nanoclaw" });
 * if (!plugin.isAuthenticated()) await plugin.setup();
 * const secrets = await plugin.getSecrets(); // CODEX_ACCESS_TOKEN, CODEX_ACCOUNT_ID, …
 * ```
 */
export function createCodexPlugin(options: CodexPluginOptions = {}): ProviderPlugin {
  const env = options.env ?? process.env;
  const root = options.root ?? process.cwd();
  const path = options.tokenFile ?? env.CODEX_TOKEN_FILE ?? join(root, NANOCLAW_TOKEN_FILE);
  const log = options.log ?? ((t: string) => void process.stderr.write(`[codex] ${t}\n`));
  const issuer = () => (env.CODEX_AUTH_ISSUER || DEFAULT_ISSUER).replace(/\/+$/, "");
  const store = new TokenStore({
    path,
    issuer: env.CODEX_AUTH_ISSUER || undefined,
    loginCommand: NANOCLAW_LOGIN_COMMAND,
    onRefreshDeferred: (e) =>
      log(`token refresh deferred (${e.code}); the current token is still valid`),
    onWarning: log,
  });
  return {
    name: "codex",
    containerProvider: "provider-codex.ts",

    isAuthenticated(): boolean {
      try {
        const t = JSON.parse(readFileSync(path, "utf8"));
        return typeof t.refresh_token === "string" && t.refresh_token.length > 0;
      } catch {
        return false;
      }
    },

    async getSecrets(): Promise<Record<string, string>> {
      try {
        const t = await store.getFresh();
        return {
          [SECRET.accessToken]: t.access_token,
          [SECRET.accountId]: t.account_id,
          ...settings(root, env),
        };
      } catch (e) {
        // Not an empty map: the container turns this into a clear message in the chat. The
        // chat may be shared: it gets the command to run, never a host path; the log has all.
        const message = (e as Error)?.message ?? String(e);
        log(`could not get a ChatGPT token: ${message}`);
        return { [SECRET.authError]: chatAuthMessage(e) };
      }
    },

    async setup(): Promise<void> {
      const server = { issuer: issuer() };
      const device = noBrowserReason() !== undefined;
      if (device) log(`no browser here (${noBrowserReason()}): signing in with a device code`);
      const who = await interactiveLogin(server, async (answer) => {
        const t = describeTokens(answer, { issuer: server.issuer, expires_in: answer.expires_in });
        await store.write(t);
        return { email: t.email, plan: t.plan_type };
      }, { device });
      log(
        `signed in as ${who.email ?? "your ChatGPT account"}${
          who.plan ? ` (ChatGPT ${who.plan})` : ""
        }; tokens in ${path}`,
      );
    },
  };
}

/** What the chat is told when the host has no usable login: what happened and what to run. */
export function chatAuthMessage(e: unknown): string {
  const what = e instanceof LoginRequiredError
    ? `The ChatGPT login is no longer valid (${e.code}).`
    : e instanceof TokenFileError && e.code === "missing"
    ? "NanoClaw is not logged in to ChatGPT."
    : "NanoClaw could not use its ChatGPT login (see the host's log).";
  return `${what} On the NanoClaw host, log in again: ${NANOCLAW_LOGIN_COMMAND}`;
}

/** The plugin for a NanoClaw checkout in the working directory. */
const plugin: ProviderPlugin = createCodexPlugin();
export default plugin;

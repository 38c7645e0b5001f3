/**
 * The NanoClaw 2 host side of the `codex` provider: what each container spawn gets, given
 * synchronously as NanoClaw's `registerProviderContainerConfig` wants it. One background
 * refresher per host keeps the access token of the login (`data/codex-tokens.json`) fresh
 * in a small folder that every codex container mounts read-only: no refresh token enters a
 * container, however many start at once there is at most one refresh, and a lost login is
 * written there as the message the chat will show.
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { TokenFileError } from "../auth/token_file.ts";
import { LoginRequiredError, TokenStore } from "../auth/token_store.ts";
import { HANDOFF_ENV, HANDOFF_MOUNT, NANOCLAW2_LOGIN_HINT, writeHandoff } from "./token_handoff.ts";

/** A mount, as NanoClaw 2's registry takes it. */
export interface VolumeMount {
  /** On the host. */
  hostPath: string;
  /** In the container. */
  containerPath: string;
  /** Read-only. */
  readonly: boolean;
}

/** What NanoClaw passes per spawn. */
export interface ProviderContainerContext {
  /** The session's host folder. */
  sessionDir: string;
  /** The agent group. */
  agentGroupId: string;
  /** The host's environment now. */
  hostEnv: Record<string, string | undefined>;
}

/** What a spawn gets. */
export interface ProviderContainerContribution {
  /** Extra mounts. */
  mounts?: VolumeMount[];
  /** Extra environment. */
  env?: Record<string, string>;
}

/** Options of {@link codexContainerConfig}. */
export interface CodexHostOptions {
  /** NanoClaw's folder (default: the working directory, as NanoClaw runs). */
  root?: string;
  /** The token file (default `CODEX_TOKEN_FILE`, else `data/codex-tokens.json`). */
  tokenFile?: string;
  /** The folder handed to containers (default `data/codex-access`). */
  accessDir?: string;
  /** Renew the handed-off token this long before it expires (default 10 min). */
  renewBeforeMs?: number;
  /** Log lines (never a token). */
  log?: (text: string) => void;
}

/** Settings passed through to the container when set on the host. */
const PASSED = [
  "CODEX_MODEL",
  "CODEX_REASONING_EFFORT",
  "CODEX_SERVICE_TIER",
  "CODEX_BASE_URL",
  "CODEX_BASH_NETWORK",
];

/** The refresher behind {@link codexContainerConfig}: one per token file. */
export class AccessRefresher {
  /** The folder handed to containers. */
  readonly dir: string;
  #store: TokenStore;
  #renewMs: number;
  #log: (text: string) => void;
  #expires = 0;
  #running?: Promise<void>;
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;

  /** A refresher from the token file into `dir`. */
  constructor(tokenFile: string, dir: string, o: Pick<CodexHostOptions, "renewBeforeMs" | "log">) {
    this.dir = dir;
    this.#renewMs = o.renewBeforeMs ?? 10 * 60_000;
    this.#log = o.log ?? ((t) => void process.stderr.write(`[codex] ${t}\n`));
    this.#store = new TokenStore({
      path: tokenFile,
      // The handed-off token must stay valid for the whole margin: refresh inside it.
      refreshMarginMs: this.#renewMs,
      loginCommand: "npx nanoclaw-codex-provider login",
      onWarning: this.#log,
      onRefreshDeferred: (e) => this.#log(`token refresh deferred (${e.code})`),
    });
  }

  /** Make sure a fresh token is (or soon is) in the folder; never blocks the caller. */
  kick(): void {
    if (this.#stopped || this.#expires - Date.now() > this.#renewMs) return;
    void this.renew();
  }

  /** Renew now (one at a time) and schedule the next renewal. */
  renew(): Promise<void> {
    this.#running ??= this.#renew().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #renew(): Promise<void> {
    clearTimeout(this.#timer);
    let next = 60_000;
    try {
      const tokens = await this.#store.getFresh();
      await writeHandoff(this.dir, {
        access_token: tokens.access_token,
        account_id: tokens.account_id,
        expires_at: tokens.expires_at,
      });
      this.#expires = tokens.expires_at ? Date.parse(tokens.expires_at) : Date.now() + 3600_000;
      next = Math.max(30_000, this.#expires - Date.now() - this.#renewMs);
    } catch (e) {
      const gone = e instanceof LoginRequiredError || e instanceof TokenFileError;
      this.#log(`could not get a ChatGPT token: ${(e as Error).message}`);
      this.#expires = 0;
      if (gone) {
        const what = e instanceof LoginRequiredError
          ? `The ChatGPT login is no longer valid (${e.code}).`
          : "NanoClaw is not logged in to ChatGPT.";
        await writeHandoff(this.dir, { error: `${what} ${NANOCLAW2_LOGIN_HINT}` }).catch(() => {});
      }
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.renew(), next);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stop renewing; resolves once a renewal in flight has written its file. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => {});
  }
}

/**
 * The function to register with `registerProviderContainerConfig("codex", …)`. It starts the
 * refresher at once and, per spawn, returns the mount and environment.
 *
 * @example
 * ```ts ignore
 * import { registerProviderContainerConfig } from "./provider-container-registry.js";
 * registerProviderContainerConfig("codex", codexContainerConfig());
 * ```
 */
export function codexContainerConfig(
  options: CodexHostOptions = {},
): ((ctx: ProviderContainerContext) => ProviderContainerContribution) & {
  refresher: AccessRefresher;
} {
  const root = options.root ?? process.cwd();
  const tokenFile = options.tokenFile ?? process.env.CODEX_TOKEN_FILE ??
    join(root, "data", "codex-tokens.json");
  const refresher = new AccessRefresher(
    tokenFile,
    options.accessDir ?? join(root, "data", "codex-access"),
    options,
  );
  void refresher.renew();
  const fn = (ctx: ProviderContainerContext): ProviderContainerContribution => {
    refresher.kick();
    const env: Record<string, string> = { [HANDOFF_ENV]: HANDOFF_MOUNT };
    for (const k of PASSED) if (ctx.hostEnv[k]) env[k] = ctx.hostEnv[k]!;
    return {
      mounts: [{ hostPath: refresher.dir, containerPath: HANDOFF_MOUNT, readonly: true }],
      env,
    };
  };
  return Object.assign(fn, { refresher });
}

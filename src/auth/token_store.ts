/**
 * The token store: one file (ours, or the Codex CLI's `auth.json` as a shared store), and
 * fresh tokens for every process that asks, without ever spending a refresh token twice.
 *
 * - Proactive: refresh when the access token is within `refreshMarginMs` of expiry (or the
 *   last refresh is over 8 days old, as the CLI does).
 * - Single-flight inside a process; a lock file across processes. Inside the lock the file is
 *   read again, and a token another process already rotated is adopted, not refreshed again.
 * - Crash-safe: a process killed after the answer arrived but before its new tokens replaced
 *   the file leaves them in a complete temp file beside it; the next process adopts it (under
 *   the lock) instead of spending the old, already used refresh token.
 * - Never retried blindly: one refresh request per need. A dead grant (`refresh_token_reused`,
 *   `…_expired`, `…_invalidated`, `invalid_grant`) ends in {@link LoginRequiredError}; a
 *   network failure keeps the current token while it is still valid.
 *
 * @module
 */

import { chmod, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type FileLockOptions, withFileLock } from "../fs/file_lock.ts";
import { OAuthError, type OAuthServer, refreshGrant } from "./oauth.ts";
import { DEFAULT_ISSUER, DEFAULT_LOGIN_COMMAND, REFRESH_INTERVAL_MS } from "./protocol.ts";
import {
  describeTokens,
  readCodexAuthFile,
  readTokenFile,
  type StoredTokens,
  writeCodexAuthFile,
  writeTokenFile,
} from "./token_file.ts";

export { DEFAULT_LOGIN_COMMAND } from "./protocol.ts";

/** The login is gone (the refresh token was reused, expired or revoked): log in again. */
export class LoginRequiredError extends Error {
  /** The token endpoint's code. */
  readonly code: string;
  /** Create one that names the command to run. */
  constructor(code: string, loginCommand: string, cause?: unknown) {
    super(
      `Your ChatGPT login is no longer valid (${code}). Log in again: ${loginCommand}`,
      cause === undefined ? undefined : { cause },
    );
    this.name = "LoginRequiredError";
    this.code = code;
  }
}

/** Options of {@link TokenStore}. */
export interface TokenStoreOptions {
  /** The token file. */
  path: string;
  /** Its format: ours (default) or the Codex CLI's `auth.json`. */
  format?: "codex-provider" | "codex-cli";
  /** The issuer to refresh with; default the file's, else `CODEX_AUTH_ISSUER`, else OpenAI. */
  issuer?: string;
  /** Refresh this long before expiry (default 5 min). */
  refreshMarginMs?: number;
  /** Give a refresh request this long (default 30 s). */
  refreshTimeoutMs?: number;
  /** Refresh body encoding (default `json`, as the current CLI). */
  refreshEncoding?: "json" | "form";
  /** Lock behaviour. */
  lock?: FileLockOptions;
  /** Named in "log in again" messages. */
  loginCommand?: string;
  /** Injected fetch (tests). */
  fetch?: typeof fetch;
  /** Called when a refresh failed for a passing reason and the current token is still used. */
  onRefreshDeferred?: (error: OAuthError) => void;
  /** Called with something the person should know (a token file others could read, fixed). */
  onWarning?: (message: string) => void;
}

/**
 * Tokens in one file, kept fresh.
 *
 * @example
 * ```ts ignore
 * import { TokenStore } from "@x/codex-provider";
 * const store = new TokenStore({ path: "/home/me/.config/codex-provider/tokens.json" });
 * const { access_token, account_id } = await store.getFresh();
 * ```
 */
export class TokenStore {
  /** The file. */
  readonly path: string;
  /** Its format. */
  readonly format: "codex-provider" | "codex-cli";
  #o: TokenStoreOptions;
  #inflight?: Promise<StoredTokens>;
  #modeChecked = false;

  /** Create a store over a file (nothing is read yet). */
  constructor(options: TokenStoreOptions) {
    this.#o = options;
    this.path = options.path;
    this.format = options.format ?? "codex-provider";
  }

  get #loginCommand(): string {
    return this.#o.loginCommand ?? DEFAULT_LOGIN_COMMAND;
  }

  /** Read the file as it is now (the first read also makes sure only its owner can). */
  async read(): Promise<StoredTokens> {
    if (!this.#modeChecked) {
      this.#modeChecked = true;
      await this.#tightenMode();
    }
    const hint = `Log in: ${this.#loginCommand}`;
    return this.format === "codex-cli"
      ? readCodexAuthFile(this.path, hint)
      : readTokenFile(this.path, hint);
  }

  /** A token file others may read is made 0600, and the person is told. */
  async #tightenMode(): Promise<void> {
    try {
      const mode = (await stat(this.path)).mode & 0o777;
      if ((mode & 0o077) === 0) return;
      await chmod(this.path, 0o600);
      this.#o.onWarning?.(
        `${this.path} was readable by others (mode ${mode.toString(8)}); it is now 0600. ` +
          "If others could log in here, log out and in again to replace the tokens.",
      );
    } catch { /* absent, or not ours to change: the read below says what is wrong */ }
  }

  /** Replace the file's tokens (atomically, 0600). */
  write(tokens: StoredTokens): Promise<void> {
    return this.format === "codex-cli"
      ? writeCodexAuthFile(this.path, tokens)
      : writeTokenFile(this.path, tokens);
  }

  /** Delete the file. */
  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }

  /** Whether these tokens should be refreshed now. */
  needsRefresh(t: StoredTokens, now: number = Date.now()): boolean {
    const margin = this.#o.refreshMarginMs ?? 5 * 60_000;
    if (t.expires_at) return Date.parse(t.expires_at) - margin <= now;
    return now - Date.parse(t.last_refresh) > REFRESH_INTERVAL_MS;
  }

  /** Tokens that are valid now, refreshing first when they are about to expire. */
  async getFresh(options: { signal?: AbortSignal } = {}): Promise<StoredTokens> {
    if ((await this.#leftovers()).length) {
      // A refresh was cut short after its answer was saved: adopt that first, under the lock.
      await withFileLock(`${this.path}.lock`, () => this.#adoptLeftover(), this.#o.lock);
    }
    const current = await this.read();
    if (!this.needsRefresh(current)) return current;
    return await this.#singleFlight(current.access_token, options.signal);
  }

  /** Temp files of an interrupted atomic write of this file. */
  async #leftovers(): Promise<string[]> {
    const prefix = `.${basename(this.path)}.`;
    try {
      return (await readdir(dirname(this.path)))
        .filter((n) => n.startsWith(prefix) && n.endsWith(".tmp"))
        .map((n) => join(dirname(this.path), n));
    } catch {
      return [];
    }
  }

  /**
   * Under the lock: a complete temp file newer than the file holds the tokens a killed
   * process received; it replaces the file. Others are removed.
   */
  async #adoptLeftover(): Promise<void> {
    const current = await this.read().catch(() => undefined);
    let best: { path: string; tokens: StoredTokens } | undefined;
    for (const path of await this.#leftovers()) {
      const tokens =
        await (this.format === "codex-cli" ? readCodexAuthFile(path, "") : readTokenFile(path, ""))
          .catch(() => undefined);
      const newer = tokens &&
        (!best || Date.parse(tokens.last_refresh) > Date.parse(best.tokens.last_refresh));
      if (newer) {
        if (best) await rm(best.path, { force: true });
        best = { path, tokens };
      } else await rm(path, { force: true });
    }
    if (!best) return;
    const adopt = !current ||
      (best.tokens.refresh_token !== current.refresh_token &&
        Date.parse(best.tokens.last_refresh) >= Date.parse(current.last_refresh));
    if (adopt) await rename(best.path, this.path);
    else await rm(best.path, { force: true });
  }

  /**
   * The backend refused `rejectedAccessToken` (401): use a token another process already
   * rotated if there is one, else refresh once.
   */
  async afterUnauthorized(
    rejectedAccessToken: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<StoredTokens> {
    const current = await this.read();
    if (current.access_token !== rejectedAccessToken) return current;
    return await this.#singleFlight(rejectedAccessToken, options.signal, true);
  }

  #singleFlight(seenAccess: string, signal?: AbortSignal, force = false): Promise<StoredTokens> {
    this.#inflight ??= withFileLock(
      `${this.path}.lock`,
      () => this.#refreshLocked(seenAccess, force, signal),
      this.#o.lock,
    ).finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  async #refreshLocked(seenAccess: string, force: boolean, signal?: AbortSignal) {
    await this.#adoptLeftover();
    const current = await this.read();
    // Another process rotated while we waited for the lock: adopt its tokens.
    if (current.access_token !== seenAccess) return current;
    if (!force && !this.needsRefresh(current)) return current;
    const server: OAuthServer = {
      issuer: this.#o.issuer ?? currentIssuer(current),
      refreshEncoding: this.#o.refreshEncoding,
      fetch: this.#o.fetch,
    };
    const timeout = AbortSignal.timeout(this.#o.refreshTimeoutMs ?? 30_000);
    let answer;
    try {
      answer = await refreshGrant(
        server,
        current.refresh_token,
        signal ? AbortSignal.any([signal, timeout]) : timeout,
      );
    } catch (e) {
      if (e instanceof OAuthError && e.permanent) {
        throw new LoginRequiredError(e.code, this.#loginCommand, e);
      }
      const stillValid = current.expires_at && Date.parse(current.expires_at) > Date.now() + 10_000;
      if (e instanceof OAuthError && stillValid && !force) {
        this.#o.onRefreshDeferred?.(e);
        return current;
      }
      throw e;
    }
    const next = describeTokens({
      access_token: answer.access_token ?? current.access_token,
      refresh_token: answer.refresh_token ?? current.refresh_token,
      id_token: answer.id_token ?? current.id_token,
      account_id: current.account_id,
    }, { issuer: server.issuer, client_id: current.client_id, expires_in: answer.expires_in });
    await this.write(next);
    return next;
  }
}

function currentIssuer(t: StoredTokens): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env?.CODEX_AUTH_ISSUER || t.issuer || DEFAULT_ISSUER;
}

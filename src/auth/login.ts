/**
 * Signing in from a program: the same browser (PKCE with a loopback callback) and device-code
 * flows as `deno task login`, storing the tokens in our token file (atomically, 0600) where
 * `openTokenStore()` and the agent find them. How the flow talks to the person is up to the
 * caller; by default it writes the address or the code to stderr.
 *
 * @module
 */

import process from "node:process";
import { browserLogin, deviceLogin, type LoginUi } from "./login_flows.ts";
import type { OAuthServer } from "./oauth.ts";
import type { SignedIn } from "./pages.ts";
import { CALLBACK_PORTS, DEFAULT_ISSUER } from "./protocol.ts";
import { describeTokens } from "./token_file.ts";
import { TokenStore } from "./token_store.ts";
import { defaultTokenFile } from "../paths.ts";

export type { LoginUi } from "./login_flows.ts";
export type { SignedIn } from "./pages.ts";

/** Options of {@link login}. */
export interface LoginOptions {
  /**
   * `browser` (default): the sign-in page in a browser, which comes back to a loopback port
   * (1455, else 1457). `device`: a code to type at OpenAI's device page, for machines with
   * no browser.
   */
  mode?: "browser" | "device";
  /** Where to store the tokens; default `CODEX_TOKEN_FILE`, else our token file. */
  tokenFile?: string;
  /** OAuth issuer; default `CODEX_AUTH_ISSUER`, else OpenAI's. */
  issuer?: string;
  /** How the flow talks to the person; anything left out writes to stderr. */
  ui?: Partial<LoginUi>;
  /** Open the system browser (browser mode); default true. The address is shown either way. */
  openBrowser?: boolean;
  /** Loopback ports to try for the browser's return; default 1455, then 1457. */
  ports?: readonly number[];
  /** Give up after this long; default 5 minutes (browser) or 15 minutes (device). */
  timeoutMs?: number;
  /** Cancels the login. */
  signal?: AbortSignal;
}

/** Who signed in, and where the tokens are. */
export interface LoginResult extends SignedIn {
  /** The token file written. */
  tokenFile: string;
}

/** Writes to stderr: the address, the device code, notices. */
function stderrUi(over: Partial<LoginUi> = {}): LoginUi {
  const say = (text: string) => void process.stderr.write(`${text}\n`);
  return {
    showUrl: (url, _mode, opened) =>
      say(`${opened ? "If the browser did not open, visit" : "Open"} this address: ${url}`),
    waiting: () => {},
    showDeviceCode: (code, url) => say(`Visit ${url} and enter the code ${code}`),
    readLine: () => Promise.resolve(undefined),
    notice: say,
    ...over,
  };
}

/**
 * Sign in with ChatGPT and store the tokens; resolves with who signed in. Fails with an
 * {@link OAuthError} saying what went wrong (cancelled, refused, timed out, no free port).
 *
 * @example Device login against the fake backend (with your account, leave `issuer` out)
 * ```ts
 * import { login, readTokenFile } from "@x/codex-provider";
 * import { startFakeBackend } from "@x/codex-provider/testing";
 *
 * const fake = await startFakeBackend({ deviceIntervalSeconds: 0.1 });
 * const dir = await Deno.makeTempDir();
 * const who = await login({
 *   mode: "device",
 *   issuer: fake.url,
 *   tokenFile: `${dir}/tokens.json`,
 *   ui: { showDeviceCode: (code) => void fake.approveDevice(code) }, // the person types it
 * });
 * const saved = await readTokenFile(who.tokenFile, "Log in first.");
 * console.log(who.email, saved.account_id); // the fake's identity
 * await fake.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function login(options: LoginOptions = {}): Promise<LoginResult> {
  const issuer = (options.issuer ?? process.env.CODEX_AUTH_ISSUER ?? DEFAULT_ISSUER)
    .replace(/\/+$/, "");
  const server: OAuthServer = { issuer };
  const tokenFile = options.tokenFile ?? defaultTokenFile();
  const store = new TokenStore({ path: tokenFile });
  const ui = stderrUi(options.ui);
  const complete = async (answer: Parameters<Parameters<typeof browserLogin>[2]>[0]) => {
    const t = describeTokens(answer, { issuer, expires_in: answer.expires_in });
    await store.write(t);
    return { email: t.email, plan: t.plan_type };
  };
  const who = options.mode === "device"
    ? await deviceLogin(server, ui, complete, {
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    })
    : await browserLogin(server, ui, complete, {
      signal: options.signal,
      ports: options.ports ?? CALLBACK_PORTS,
      openBrowser: options.openBrowser,
      timeoutMs: options.timeoutMs,
    });
  return { ...who, tokenFile };
}

/**
 * The three ways to log in: the browser with a loopback callback, paste mode (the person
 * copies the redirect address back; for SSH and machines with no browser), and OpenAI's
 * device code. Each ends by handing the tokens to `complete`, which stores them.
 *
 * @module
 */

import { openBrowser } from "./browser.ts";
import { PortsBusyError, startCallbackServer } from "./callback_server.ts";
import {
  authorizeUrl,
  createPkce,
  exchangeCode,
  type GrantedTokens,
  OAuthError,
  type OAuthServer,
  type PkceSession,
  validateCallback,
} from "./oauth.ts";
import { errorPage, type SignedIn, successPage } from "./pages.ts";
import {
  BROWSER_LOGIN_TIMEOUT_MS,
  CALLBACK_HOST,
  CALLBACK_PATH,
  CALLBACK_PORTS,
  CLIENT_ID,
  DEVICE_CALLBACK_PATH,
  DEVICE_TIMEOUT_MS,
  DEVICE_TOKEN_PATH,
  DEVICE_USERCODE_PATH,
  DEVICE_VERIFY_PATH,
} from "./protocol.ts";

/** How a flow talks to the person. */
export interface LoginUi {
  /** Show the sign-in URL (always shown, even when a browser opens). */
  showUrl(url: string, mode: "browser" | "paste", browserOpened: boolean): void;
  /** Time left while waiting for the browser (called about once a second). */
  waiting(msLeft: number): void;
  /** Show the device code and where to type it. */
  showDeviceCode(userCode: string, verifyUrl: string): void;
  /** Ask for one line (paste mode). */
  readLine(prompt: string): Promise<string | undefined>;
  /** Say something along the way. */
  notice(text: string): void;
}

/** Stores the tokens; returns who signed in. */
export type CompleteLogin = (answer: GrantedTokens) => Promise<SignedIn>;

/** Options shared by the flows. */
export interface FlowOptions {
  /** Cancels the login. */
  signal?: AbortSignal;
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new OAuthError("cancelled", "The login was cancelled."));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/** A loopback listener waiting for the browser to come back with the code. */
interface PendingCallback {
  /** The redirect URI the authorize request must name. */
  redirectUri: string;
  /** Settles when a callback completed the login, or the server refused it. */
  done: Promise<SignedIn>;
  /** Stop listening. */
  close(): Promise<void>;
}

/**
 * Listen on the first free port of `ports` for the browser's return: check `state`,
 * exchange the code, store the tokens, and show the browser what happened. A stray or stale
 * tab (wrong state) is refused without ending the login; a refusal by the server ends it.
 * Throws {@link PortsBusyError} when no port is free.
 */
async function listenForCallback(
  server: OAuthServer,
  pkce: PkceSession,
  complete: CompleteLogin,
  ports: readonly number[],
  signal?: AbortSignal,
): Promise<PendingCallback> {
  let settle!: { resolve: (w: SignedIn) => void; reject: (e: unknown) => void };
  const done = new Promise<SignedIn>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // observed by whoever awaits it
  let redirectUri = "";
  const cs = await startCallbackServer(ports, async (params) => {
    let validated: URLSearchParams;
    try {
      validated = validateCallback(server, params, pkce.state);
    } catch (e) {
      const err = e as OAuthError;
      if (err.code !== "state_mismatch") settle.reject(err);
      return {
        status: 400,
        html: errorPage(
          err.message,
          "Go back to the terminal; start the login again if it stopped.",
        ),
      };
    }
    try {
      const answer = await exchangeCode(server, validated, redirectUri, pkce.verifier, signal);
      const who = await complete(answer);
      settle.resolve(who);
      return { status: 200, html: successPage(who) };
    } catch (e) {
      settle.reject(e);
      return {
        status: 500,
        html: errorPage(
          `The sign-in could not be completed: ${(e as Error).message}`,
          "Go back to the terminal and run the login again.",
        ),
      };
    }
  });
  redirectUri = cs.redirectUri;
  return { redirectUri, done, close: () => cs.close() };
}

/**
 * Browser login: a loopback callback on 127.0.0.1 (1455, else 1457), the browser opened
 * where one exists, the URL always shown, a countdown while waiting. When no port is free
 * it says so and switches to paste mode.
 */
export async function browserLogin(
  server: OAuthServer,
  ui: LoginUi,
  complete: CompleteLogin,
  options: FlowOptions & { ports?: readonly number[]; openBrowser?: boolean; timeoutMs?: number } =
    {},
): Promise<SignedIn> {
  const pkce = await createPkce();
  let cb: PendingCallback;
  try {
    cb = await listenForCallback(
      server,
      pkce,
      complete,
      options.ports ?? CALLBACK_PORTS,
      options.signal,
    );
  } catch (e) {
    if (!(e instanceof PortsBusyError)) throw e;
    ui.notice(`${e.message} Switching to paste mode.`);
    return await pasteLogin(server, ui, complete, { ...options, pkce });
  }
  const timeoutMs = options.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const tick = setInterval(() => ui.waiting(Math.max(0, deadline - Date.now())), 1000);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const url = authorizeUrl(server, cb.redirectUri, pkce);
    const opened = options.openBrowser === false ? false : await openBrowser(url);
    ui.showUrl(url, "browser", opened);
    ui.waiting(timeoutMs);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() =>
        reject(
          new OAuthError(
            "timeout",
            `No sign-in arrived within ${
              Math.round(timeoutMs / 60_000)
            } minutes. Run the login again, or use --no-browser or --device.`,
          ),
        ), timeoutMs);
    });
    return await abortable(Promise.race([cb.done, timeout]), options.signal);
  } finally {
    clearInterval(tick);
    clearTimeout(timer);
    await cb.close();
  }
}

/** The parameters in what the person pasted: a redirect URL, a query string, or a bare code. */
export function parsePasted(text: string): URLSearchParams | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/[?&]?code=/.test(t)) {
    const query = t.includes("?") ? t.slice(t.indexOf("?") + 1) : t;
    return new URLSearchParams(query.split("#")[0]);
  }
  if (/^[\w.~-]+$/.test(t)) return new URLSearchParams({ code: t });
  return undefined;
}

/**
 * Paste mode: show the URL; the person signs in in any browser, then pastes back the address
 * its address bar shows, or just the code. Meanwhile it also listens on the callback port
 * when that is free, so a browser on this machine, or one reaching it through
 * `ssh -L 1455:localhost:1455`, finishes the login by itself.
 */
export async function pasteLogin(
  server: OAuthServer,
  ui: LoginUi,
  complete: CompleteLogin,
  options: FlowOptions & { ports?: readonly number[]; pkce?: PkceSession } = {},
): Promise<SignedIn> {
  const pkce = options.pkce ?? await createPkce();
  const port = options.ports?.[0] ?? CALLBACK_PORTS[0];
  let cb: PendingCallback | undefined;
  try {
    cb = await listenForCallback(server, pkce, complete, [port], options.signal);
  } catch (e) {
    if (!(e instanceof PortsBusyError)) throw e; // then pasting is the only way back
  }
  const redirectUri = cb?.redirectUri ?? `http://${CALLBACK_HOST}:${port}${CALLBACK_PATH}`;
  ui.showUrl(authorizeUrl(server, redirectUri, pkce), "paste", false);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const pasted = readPasted(server, ui, complete, pkce, redirectUri, signal);
  pasted.catch(() => {}); // when the callback wins, the abandoned read is cancelled
  try {
    return await (cb ? Promise.race([pasted, cb.done]) : pasted);
  } finally {
    stop.abort();
    await cb?.close();
  }
}

/** Read pasted addresses (three tries) and exchange the code. */
async function readPasted(
  server: OAuthServer,
  ui: LoginUi,
  complete: CompleteLogin,
  pkce: PkceSession,
  redirectUri: string,
  signal: AbortSignal,
): Promise<SignedIn> {
  for (let attempt = 1;; attempt++) {
    const line = await abortable(
      ui.readLine("Paste the address from your browser's address bar (or the code): "),
      signal,
    );
    if (line === undefined) {
      throw new OAuthError("cancelled", "No address was pasted; the login was cancelled.");
    }
    const params = parsePasted(line);
    try {
      if (!params) {
        throw new OAuthError("invalid_paste", "That is neither an address with ?code= nor a code.");
      }
      const validated = validateCallback(
        server,
        params,
        params.has("state") ? pkce.state : undefined,
      );
      const answer = await exchangeCode(server, validated, redirectUri, pkce.verifier, signal);
      return await complete(answer);
    } catch (e) {
      const err = e as OAuthError;
      const retry = err.code === "invalid_paste" || err.code === "state_mismatch";
      if (!retry || attempt >= 3) throw e;
      ui.notice(`${err.message} Try again.`);
    }
  }
}

/**
 * Device-code login (OpenAI's endpoints): show the code, poll at the server's interval until
 * the person has typed it at `{issuer}/codex/device`, then exchange the code.
 */
export async function deviceLogin(
  server: OAuthServer,
  ui: LoginUi,
  complete: CompleteLogin,
  options: FlowOptions & { timeoutMs?: number } = {},
): Promise<SignedIn> {
  const f = server.fetch ?? fetch;
  const issuer = server.issuer.replace(/\/+$/, "");
  const post = async (path: string, body: unknown) => {
    try {
      return await f(`${issuer}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        signal: options.signal,
      });
    } catch (e) {
      if (options.signal?.aborted) throw new OAuthError("cancelled", "The login was cancelled.");
      throw new OAuthError(
        "network",
        `Could not reach ${issuer}: ${(e as Error).message}`,
        undefined,
        e,
      );
    }
  };
  const start = await post(DEVICE_USERCODE_PATH, { client_id: CLIENT_ID });
  if (start.status === 404) {
    await start.body?.cancel();
    throw new OAuthError(
      "device_login_disabled",
      "Device-code login is not enabled for this account. Turn it on in ChatGPT's settings " +
        "(Security), or log in with --no-browser (paste mode works over SSH too).",
      404,
    );
  }
  if (!start.ok) {
    throw new OAuthError(
      `http_${start.status}`,
      `Could not start a device login (HTTP ${start.status}).`,
      start.status,
    );
  }
  const s = await start.json() as Record<string, unknown>;
  const deviceAuthId = String(s.device_auth_id ?? "");
  const userCode = String(s.user_code ?? s.usercode ?? "");
  if (!deviceAuthId || !userCode) {
    throw new OAuthError("invalid_answer", "The device login answer lacks its id or code.");
  }
  const intervalMs = Math.max(100, (Number(s.interval) || 5) * 1000);
  ui.showDeviceCode(userCode, `${issuer}${DEVICE_VERIFY_PATH}`);
  const deadline = Date.now() + (options.timeoutMs ?? DEVICE_TIMEOUT_MS);
  while (true) {
    await abortable(new Promise((r) => setTimeout(r, intervalMs)), options.signal);
    if (Date.now() > deadline) {
      throw new OAuthError(
        "timeout",
        "The code was not entered within 15 minutes. Run the login again.",
      );
    }
    const res = await post(DEVICE_TOKEN_PATH, {
      device_auth_id: deviceAuthId,
      user_code: userCode,
    });
    if (res.status === 403 || res.status === 404) {
      await res.body?.cancel();
      ui.waiting(deadline - Date.now());
      continue;
    }
    if (!res.ok) {
      throw new OAuthError(
        `http_${res.status}`,
        `The device login failed (HTTP ${res.status}).`,
        res.status,
      );
    }
    const t = await res.json() as Record<string, unknown>;
    const code = String(t.authorization_code ?? "");
    const verifier = String(t.code_verifier ?? "");
    if (!code || !verifier) {
      throw new OAuthError("invalid_answer", "The device login answer lacks its code.");
    }
    const validated = validateCallback(server, new URLSearchParams({ code }), undefined);
    const answer = await exchangeCode(
      server,
      validated,
      `${issuer}${DEVICE_CALLBACK_PATH}`,
      verifier,
      options.signal,
    );
    return await complete(answer);
  }
}

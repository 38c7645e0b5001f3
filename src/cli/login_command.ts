/**
 * The login command: log in to ChatGPT the way the Codex CLI does, show who is logged in,
 * or log out. Its entry points are `login.ts` (Deno, JSR) and the npm package's bin.
 *
 * @module
 */

import process from "node:process";
import { denoCommand, parseCommand, parseCommandLine, UsageError } from "./command.ts";
import { findTokenSource, type TokenSource } from "../auth/credentials.ts";
import { OAuthError, type OAuthServer, revokeToken } from "../auth/oauth.ts";
import type { SignedIn } from "../auth/pages.ts";
import { CALLBACK_PORTS, DEFAULT_ISSUER } from "../auth/protocol.ts";
import {
  describeTokens,
  readCodexAuthFile,
  type StoredTokens,
  TokenFileError,
} from "../auth/token_file.ts";
import { TokenStore } from "../auth/token_store.ts";
import { codexAuthFile, currentEnv, defaultTokenFile } from "../paths.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { bold, dim, interactiveLogin, tty } from "./login_ui.ts";

/** Exit codes (documented in the README). */
export const LOGIN_EXIT = { ok: 0, failed: 1, usage: 2, notLoggedIn: 3, cancelled: 130 } as const;

/** How the command was started, for its help and messages. */
export interface LoginInvocation {
  /** The command a person typed (default `deno task login`). */
  invokedAs?: string;
  /** The command that logs in, for "log in" hints (default: `invokedAs`). */
  loginCommand?: string;
  /** The token file used when none is named (shown in the help). */
  defaultTokenFile?: string;
}

const help = (as: string, login: string, tokenFile: string) => {
  const w = Math.max(login.length + 10, as.length + 16);
  const row = (command: string, what: string) => `  ${command.padEnd(w)}   ${what}`;
  return `codex-provider login ${denoJson.version}: sign in with your ChatGPT account

Usage:
${row(`${login} [options]`, "sign in (browser; paste mode over SSH or with no display)")}
${row(`${as} status [--json]`, "who is signed in, plan, account, token expiry, token file")}
${row(`${as} logout`, "revoke the login and delete the token file")}

Options:
  --device             sign in with a code typed at auth.openai.com/codex/device (no browser here)
  --no-browser         paste mode: open the printed address anywhere, paste back where it lands
  --port N             callback port (default ${CALLBACK_PORTS.join(", then ")})
  --token-file PATH    token file (default $CODEX_TOKEN_FILE or ${tokenFile})
  --codex-store        keep tokens in the Codex CLI's $CODEX_HOME/auth.json, shared with it
  --import-codex-cli   copy the Codex CLI's current login instead of signing in
  --json               (status) one JSON object, for programs
  -h, --help           this help

Environment: CODEX_AUTH_ISSUER (default ${DEFAULT_ISSUER}), CODEX_TOKEN_FILE, CODEX_HOME,
CODEX_PROVIDER_HOME, BROWSER (the command that opens the sign-in page).
Exit codes: 0 done, 1 failed, 2 bad usage, 3 not logged in (status, logout), 130 cancelled.
`;
};

interface Options {
  command: "login" | "status" | "logout";
  device: boolean;
  noBrowser: boolean;
  port?: number;
  tokenFile?: string;
  codexStore: boolean;
  importCodexCli: boolean;
  /** The command that logs in, named in messages. */
  loginCommand: string;
  json: boolean;
}

function parse(argv: string[]): Omit<Options, "loginCommand"> | "help" | "version" {
  const p = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      device: { type: "boolean", default: false },
      "no-browser": { type: "boolean", default: false },
      port: { type: "string" },
      "token-file": { type: "string" },
      "codex-store": { type: "boolean", default: false },
      "import-codex-cli": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const v = p.values;
  if (v.help) return "help";
  if (v.version) return "version";
  const [command = "login", ...extra] = p.positionals;
  if (!["login", "status", "logout"].includes(command) || extra.length) {
    throw new UsageError(
      `Unknown command '${p.positionals.join(" ")}': use login, status or logout.`,
    );
  }
  const port = v.port === undefined ? undefined : Number(v.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new UsageError(`--port must be a port number (got '${v.port}').`);
  }
  if (v["codex-store"] && v["token-file"]) {
    throw new UsageError("--codex-store and --token-file name different files; pick one.");
  }
  return {
    command: command as Options["command"],
    device: v.device,
    noBrowser: v["no-browser"],
    port,
    tokenFile: v["token-file"],
    codexStore: v["codex-store"],
    importCodexCli: v["import-codex-cli"],
    json: v.json,
  };
}

function issuer(): string {
  return (currentEnv().CODEX_AUTH_ISSUER || DEFAULT_ISSUER).replace(/\/+$/, "");
}

/** The store a login writes to. */
function targetStore(o: Options): TokenStore {
  const loginCommand = o.loginCommand;
  if (o.codexStore) {
    return new TokenStore({ path: codexAuthFile(), format: "codex-cli", loginCommand });
  }
  return new TokenStore({ path: o.tokenFile ?? defaultTokenFile(), loginCommand });
}

/** The store status and logout look at: as the agent finds it, or the one named. */
async function existingSource(o: Options): Promise<TokenSource> {
  if (o.codexStore) return { path: codexAuthFile(), format: "codex-cli" };
  return await findTokenSource(o.tokenFile, currentEnv(), o.loginCommand);
}

const err = (s: string) => process.stderr.write(s);
function describe(who: SignedIn): string {
  return `${who.email ?? "an unknown account"}${who.plan ? ` (ChatGPT ${who.plan})` : ""}`;
}

const signedIn = (t: StoredTokens): SignedIn => ({ email: t.email, plan: t.plan_type });

function relative(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  const text = m >= 2880
    ? `${Math.round(m / 1440)} days`
    : m >= 120
    ? `${Math.round(m / 60)} h`
    : `${m} min`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** The login in use, or why there is none. */
async function currentLogin(
  o: Options,
): Promise<{ source: TokenSource; t: StoredTokens } | TokenFileError> {
  try {
    const source = await existingSource(o);
    return { source, t: await new TokenStore({ ...source, loginCommand: o.loginCommand }).read() };
  } catch (e) {
    if (e instanceof TokenFileError) return e;
    throw e;
  }
}

async function status(o: Options): Promise<number> {
  const login = await currentLogin(o);
  if (login instanceof TokenFileError) {
    const e = login;
    if (o.json) {
      process.stdout.write(JSON.stringify({ logged_in: false, reason: e.message }) + "\n");
    } else err(`${e.message}\n`);
    return LOGIN_EXIT.notLoggedIn;
  }
  const { source, t } = login;
  const exp = t.expires_at ? Date.parse(t.expires_at) : undefined;
  if (o.json) {
    process.stdout.write(
      JSON.stringify({
        logged_in: true,
        email: t.email ?? null,
        plan: t.plan_type ?? null,
        account_id: t.account_id,
        expires_at: t.expires_at ?? null,
        access_token_expired: exp !== undefined && exp <= Date.now(),
        last_refresh: t.last_refresh,
        token_file: source.path,
        format: source.format,
      }) + "\n",
    );
    return LOGIN_EXIT.ok;
  }
  const lines = [
    `Logged in as ${bold(describe(signedIn(t)))}`,
    `  account       ${t.account_id}`,
    `  access token  ${
      exp === undefined
        ? "expiry unknown"
        : `${exp <= Date.now() ? "expired" : "expires"} ${relative(exp - Date.now())}` +
          ` (${new Date(exp).toISOString().replace(/\.\d+Z$/, "Z")}); refreshed automatically`
    }`,
    `  last refresh  ${t.last_refresh}`,
    `  token file    ${source.path}${
      source.format === "codex-cli" ? " (the Codex CLI's, shared)" : ""
    }`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  return LOGIN_EXIT.ok;
}

async function logout(o: Options): Promise<number> {
  const login = await currentLogin(o);
  if (login instanceof TokenFileError) {
    err(`${login.message.replace(/ Log in: .*$/, "")} Nothing to log out.\n`);
    return LOGIN_EXIT.notLoggedIn;
  }
  const { source, t } = login;
  if (source.format === "codex-cli" && !o.codexStore) {
    err(
      `You are logged in through the Codex CLI's ${source.path}. Log out there with ` +
        "`codex logout`, or pass --codex-store to revoke and delete it from here.\n",
    );
    return LOGIN_EXIT.failed;
  }
  try {
    await revokeToken({ issuer: issuer() }, t.refresh_token, AbortSignal.timeout(15_000));
    err("Revoked the login.\n");
  } catch (e) {
    err(
      `Could not revoke the login (${(e as Error).message}); deleting the local tokens anyway.\n`,
    );
  }
  await new TokenStore(source).remove();
  err(`Deleted ${source.path}. Logged out.\n`);
  return LOGIN_EXIT.ok;
}

async function login(o: Options): Promise<number> {
  const store = targetStore(o);
  const server: OAuthServer = { issuer: issuer() };
  const save = async (t: StoredTokens): Promise<SignedIn> => {
    await store.write(t);
    if (o.codexStore) {
      // Our own file would win over the shared one; make the shared one the login in use.
      await new TokenStore({ path: defaultTokenFile() }).remove();
    }
    return signedIn(t);
  };
  if (o.importCodexCli) {
    const from = codexAuthFile();
    const t = await readCodexAuthFile(from, "Log in to the Codex CLI first (`codex login`).");
    const who = await save({ ...t, issuer: server.issuer });
    err(`Imported the Codex CLI's login (${describe(who)}) into ${store.path}.\n`);
    err(dim(
      "Both now hold the same single-use refresh token: whichever refreshes first invalidates the\n" +
        "other's copy. To share one login with the Codex CLI instead, use --codex-store.\n",
    ));
    return LOGIN_EXIT.ok;
  }
  const who = await interactiveLogin(
    server,
    (answer) =>
      save(describeTokens(answer, { issuer: server.issuer, expires_in: answer.expires_in })),
    { device: o.device, noBrowser: o.noBrowser, ports: o.port ? [o.port] : CALLBACK_PORTS },
  );
  err(`${tty ? "\r\x1b[K" : ""}Logged in as ${bold(describe(who))}.\n`);
  err(dim(`Tokens saved to ${store.path}.\n`));
  return LOGIN_EXIT.ok;
}

/** Run the login CLI; returns the exit code. */
export async function main(argv: string[], how: LoginInvocation = {}): Promise<number> {
  const invokedAs = how.invokedAs ?? `${denoCommand()} task login`;
  const text = help(
    invokedAs,
    how.loginCommand ?? `${invokedAs} [login]`,
    how.defaultTokenFile ?? defaultTokenFile(),
  );
  const parsed = parseCommand(argv, parse, text, LOGIN_EXIT.usage);
  if (typeof parsed === "number") return parsed;
  const o: Options = { ...parsed, loginCommand: how.loginCommand ?? invokedAs };
  try {
    if (o.command === "status") return await status(o);
    if (o.command === "logout") return await logout(o);
    return await login(o);
  } catch (e) {
    const code = e instanceof OAuthError
      ? e.code
      : e instanceof TokenFileError
      ? "token_file"
      : "error";
    err(`${tty ? "\r\x1b[K" : ""}error (${code}): ${(e as Error).message}\n`);
    return code === "cancelled" ? LOGIN_EXIT.cancelled : LOGIN_EXIT.failed;
  }
}

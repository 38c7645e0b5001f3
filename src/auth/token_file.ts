/**
 * The token files: ours (`tokens.json`) and the Codex CLI's (`auth.json`), read into one
 * shape. Ours is written atomically, mode 0600; a folder made for it is 0700.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic_write.ts";
import { readClaims } from "./jwt.ts";
import { CLIENT_ID, DEFAULT_ISSUER } from "./protocol.ts";

/** Tokens and what we know of the person, as stored in our token file (format version 1). */
export interface StoredTokens {
  /** Format version. */
  version: 1;
  /** The issuer that granted them. */
  issuer: string;
  /** The OAuth client. */
  client_id: string;
  /** Access token (JWT). */
  access_token: string;
  /** Single-use, rotating refresh token. */
  refresh_token: string;
  /** Id token (JWT). */
  id_token: string;
  /** ChatGPT account id. */
  account_id: string;
  /** Plan (plus, pro, …). */
  plan_type?: string;
  /** Email. */
  email?: string;
  /** When the access token expires (RFC 3339). */
  expires_at?: string;
  /** When the tokens were last obtained (RFC 3339). */
  last_refresh: string;
}

/** A token file that is missing, unreadable or malformed; the message says what to do. */
export class TokenFileError extends Error {
  /** `missing` (not logged in) or `invalid`. */
  readonly code: "missing" | "invalid";
  /** Create one. */
  constructor(code: "missing" | "invalid", message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TokenFileError";
    this.code = code;
  }
}

/** Fill the derived fields (account, plan, email, expiry) from the tokens' claims. */
export function describeTokens(
  t: { access_token: string; refresh_token: string; id_token: string; account_id?: string },
  base: { issuer?: string; client_id?: string; last_refresh?: string; expires_in?: number } = {},
): StoredTokens {
  const id = readClaims(t.id_token);
  const access = readClaims(t.access_token);
  // The access token's own expiry; else the grant's expires_in (opaque tokens); else the id token's.
  const exp = access.exp ??
    (base.expires_in !== undefined ? Math.floor(Date.now() / 1000) + base.expires_in : id.exp);
  const account = t.account_id || id.accountId || access.accountId;
  if (!account) {
    throw new TokenFileError(
      "invalid",
      "The tokens carry no ChatGPT account id (chatgpt_account_id claim). Log in again.",
    );
  }
  return {
    version: 1,
    issuer: base.issuer ?? DEFAULT_ISSUER,
    client_id: base.client_id ?? CLIENT_ID,
    access_token: t.access_token,
    refresh_token: t.refresh_token,
    id_token: t.id_token,
    account_id: account,
    plan_type: id.planType ?? access.planType,
    email: id.email ?? access.email,
    expires_at: exp ? new Date(exp * 1000).toISOString() : undefined,
    last_refresh: base.last_refresh ?? new Date().toISOString(),
  };
}

async function readJson(path: string, loginHint: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") {
      throw new TokenFileError("missing", `No token file at ${path}. ${loginHint}`);
    }
    throw new TokenFileError("invalid", `Cannot read ${path} (${code ?? e}). ${loginHint}`, {
      cause: e,
    });
  }
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch { /* reported below */ }
  throw new TokenFileError(
    "invalid",
    `${path} is not a valid token file (not a JSON object). ${loginHint}`,
  );
}

function need(obj: Record<string, unknown>, key: string, path: string, hint: string): string {
  const v = obj[key];
  if (typeof v !== "string" || !v) {
    throw new TokenFileError("invalid", `${path} has no '${key}'. ${hint}`);
  }
  return v;
}

/** Read our token file. */
export async function readTokenFile(path: string, loginHint: string): Promise<StoredTokens> {
  const obj = await readJson(path, loginHint);
  if (obj.version !== 1) {
    throw new TokenFileError(
      "invalid",
      `${path} has an unknown format version (${obj.version}). ${loginHint}`,
    );
  }
  const tokens = {
    access_token: need(obj, "access_token", path, loginHint),
    refresh_token: need(obj, "refresh_token", path, loginHint),
    id_token: need(obj, "id_token", path, loginHint),
    account_id: typeof obj.account_id === "string" ? obj.account_id : undefined,
  };
  return describeTokens(tokens, {
    issuer: typeof obj.issuer === "string" ? obj.issuer : undefined,
    client_id: typeof obj.client_id === "string" ? obj.client_id : undefined,
    last_refresh: typeof obj.last_refresh === "string" ? obj.last_refresh : undefined,
  });
}

/** Write our token file atomically (0600; a missing folder is made 0700, an existing one is left). */
export async function writeTokenFile(path: string, tokens: StoredTokens): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(tokens, null, 2) + "\n", {
    mode: 0o600,
    mkdirMode: 0o700,
  });
}

/** Read the Codex CLI's `auth.json` (ChatGPT mode). */
export async function readCodexAuthFile(path: string, loginHint: string): Promise<StoredTokens> {
  const obj = await readJson(path, loginHint);
  const t = obj.tokens as Record<string, unknown> | null | undefined;
  if (!t || typeof t !== "object") {
    throw new TokenFileError(
      "invalid",
      `${path} holds no ChatGPT tokens (auth_mode ${obj.auth_mode ?? "unknown"}). ${loginHint}`,
    );
  }
  return describeTokens({
    access_token: need(t, "access_token", path, loginHint),
    refresh_token: need(t, "refresh_token", path, loginHint),
    id_token: need(t, "id_token", path, loginHint),
    account_id: typeof t.account_id === "string" ? t.account_id : undefined,
  }, { last_refresh: typeof obj.last_refresh === "string" ? obj.last_refresh : undefined });
}

/**
 * Write tokens into the Codex CLI's `auth.json`, keeping any other fields it holds, so the
 * real CLI still reads it (atomic, 0600).
 */
export async function writeCodexAuthFile(path: string, tokens: StoredTokens): Promise<void> {
  let existing: Record<string, unknown> = {};
  try {
    const v = JSON.parse(await readFile(path, "utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) existing = v;
  } catch { /* new or unreadable: write a whole new file */ }
  const ours = toCodexAuthJson(tokens);
  const merged = {
    ...existing,
    ...ours,
    tokens: { ...(existing.tokens as object ?? {}), ...(ours.tokens as object) },
  };
  await writeFileAtomic(path, JSON.stringify(merged, null, 2) + "\n", {
    mode: 0o600,
    mkdirMode: 0o700,
  });
}

/** The Codex CLI's `auth.json` content for tokens (its own format, for interop). */
export function toCodexAuthJson(t: StoredTokens): Record<string, unknown> {
  return {
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: {
      id_token: t.id_token,
      access_token: t.access_token,
      refresh_token: t.refresh_token,
      account_id: t.account_id,
    },
    last_refresh: t.last_refresh,
  };
}

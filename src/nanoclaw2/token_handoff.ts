/**
 * How a NanoClaw 2 container gets its access token: the host keeps one small file fresh
 * (the access token, its account and expiry, or why there is none) in a folder mounted
 * read-only into every container. No refresh token ever enters a container; a container
 * that runs for hours reads the file again and so sees the token the host renewed.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CredentialsProvider } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { writeFileAtomic } from "../fs/atomic_write.ts";

/** What a chat is told to do when the login is gone. */
export const NANOCLAW2_LOGIN_HINT =
  "On the NanoClaw host, log in again: npx nanoclaw-codex-provider login";

/** The file's name in the handed-off folder. */
export const HANDOFF_FILE = "access.json";

/** Where the folder is mounted in the container (and the variable that names it). */
export const HANDOFF_MOUNT = "/run/codex-provider";

/** The environment variable naming the folder inside the container. */
export const HANDOFF_ENV = "CODEX_ACCESS_DIR";

/** What the file holds. */
export interface Handoff {
  /** The access token (absent with `error`). */
  access_token?: string;
  /** Its ChatGPT account. */
  account_id?: string;
  /** When it expires (ISO). */
  expires_at?: string;
  /** Why there is no token: shown in the chat, naming the command to run. */
  error?: string;
  /** When the host wrote it (ISO). */
  written_at: string;
}

/** Write the folder's file (atomically, 0600: the container runs as the host's user). */
export async function writeHandoff(dir: string, h: Omit<Handoff, "written_at">): Promise<void> {
  const body: Handoff = { ...h, written_at: new Date().toISOString() };
  await writeFileAtomic(join(dir, HANDOFF_FILE), JSON.stringify(body), {
    mode: 0o600,
    mkdirMode: 0o700,
  });
}

async function readHandoff(dir: string): Promise<Handoff | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, HANDOFF_FILE), "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Credentials from the handed-off folder. An expired token, or one the backend refused,
 * waits (up to `waitMs`) for the host to write a newer one; a file that says why there is
 * no token is an authentication error with those words.
 */
export function handoffCredentials(
  dir: string,
  options: { waitMs?: number; pollMs?: number; loginHint: string },
): CredentialsProvider {
  return async ({ forceRefresh, signal }) => {
    const deadline = Date.now() + (options.waitMs ?? 30_000);
    // After a 401, the token in the file now is the refused one: wait for another.
    const refused = forceRefresh ? (await readHandoff(dir))?.access_token : undefined;
    while (true) {
      const h = await readHandoff(dir);
      if (h?.error) throw new CodexError("authentication", h.error);
      const expired = !h?.expires_at || Date.parse(h.expires_at) <= Date.now() + 5_000;
      if (h?.access_token && h.account_id && !expired && h.access_token !== refused) {
        return { accessToken: h.access_token, accountId: h.account_id };
      }
      if (Date.now() > deadline || signal?.aborted) {
        throw new CodexError(
          "authentication",
          h
            ? `The ChatGPT token the NanoClaw host handed over is ${
              expired ? "expired" : "refused"
            } and no newer one came. ${options.loginHint}`
            : `No ChatGPT token reached this container. ${options.loginHint}`,
        );
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
  };
}

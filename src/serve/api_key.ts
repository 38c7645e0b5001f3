/**
 * The server's bearer key: made at the first start (32 random bytes), kept in a 0600 file,
 * read at every later start.
 *
 * @module
 */

import { chmod, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { base64urlEncode } from "../encoding/base64url.ts";
import { writeFileAtomic } from "../fs/atomic_write.ts";
import { providerHome } from "../paths.ts";

/** Where the key is kept: `CODEX_SERVE_KEY_FILE`, else `<providerHome>/serve-key`. */
export function defaultKeyFile(env: Record<string, string | undefined>): string {
  return env.CODEX_SERVE_KEY_FILE || join(providerHome(env), "serve-key");
}

/** A new key. */
export function newApiKey(): string {
  return `sk-codex-${base64urlEncode(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** The key in `path`, made there first when there is none. */
export async function loadApiKey(path: string): Promise<{ key: string; created: boolean }> {
  const key = newApiKey();
  try {
    await writeFileAtomic(path, `${key}\n`, { mode: 0o600, mkdirMode: 0o700, exclusive: true });
    return { key, created: true };
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  }
  // Made by an earlier start (or another server starting now, whose key wins).
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  const kept = (await readFile(path, "utf8")).trim();
  if (kept.length < 16 || /\s/.test(kept)) {
    throw new Error(
      `The key file ${path} does not hold a key. Delete it and start again to make a new one.`,
    );
  }
  return { key: kept, created: false };
}

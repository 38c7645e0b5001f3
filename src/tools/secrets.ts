/**
 * Keeping secrets away from tools: the environment they run with (built from an allow-list,
 * and even then without any value that holds a secret), and their output (a secret a tool
 * read anyway, say a token file bash printed where no OS sandbox hides it, is replaced
 * before the model or the session file sees it).
 *
 * @module
 */

import { readFile } from "node:fs/promises";

/** Secret values worth matching (very short strings would match by accident). */
function usable(secrets: readonly string[]): string[] {
  return secrets.filter((s) => s.length >= 8);
}

/** What a redacted secret reads as. */
export const REDACTED = "[redacted secret]";

/**
 * Replace every occurrence of a secret value in `text`.
 *
 * @example
 * ```ts
 * import { redactSecrets } from "./secrets.ts";
 * console.log(redactSecrets('{"token":"abcdefgh123"}', ["abcdefgh123"])); // {"token":"[redacted secret]"}
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of usable(secrets)) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * What bash gets from the agent's environment: what programs need to run (paths, locale,
 * terminal, toolchain homes), nothing else. More names: `CODEX_BASH_ENV=NAME,NAME`.
 */
export const BASH_ENV_ALLOW: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  "LANG",
  "LANGUAGE",
  "TZ",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "JAVA_HOME",
  "GOPATH",
  "GOROOT",
  "GOBIN",
  "CARGO_HOME",
  "RUSTUP_HOME",
  "NVM_DIR",
  "PYENV_ROOT",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "DENO_DIR",
  "BUN_INSTALL",
  "PNPM_HOME",
];

/**
 * The environment bash runs with: the allow-listed names (and `LC_*`), plus the names in
 * `extra`, minus anything whose name or value looks like a secret.
 *
 * @example
 * ```ts
 * import { bashEnv } from "./secrets.ts";
 * console.log(bashEnv({ PATH: "/bin", GITHUB_TOKEN: "x", DB_URL: "y" }, [])); // { PATH: "/bin", TMPDIR: "/tmp" }
 * ```
 */
export function bashEnv(
  env: Record<string, string | undefined>,
  secrets: readonly string[],
  extra: readonly string[] = [],
): Record<string, string> {
  const allowed = new Set([...BASH_ENV_ALLOW, ...extra]);
  const picked: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (allowed.has(name) || name.startsWith("LC_")) picked[name] = value;
  }
  // Everything bash writes outside the workspace goes to its own /tmp.
  return { ...scrubEnv(picked, secrets), TMPDIR: "/tmp" };
}

/**
 * Secret values to redact from tool output: the values of every secret-looking variable of
 * `env`, and every token in the token files named (read now, so a token rotated by another
 * process since is covered too). Files that are absent or unreadable add nothing.
 */
export async function secretValues(
  env: Record<string, string | undefined>,
  tokenFiles: readonly string[],
): Promise<string[]> {
  const out = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && SECRET_NAME.test(name) && value.length >= 8) {
      out.add(value);
    }
  }
  await Promise.all(tokenFiles.map(async (f) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(f, "utf8"));
    } catch {
      return;
    }
    const walk = (v: unknown, key = "") => {
      if (typeof v === "string") {
        if (/token|key|secret/i.test(key) && v.length >= 16) out.add(v);
      } else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) walk(x, k);
      }
    };
    walk(parsed);
  }));
  return [...out];
}

/** Variable names that hold secrets (matched anywhere in the name, any case). */
const SECRET_NAME =
  /KEY|SECRET|TOKEN|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|CERT|SIGNATURE|WEBHOOK/i;

/** Our own and OpenAI's variables never reach a tool, whatever their name. */
const OWN_PREFIX = /^(CODEX_|OPENAI_|NANOCLAW_|CHATGPT_)/i;

/**
 * Copy `env` without secret-looking names, our own variables, and any variable whose
 * value contains one of `secrets` (a token copied into an innocent-looking name).
 *
 * @example
 * ```ts
 * import { scrubEnv } from "./secrets.ts";
 * const env = scrubEnv({ PATH: "/bin", GITHUB_TOKEN: "x", FOO: "tok" }, ["tok"]);
 * console.log(env); // { PATH: "/bin" }
 * ```
 */
export function scrubEnv(
  env: Record<string, string | undefined>,
  secrets: readonly string[] = [],
): Record<string, string> {
  const values = usable(secrets);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (SECRET_NAME.test(name) || OWN_PREFIX.test(name)) continue;
    if (values.some((s) => value.includes(s))) continue;
    out[name] = value;
  }
  return out;
}

/**
 * Keeping secrets away from tools: the environment they run with (the parent's, minus every
 * secret), and their output (a secret a tool read anyway, say a token file bash printed, is
 * replaced before the model or the session file sees it).
 *
 * @module
 */

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
 * import { redactSecrets } from "@x/codex-provider";
 * console.log(redactSecrets('{"token":"abcdefgh123"}', ["abcdefgh123"])); // {"token":"[redacted secret]"}
 * ```
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of usable(secrets)) out = out.split(s).join(REDACTED);
  return out;
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
 * import { scrubEnv } from "@x/codex-provider";
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

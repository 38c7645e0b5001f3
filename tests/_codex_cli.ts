// Finds or installs the real Codex CLI for the peer tests (PROTOCOL.md §5). It comes from
// the npm registry (a native binary inside the npm package); CODEX_CLI_BIN overrides.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

export const CODEX_CLI_VERSION = "0.169.0";

export function codexCliBin(): string {
  if (process.env.CODEX_CLI_BIN) return process.env.CODEX_CLI_BIN;
  const dir = join(tmpdir(), "codex-provider-test-cache", `codex-cli-${CODEX_CLI_VERSION}`);
  const bin = join(dir, "node_modules", ".bin", "codex");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync(
    "npm",
    [
      "install",
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--prefix",
      dir,
      `@openai/codex@${CODEX_CLI_VERSION}`,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (r.status !== 0 || !existsSync(bin)) {
    throw new Error(
      `Could not install @openai/codex@${CODEX_CLI_VERSION} with npm (exit ${r.status}): ${r.stderr}`,
    );
  }
  return bin;
}

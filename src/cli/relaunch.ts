/**
 * The agent's sandbox relaunch: under Deno without access to the backend, run `agent.ts` in
 * a child under permission flags computed for this run (see `sandbox.ts`). It reads only
 * the flags that decide the permissions (`--cwd`, `--token-file`); the agent parses the rest.
 * (A separate light launcher was measured: Deno's start-up with its Node compatibility
 * layer, not the module graph, is what a relaunch costs; so the `agent` task starts under
 * the flags of the default paths, and the relaunch is only the fallback.)
 *
 * @module
 */

import { spawn } from "node:child_process";
import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { DEFAULT_ISSUER } from "../auth/protocol.ts";
import { findTokenSource } from "../auth/token_source.ts";
import { baseUrlFromEnv } from "../codex/client.ts";
import { codexHome, defaultSessionDir, defaultTokenFile } from "../paths.ts";
import { sandboxAccess, sandboxFlags } from "./sandbox.ts";

const AGENT = new URL("./agent.ts", import.meta.url).href;

/**
 * Whether this process already runs under flags as narrow as a relaunch would give it (the
 * `agent` task's, computed by its shell for the default paths): everything `flags` grants is
 * granted, and nothing broad (the whole disk, another host) is. `--allow-run` may be broad: the
 * fallback relaunch needs it, and bash, which runs anything, is confined by its OS sandbox.
 */
export function alreadyConfined(
  deno: Pick<typeof Deno, "permissions">,
  needs: { read: string[]; write: string[]; hosts: string[] },
): boolean {
  const q = (d: Deno.PermissionDescriptor) => deno.permissions.querySync(d).state === "granted";
  const broad = q({ name: "read", path: "/" }) || q({ name: "write", path: "/" }) ||
    q({ name: "net", host: "example.com:443" });
  return !broad && needs.read.every((path) => q({ name: "read", path })) &&
    needs.write.every((path) => q({ name: "write", path })) &&
    needs.hosts.every((host) => q({ name: "net", host }));
}

/**
 * Under Deno without access to the backend, or under flags that do not cover this run, run
 * the agent in a child under flags computed for this run and return its exit code; undefined
 * when this process may run it itself: already confined that narrowly (the `agent` task with
 * the default paths), or granted everything (`-A`: the person's choice).
 */
export async function relaunchSandboxed(argv: string[]): Promise<number | undefined> {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (!deno) return undefined;
  const host = new URL(baseUrlFromEnv()).host;
  const netGranted = deno.permissions.querySync({ name: "net", host }).state === "granted";
  if (netGranted && deno.permissions.querySync({ name: "read", path: "/" }).state === "granted") {
    return undefined; // -A, or as broad: not ours to narrow
  }
  // Only the flags that decide the permissions are read here; the agent parses the rest.
  const { values } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    options: { cwd: { type: "string", short: "C" }, "token-file": { type: "string" } },
  });
  const cwd = resolve(process.env.INIT_CWD ?? process.cwd(), String(values.cwd ?? "."));
  const tokenFile = typeof values["token-file"] === "string" ? values["token-file"] : undefined;
  const workspace = await realpath(cwd).catch(() => cwd);
  // The folder of the token file in use (ours, or the Codex CLI's shared one) is written
  // on refresh (atomic replace and its lock file).
  const source = await findTokenSource(tokenFile).catch(() => undefined);
  const needs = {
    workspace,
    tokenFile: source?.path ?? tokenFile ?? defaultTokenFile(),
    codexHome: codexHome(),
    sessionDir: defaultSessionDir(),
    baseUrl: baseUrlFromEnv(),
    issuer: process.env.CODEX_AUTH_ISSUER || DEFAULT_ISSUER,
  };
  if (netGranted && alreadyConfined(deno, sandboxAccess(needs))) return undefined;
  const flags = sandboxFlags(needs);
  const child = spawn(
    deno.execPath(),
    ["run", "--no-prompt", ...flags, AGENT, ...argv, "--cwd", workspace],
    { stdio: "inherit", env: { ...process.env, INIT_CWD: workspace } },
  );
  // Ctrl-C reaches the child too (same process group); let it decide, then follow it.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  const code = await new Promise<number>((res) => {
    child.on("close", (c, sig) => res(c ?? (sig === "SIGINT" ? 130 : 1)));
    child.on("error", (e) => {
      process.stderr.write(`error: could not start the sandboxed agent: ${e.message}\n`);
      res(1);
    });
  });
  process.off("SIGINT", ignore);
  return code;
}

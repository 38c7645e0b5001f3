/**
 * The terminal agent's Deno sandbox: the narrow permission flags it relaunches itself with,
 * so Deno stands behind the workspace guard. Computed per run, from the real paths.
 *
 * @module
 */

import { dirname } from "node:path";

/** What the agent process needs to reach. */
export interface SandboxNeeds {
  /** The workspace (read and write). */
  workspace: string;
  /** The token file in use (its folder is read and written: atomic replace, lock file). */
  tokenFile: string;
  /** The Codex CLI's home (read: its auth.json). */
  codexHome: string;
  /** Where sessions are kept (read and write). */
  sessionDir: string;
  /** Backend base URL (its host is reachable). */
  baseUrl: string;
  /** OAuth issuer (its host is reachable). */
  issuer: string;
}

/** Hosts the agent may connect to: the backend, the issuer, and loopback. */
export function allowedHosts(needs: Pick<SandboxNeeds, "baseUrl" | "issuer">): string[] {
  const hosts = new Set<string>();
  for (const u of [needs.baseUrl, needs.issuer]) hosts.add(new URL(u).host);
  hosts.add("127.0.0.1");
  hosts.add("localhost");
  return [...hosts];
}

/**
 * Deno permission flags for the agent process.
 *
 * @example
 * ```ts
 * import { sandboxFlags } from "./sandbox.ts";
 * console.log(sandboxFlags({
 *   workspace: "/w", tokenFile: "/c/tokens.json", codexHome: "/h/.codex",
 *   sessionDir: "/c/sessions", baseUrl: "https://chatgpt.com/backend-api/codex",
 *   issuer: "https://auth.openai.com",
 * })[0]); // --allow-net=chatgpt.com,auth.openai.com,127.0.0.1,localhost
 * ```
 */
export function sandboxFlags(needs: SandboxNeeds): string[] {
  const { read, write, hosts } = sandboxAccess(needs);
  for (const p of read) {
    if (p.includes(",")) {
      throw new Error(`The path ${p} contains a comma, which Deno permission flags cannot hold.`);
    }
  }
  return [
    `--allow-net=${hosts.join(",")}`,
    `--allow-read=${read.join(",")}`,
    `--allow-write=${write.join(",")}`,
    "--allow-run=bash,bwrap",
    "--allow-env",
  ];
}

/** What the agent process may read, write and connect to (the flags' lists). */
export function sandboxAccess(
  needs: SandboxNeeds,
): { read: string[]; write: string[]; hosts: string[] } {
  const tokenDir = dirname(needs.tokenFile);
  return {
    read: [...new Set([needs.workspace, tokenDir, needs.codexHome, needs.sessionDir])],
    write: [...new Set([needs.workspace, tokenDir, needs.sessionDir])],
    hosts: allowedHosts(needs),
  };
}

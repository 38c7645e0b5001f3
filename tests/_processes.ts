// Start processes running tests/_token_worker.ts, and read what they print.
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

const WORKER = new URL("./_token_worker.ts", import.meta.url).pathname;

export function worker(mode: string, path: string, issuer: string): ChildProcess {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
  return spawn(deno, ["run", "-A", WORKER, mode, path, issuer], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CODEX_AUTH_ISSUER: issuer },
  });
}

/** Everything a process printed, once it exits. */
export function output(
  child: ChildProcess,
): Promise<{ code: number | null; out: string; err: string }> {
  let out = "";
  let err = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (err += c));
  return new Promise((r) => child.on("close", (code) => r({ code, out: out.trim(), err })));
}

/** Resolve when the process prints `line`. */
export function printed(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout!.on("data", (c) => {
      seen += c;
      if (seen.includes(line)) resolve();
    });
    child.on("close", (code) => reject(new Error(`exited ${code} before printing ${line}`)));
  });
}

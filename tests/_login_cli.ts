// Runs `deno task login …` (the task's own command line from deno.json) as a person would,
// against a fake issuer, in a temporary home; tests wait for what it prints.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import denoJson from "../deno.json" with { type: "json" };
import { type FakeBackend, type FakeBackendOptions, startFakeBackend } from "../src/testing/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

export interface LoginRun {
  child: ChildProcess;
  /** Resolves with the first match of `re` in stderr (waiting for more output). */
  waitFor(re: RegExp): Promise<RegExpMatchArray>;
  /** Write a line to its stdin. */
  type(line: string): void;
  /** Exit code and all output. */
  result(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface LoginRig {
  fake: FakeBackend;
  home: string;
  codexHome: string;
  port: number;
  run(args: string[], env?: Record<string, string>): LoginRun;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function withLogin(
  fn: (rig: LoginRig) => Promise<void>,
  options: FakeBackendOptions = {},
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "cp-login-"));
  const port = await freePort();
  const fake = await startFakeBackend({ redirectPorts: [port], ...options });
  const home = join(root, "home");
  const codexHome = join(root, "codex");
  const env: Record<string, string> = {
    ...process.env as Record<string, string>,
    CODEX_AUTH_ISSUER: fake.url,
    CODEX_PROVIDER_HOME: home,
    CODEX_HOME: codexHome,
    BROWSER: "true", // "opens" nothing: the test plays the browser
    NO_COLOR: "1",
  };
  for (const k of ["CODEX_TOKEN_FILE", "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"]) delete env[k];
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
  const [, ...pre] = denoJson.tasks.login.command.split(" ");
  const children: ChildProcess[] = [];
  try {
    await fn({
      fake,
      home,
      codexHome,
      port,
      run(args, extra = {}) {
        const child = spawn(deno, [...pre, ...args], {
          cwd: ROOT,
          env: { ...env, ...extra },
          stdio: ["pipe", "pipe", "pipe"],
        });
        children.push(child);
        let stdout = "";
        let stderr = "";
        const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
        const check = () => {
          for (const w of [...waiters]) {
            const m = stderr.match(w.re);
            if (m) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(m);
            }
          }
        };
        child.stdout!.on("data", (c) => (stdout += c));
        child.stderr!.on("data", (c) => {
          stderr += c;
          check();
        });
        const closed = new Promise<number | null>((r) => child.on("close", r));
        return {
          child,
          waitFor: (re) =>
            new Promise((resolve, reject) => {
              waiters.push({ re, resolve });
              check();
              closed.then(() => reject(new Error(`exited before printing ${re}:\n${stderr}`)));
            }),
          type: (line) => child.stdin!.write(line + "\n"),
          result: async () => ({ code: await closed, stdout, stderr }),
        };
      },
    });
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** The sign-in URL the login printed. */
export const SIGN_IN_URL = /\n {2}(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)\n/;

// Runs the terminal agent exactly as `deno task agent` does (the task's own command line,
// read from deno.json), against a fake backend, in a temporary home and workspace.
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import denoJson from "../deno.json" with { type: "json" };
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import {
  type FakeBackend,
  type FakeBackendOptions,
  type FakeTokenSet,
  startFakeBackend,
} from "../src/testing/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (with --json). */
  events: Record<string, unknown>[];
}

export interface CliRig {
  fake: FakeBackend;
  tokens: FakeTokenSet;
  home: string;
  workspace: string;
  tokenFile: string;
  run(
    args: string[],
    opts?: {
      stdin?: string;
      env?: Record<string, string>;
      task?: "agent" | "models";
      /** Called with the child's pid once it runs. */
      onSpawn?: (pid: number) => void;
    },
  ): Promise<RunResult>;
}

/**
 * A task's command line as `deno task` runs it from `cwd`: words split at spaces outside
 * double quotes, `$NAME` replaced from `env` (and `$INIT_CWD` by `cwd`), `deno` as this Deno.
 */
export function taskCommand(
  command: string,
  env: Record<string, string | undefined>,
  cwd: string,
): [string, string[]] {
  const vars: Record<string, string | undefined> = { ...env, INIT_CWD: cwd };
  const words = (command.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((w) =>
    w.replace(/"/g, "").replace(/\$([A-Z_][A-Z0-9_]*)/g, (_m, n: string) => vars[n] ?? "")
  );
  const [, ...rest] = words;
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
  return [deno, rest];
}

/**
 * This environment as a person with `home` as HOME has it, before any of our variables: our
 * `CODEX_*` and `XDG_CONFIG_HOME` left out (the run decides them), and Deno's cache where it
 * is (under the new HOME it would be fetched anew).
 */
export function homeEnv(home: string): Record<string, string | undefined> {
  const denoDir = JSON.parse(
    spawnSync(process.execPath, ["info", "--json"], { encoding: "utf8" }).stdout,
  ).denoDir as string;
  return {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(CODEX_|XDG_CONFIG_HOME$)/.test(k)),
    ),
    DENO_DIR: denoDir,
    HOME: home,
  };
}

/** A task's command (default `agent`), with `deno` as this Deno, as run from the project. */
export function agentCommand(
  task: "agent" | "models" = "agent",
  env: Record<string, string | undefined> = process.env,
): [string, string[]] {
  return taskCommand(denoJson.tasks[task].command, env, ROOT);
}

export async function withCli(
  fn: (rig: CliRig) => Promise<void>,
  login = true,
  fakeOptions: FakeBackendOptions = {},
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "cp-cli-"));
  const home = join(root, "home");
  const workspace = join(root, "workspace");
  await mkdir(workspace, { recursive: true });
  const fake = await startFakeBackend(fakeOptions);
  const tokens = fake.issueTokens({ email: "me@example.com", planType: "pro" });
  const tokenFile = join(home, "tokens.json");
  if (login) await writeTokenFile(tokenFile, describeTokens(tokens, { issuer: fake.url }));
  const env = {
    ...process.env,
    CODEX_BASE_URL: fake.baseUrl,
    CODEX_AUTH_ISSUER: fake.url,
    CODEX_PROVIDER_HOME: home,
    CODEX_HOME: join(home, "codex"),
    NO_COLOR: "1",
  };
  delete (env as Record<string, unknown>).CODEX_TOKEN_FILE;
  try {
    await fn({
      fake,
      tokens,
      home,
      workspace,
      tokenFile,
      run: (args, opts = {}) =>
        new Promise((resolve) => {
          const task = opts.task ?? "agent";
          const [cmd, pre] = agentCommand(task, { ...env, ...opts.env });
          const where = task === "agent" ? ["--cwd", workspace] : [];
          const child = spawn(cmd, [...pre, ...where, ...args], {
            cwd: ROOT,
            env: { ...env, ...opts.env },
            stdio: ["pipe", "pipe", "pipe"],
          });
          if (child.pid) opts.onSpawn?.(child.pid);
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (c) => (stdout += c));
          child.stderr.on("data", (c) => (stderr += c));
          child.stdin.end(opts.stdin ?? "");
          child.on("close", (code) => {
            const events = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) =>
              JSON.parse(l)
            );
            resolve({ code, stdout, stderr, events });
          });
        }),
    });
  } finally {
    await fake.close();
    await rm(root, { recursive: true, force: true });
  }
}

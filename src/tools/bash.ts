/**
 * The `bash` tool: runs a command in the workspace, asynchronously, inside the OS sandbox
 * (see `sandbox.ts`: its own PID namespace, so a timeout or cancel kills everything it
 * started) or, without one, in its own process group; with an allow-listed environment and
 * bounded output.
 *
 * @module
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { bashEnv } from "./secrets.ts";
import { HeadTailBuffer } from "./output_buffer.ts";
import { defineTool, intArg, stringArg, type Tool, ToolError } from "./tool.ts";

/** Default time limit of one command. */
export const BASH_DEFAULT_TIMEOUT_MS = 120_000;
/** Most a command may ask for. */
export const BASH_MAX_TIMEOUT_MS = 600_000;
/** Output kept per command (head and tail). */
export const BASH_OUTPUT_LIMIT = 32 * 1024;
/** After the shell exits, how long leftover background processes may keep the pipes. */
const DRAIN_MS = 200;
/** Between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 1000;

/**
 * Signal a whole process group. Deno allows `process.kill` only with unscoped `--allow-run`,
 * and the agent's sandbox grants `--allow-run=bash`; when the runtime refuses for lack of
 * permission, bash (which is allowed) sends the signal instead.
 */
function killGroup(pid: number | undefined, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  if (!pid) return Promise.resolve();
  try {
    process.kill(-pid, signal);
    return Promise.resolve();
  } catch (e) {
    const name = (e as Error)?.name;
    if (name !== "NotCapable" && name !== "PermissionDenied") return Promise.resolve(); // gone
  }
  return new Promise((resolve) => {
    const sig = signal.slice(3);
    const k = spawn("bash", ["-c", `kill -s ${sig} -- -${pid} 2>/dev/null; true`], {
      stdio: "ignore",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    k.on("close", () => resolve());
    k.on("error", () => resolve());
  });
}

/** The bash tool. */
export const bashTool: Tool = {
  definition: defineTool(
    "bash",
    "Run a shell command with bash in the workspace and return its exit code and output " +
      "(stdout and stderr together; long output keeps its head and tail). Processes it " +
      "leaves in the background are stopped when it ends. Secrets are not in its environment; " +
      "it has no network access unless the person allowed it.",
    {
      command: { type: "string", description: "The command line, run with `bash -c`." },
      timeout_ms: {
        type: "number",
        description:
          `Time limit in ms (default ${BASH_DEFAULT_TIMEOUT_MS}, max ${BASH_MAX_TIMEOUT_MS}).`,
      },
      workdir: {
        type: "string",
        description: "Folder to run in, relative to the workspace (default its root).",
      },
    },
    ["command"],
  ),

  async run(args, ctx) {
    const command = stringArg(args, "command");
    if (!command.trim()) throw new ToolError("'command' is empty.");
    const timeoutMs = intArg(args, "timeout_ms", BASH_DEFAULT_TIMEOUT_MS, 1, BASH_MAX_TIMEOUT_MS);
    const cwd = typeof args.workdir === "string"
      ? await ctx.workspace.resolve(args.workdir, "read")
      : ctx.workspace.root;
    const started = Date.now();
    const out = new HeadTailBuffer(BASH_OUTPUT_LIMIT);
    const extra = (process.env.CODEX_BASH_ENV ?? "").split(",").map((n) => n.trim()).filter(
      Boolean,
    );
    const { file, args: argv } = ctx.sandbox?.command(command, cwd, ctx.workspace.root) ??
      { file: "bash", args: ["-c", command] };
    const child = spawn(file, argv, {
      cwd,
      env: bashEnv(process.env, ctx.secrets, extra),
      detached: true, // its own process group
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (c: Uint8Array) => out.push(c));
    child.stderr!.on("data", (c: Uint8Array) => out.push(c));

    let reason: "timeout" | "cancelled" | undefined;
    const stop = (why: "timeout" | "cancelled") => {
      reason ??= why;
      void killGroup(child.pid, "SIGTERM");
      setTimeout(() => void killGroup(child.pid, "SIGKILL"), KILL_GRACE_MS).unref?.();
    };
    const timer = setTimeout(() => stop("timeout"), timeoutMs);
    const onAbort = () => stop("cancelled");
    ctx.signal.addEventListener("abort", onAbort);
    // Under bwrap the command's PID namespace dies with it: nothing is left to clean up.
    const confined = ctx.sandbox?.kind === "bwrap";
    let drain: ReturnType<typeof setTimeout> | undefined;
    // When bash exits but a background child holds the pipes, stop the group after a moment.
    child.on("exit", () => {
      if (!confined) drain = setTimeout(() => void killGroup(child.pid, "SIGKILL"), DRAIN_MS);
    });
    const result = await new Promise<{ code: number | null; signal: string | null }>(
      (resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal }));
      },
    ).catch((e: Error) => {
      throw new ToolError(`Could not start ${file}: ${e.message}. Is it installed?`);
    }).finally(() => {
      clearTimeout(timer);
      clearTimeout(drain);
      ctx.signal.removeEventListener("abort", onAbort);
    });
    if (!confined) await killGroup(child.pid, "SIGKILL");

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const text = out.text();
    const head = reason === "timeout"
      ? `Timed out after ${timeoutMs} ms; the command and its children were killed.`
      : reason === "cancelled"
      ? "Cancelled; the command and its children were killed."
      : result.code === null
      ? `Killed by signal ${result.signal}.`
      : `Exit code: ${result.code}`;
    const lines = text ? text.replace(/\n$/, "").split("\n").length : 0;
    return {
      ok: !reason && result.code === 0,
      output: `${head}\nWall time: ${seconds} s\nOutput:\n${text}`,
      summary: `${reason ?? (result.code === null ? result.signal : `exit ${result.code}`)}, ` +
        `${lines} line${lines === 1 ? "" : "s"}, ${seconds} s`,
    };
  },
};

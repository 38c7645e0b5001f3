/**
 * The OS sandbox the bash tool runs in, as the Codex CLI sandboxes its tools on Linux:
 * bubblewrap (`bwrap`) with a read-only view of the system, the workspace writable, the
 * folders that hold our secrets out of sight, its own PID namespace (so `/proc` shows only
 * its own processes and every descendant dies with the tool), and no network unless allowed.
 * Where `bwrap` cannot run, the fallback is stated once: a scrubbed environment and output
 * redaction only.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import { sep } from "node:path";

/** How bash is confined. */
export type SandboxKind = "bwrap" | "none";

/** What a sandbox allows and hides. */
export interface SandboxOptions {
  /** Paths (files or folders) bash must not see: token folders, the Codex CLI's, sessions. */
  hide?: readonly string[];
  /** Let bash reach the network (default: no network at all). */
  network?: boolean;
  /** `auto` (default): bwrap when it runs here; `none`: no OS sandbox (stated as a warning). */
  mode?: "auto" | "none";
  /** The bwrap program (default `bwrap` on PATH). */
  bwrap?: string;
}

/** A spawnable command line. */
export interface SandboxedCommand {
  /** Program. */
  file: string;
  /** Its arguments. */
  args: string[];
}

let probe: Promise<string | undefined> | undefined;

/** Whether bwrap can build a sandbox here; the reason when it cannot. Probed once. */
function probeBwrap(bwrap: string): Promise<string | undefined> {
  probe ??= new Promise((resolve) => {
    const p = spawn(
      bwrap,
      ["--ro-bind", "/", "/", "--dev", "/dev", "--unshare-all", "--proc", "/proc", "true"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let err = "";
    p.stderr!.on("data", (c) => (err += c));
    p.on("error", (e) => resolve(`bwrap is not installed (${(e as Error).message})`));
    p.on(
      "close",
      (code) =>
        resolve(code === 0 ? undefined : `bwrap cannot create a sandbox here: ${err.trim()}`),
    );
  });
  return probe;
}

function isDir(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    // Absent: nothing to hide. Not ours to look at (a permission check): hide it as a folder.
    return (e as { code?: string }).code === "ENOENT" ? undefined : true;
  }
}

const within = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);

/**
 * The sandbox for one agent: built once (it probes bwrap), then asked for each command.
 *
 * @example
 * ```ts
 * import { Sandbox } from "@x/codex-provider";
 * const sb = await Sandbox.create({ hide: ["/home/me/.codex"] });
 * console.log(sb.kind, sb.warning ?? "confined");
 * ```
 */
export class Sandbox {
  /** `bwrap`, or `none` (see {@link warning}). */
  readonly kind: SandboxKind;
  /** What protection is missing, when `kind` is `none`. */
  readonly warning?: string;
  /** Whether bash may reach the network. */
  readonly network: boolean;
  #o: SandboxOptions;

  private constructor(kind: SandboxKind, options: SandboxOptions, warning?: string) {
    this.kind = kind;
    this.#o = options;
    this.warning = warning;
    this.network = options.network ?? false;
  }

  /** Probe for bwrap (once per process) and build the sandbox. */
  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const missing = "bash runs without an OS sandbox: it can read files outside the workspace " +
      "(a token file included), see other processes, use the network and leave processes " +
      "behind; only literal secrets are redacted from its output.";
    if (options.mode === "none") {
      return new Sandbox("none", options, `${missing} (The sandbox was turned off.)`);
    }
    const why = await probeBwrap(options.bwrap ?? "bwrap");
    if (why) {
      return new Sandbox(
        "none",
        options,
        `${missing} (${why}. On Linux, install bubblewrap: apt install bubblewrap.)`,
      );
    }
    return new Sandbox("bwrap", options);
  }

  /** The command line that runs `bash -c command` in `cwd`, confined to `workspace`. */
  command(command: string, cwd: string, workspace: string): SandboxedCommand {
    if (this.kind === "none") return { file: "bash", args: ["-c", command] };
    const args = [
      "--die-with-parent",
      "--new-session",
      "--unshare-all",
      ...(this.network ? ["--share-net"] : []),
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--tmpfs",
      "/tmp",
      "--bind",
      workspace,
      workspace,
    ];
    for (const path of this.#o.hide ?? []) {
      // Never hide the workspace itself (a secret folder that holds it stays visible there).
      if (within(workspace, path)) continue;
      const dir = isDir(path);
      if (dir === undefined) continue;
      args.push(...(dir ? ["--tmpfs", path] : ["--ro-bind", "/dev/null", path]));
    }
    args.push("--chdir", cwd, "--", "bash", "-c", command);
    return { file: this.#o.bwrap ?? "bwrap", args };
  }
}

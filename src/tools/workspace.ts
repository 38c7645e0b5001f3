/**
 * The workspace guard: every path a tool touches resolves (symlinks included) inside one
 * folder. Deno's permission flags stand behind it in the terminal agent.
 *
 * @module
 */

import { lstat, realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { ToolError } from "./tool.ts";

/** The runtime's own permission refusal (Deno), rather than a missing file. */
function isPermissionError(e: unknown): boolean {
  const name = (e as Error)?.name;
  return name === "NotCapable" || name === "PermissionDenied";
}

/**
 * A folder tools are confined to.
 *
 * @example
 * ```ts
 * import { Workspace } from "@x/codex-provider";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/notes.txt`, "hi");
 * const ws = await Workspace.open(dir);
 * console.log(await ws.resolve("notes.txt", "read")); // the real path inside the workspace
 * await ws.resolve("../elsewhere.txt", "write").catch((e) => console.log(e.message)); // refused
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Workspace {
  /** The folder's real path. */
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /** Open a workspace at `dir` (which must exist). */
  static async open(dir: string): Promise<Workspace> {
    try {
      return new Workspace(await realpath(resolve(dir)));
    } catch {
      throw new Error(`The workspace folder ${dir} does not exist. Create it or pick another.`);
    }
  }

  /** Whether a real path lies inside the workspace. */
  contains(real: string): boolean {
    return real === this.root || real.startsWith(this.root + sep);
  }

  /** A path as shown to the model: relative to the root, `.` for the root. */
  display(abs: string): string {
    return relative(this.root, abs) || ".";
  }

  /**
   * The real absolute path for `path` (relative to the root, or absolute inside it).
   * For `write`, the file may not exist yet: its nearest existing ancestor is checked,
   * and an existing symlink is followed to where it points.
   */
  async resolve(path: string, mode: "read" | "write"): Promise<string> {
    if (path.includes("\0")) throw new ToolError("The path contains a NUL character.");
    const abs = isAbsolute(path) ? resolve(path) : resolve(this.root, path);
    // Outside as written (`../x`, `/etc/x`): refused in the guard's words before any lookup.
    this.#check(abs, path);
    let real: string;
    try {
      real = await realpath(abs);
    } catch (e) {
      // A symlink inside pointing outside, where the runtime's own sandbox refuses to look.
      if (isPermissionError(e)) this.#check("/", path);
      if ((e as { code?: string }).code !== "ENOENT") throw e;
      if (mode === "read") {
        this.#check(abs, path); // say "outside" before "missing" for paths outside
        throw new ToolError(`${path} does not exist. Check the path with list_files.`);
      }
      real = await this.#resolveMissing(abs, path);
    }
    this.#check(real, path);
    return real;
  }

  async #resolveMissing(abs: string, shown: string): Promise<string> {
    // A dangling symlink must not let a write land outside through its target.
    try {
      if ((await lstat(abs)).isSymbolicLink()) {
        throw new ToolError(`${shown} is a symlink to a missing target; refusing to write.`);
      }
    } catch (e) {
      if (e instanceof ToolError) throw e;
    }
    let dir = dirname(abs);
    const rest = [abs.slice(dir.length + 1)];
    while (true) {
      try {
        const realDir = await realpath(dir);
        return resolve(realDir, ...rest);
      } catch {
        const parent = dirname(dir);
        if (parent === dir) return abs;
        rest.unshift(dir.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
        dir = parent;
      }
    }
  }

  #check(real: string, shown: string) {
    if (!this.contains(real)) {
      throw new ToolError(
        `Access denied: ${shown} is outside the workspace (${this.root}). Use a path inside it.`,
      );
    }
  }
}

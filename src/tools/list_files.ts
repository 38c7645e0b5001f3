/**
 * The `list_files` tool: the files under a folder, sorted, bounded, without `.git` and
 * `node_modules`; symlinked folders are listed but not entered.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { defineTool, intArg, type Tool, ToolError } from "./tool.ts";

/** Folders never entered. */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([".git", "node_modules"]);
/** Entries listed when no limit is given. */
export const LIST_DEFAULT_LIMIT = 500;

/** The list_files tool. */
export const listFilesTool: Tool = {
  definition: defineTool(
    "list_files",
    "List files in a workspace folder (recursively by default; .git and node_modules are " +
      "skipped). Folders end with '/'. Paths are relative to the workspace.",
    {
      path: { type: "string", description: "Folder, relative to the workspace (default '.')." },
      recursive: { type: "boolean", description: "Descend into subfolders (default true)." },
      limit: {
        type: "number",
        description: `Most entries to return (default ${LIST_DEFAULT_LIMIT}).`,
      },
    },
    [],
  ),

  async run(args, ctx) {
    const path = typeof args.path === "string" && args.path ? args.path : ".";
    const recursive = args.recursive !== false;
    const limit = intArg(args, "limit", LIST_DEFAULT_LIMIT, 1, 10_000);
    const root = await ctx.workspace.resolve(path, "read");
    const entries: string[] = [];
    let more = false;
    const queue = [root];
    while (queue.length && !more) {
      const dir = queue.shift()!;
      let items;
      try {
        items = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        if (dir === root) {
          throw new ToolError(`${path} is not a readable folder (${(e as Error).message}).`);
        }
        continue;
      }
      items.sort((a, b) => a.name.localeCompare(b.name));
      for (const it of items) {
        if (it.isDirectory() && SKIPPED_DIRS.has(it.name)) continue;
        if (entries.length >= limit) {
          more = true;
          break;
        }
        const full = join(dir, it.name);
        const shown = ctx.workspace.display(full);
        entries.push(it.isDirectory() ? `${shown}/` : it.isSymbolicLink() ? `${shown}@` : shown);
        if (it.isDirectory() && recursive) queue.push(full);
      }
    }
    const note = more ? `\n[stopped at ${limit} entries; list a subfolder or raise limit]` : "";
    return {
      ok: true,
      output: (entries.join("\n") || "(empty folder)") + note,
      summary: `${entries.length}${more ? "+" : ""} entries`,
    };
  },
};

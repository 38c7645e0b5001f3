/**
 * The `write_file` tool: create or replace a file atomically, creating folders.
 *
 * @module
 */

import { lstat, mkdir, realpath, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { createBeside, replaceable } from "./safe_open.ts";
import { defineTool, stringArg, type Tool, ToolError } from "./tool.ts";

/** The write_file tool. */
export const writeFileTool: Tool = {
  definition: defineTool(
    "write_file",
    "Create or replace a file in the workspace with the given content (the whole file). " +
      "Missing folders are created.",
    {
      path: { type: "string", description: "File path, relative to the workspace." },
      content: { type: "string", description: "The complete new content." },
    },
    ["path", "content"],
  ),

  async run(args, ctx) {
    const path = stringArg(args, "path");
    const content = stringArg(args, "content");
    const real = await ctx.workspace.resolve(path, "write");
    // An existing file keeps its mode (e.g. executable scripts).
    const mode = await replaceable(real, path) ?? 0o644;
    await mkdir(dirname(real), { recursive: true });
    if (await realpath(dirname(real)).catch(() => "") !== dirname(real)) {
      throw new ToolError(
        `${path} changed while it was being written (a folder on its path was replaced); nothing was written. Try again.`,
      );
    }
    // Atomic replace: a verified temp file beside the target, flushed, renamed over it. A
    // rename through a swapped folder finds no temp file there, so it cannot land outside.
    const tmp = await createBeside(ctx.workspace, real, path, mode);
    let ino: number;
    try {
      await tmp.fh.writeFile(content);
      await tmp.fh.sync();
      ino = (await tmp.fh.stat()).ino;
    } finally {
      await tmp.fh.close();
    }
    try {
      await rename(tmp.path, real);
      if ((await lstat(real)).ino !== ino) throw new Error("replaced");
    } catch {
      await unlink(tmp.path).catch(() => {});
      throw new ToolError(
        `${path} changed while it was being written (a folder on its path was replaced); try again.`,
      );
    }
    const bytes = new TextEncoder().encode(content).length;
    const lines = content ? content.split("\n").length - (content.endsWith("\n") ? 1 : 0) : 0;
    return {
      ok: true,
      output: `Wrote ${bytes} bytes (${lines} lines) to ${ctx.workspace.display(real)}.`,
      summary: `${bytes} bytes, ${lines} lines`,
    };
  },
};

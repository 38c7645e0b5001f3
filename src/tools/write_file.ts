/**
 * The `write_file` tool: create or replace a file atomically, creating folders.
 *
 * @module
 */

import { mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../fs/atomic_write.ts";
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
    let mode = 0o644;
    try {
      const info = await stat(real);
      if (info.isDirectory()) throw new ToolError(`${path} is a folder, not a file.`);
      mode = info.mode & 0o777; // keep an existing file's mode (e.g. executable scripts)
    } catch (e) {
      if (e instanceof ToolError) throw e;
    }
    await mkdir(dirname(real), { recursive: true });
    await writeFileAtomic(real, content, { mode });
    const bytes = new TextEncoder().encode(content).length;
    const lines = content ? content.split("\n").length - (content.endsWith("\n") ? 1 : 0) : 0;
    return {
      ok: true,
      output: `Wrote ${bytes} bytes (${lines} lines) to ${ctx.workspace.display(real)}.`,
      summary: `${bytes} bytes, ${lines} lines`,
    };
  },
};

/**
 * The `read_file` tool: a text file or a range of its lines, with caps and binary detection.
 *
 * @module
 */

import { openForRead } from "./safe_open.ts";
import { defineTool, intArg, stringArg, type Tool, ToolError } from "./tool.ts";

/** Files larger than this are refused (read parts with bash). */
export const READ_MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Lines returned when no limit is given. */
export const READ_DEFAULT_LINES = 2000;
/** Characters returned at most. */
export const READ_MAX_CHARS = 100_000;

/** Whether bytes look binary: a NUL early on, or not valid UTF-8. */
export function looksBinary(bytes: Uint8Array): boolean {
  if (bytes.subarray(0, 8192).includes(0)) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}

/** The read_file tool. */
export const readFileTool: Tool = {
  definition: defineTool(
    "read_file",
    "Read a text file in the workspace. Returns its lines (by default the first " +
      `${READ_DEFAULT_LINES}); use offset and limit for a range of a long file.`,
    {
      path: { type: "string", description: "File path, relative to the workspace." },
      offset: { type: "number", description: "First line to return, 1-based (default 1)." },
      limit: {
        type: "number",
        description: `How many lines to return (default ${READ_DEFAULT_LINES}).`,
      },
    },
    ["path"],
  ),

  async run(args, ctx) {
    const path = stringArg(args, "path");
    const offset = intArg(args, "offset", 1, 1, Number.MAX_SAFE_INTEGER);
    const limit = intArg(args, "limit", READ_DEFAULT_LINES, 1, 100_000);
    const real = await ctx.workspace.resolve(path, "read");
    const fh = await openForRead(ctx.workspace, real, path);
    let bytes: Uint8Array;
    try {
      const info = await fh.stat();
      if (info.size > READ_MAX_FILE_BYTES) {
        throw new ToolError(
          `${path} is ${info.size} bytes, over the ${READ_MAX_FILE_BYTES}-byte limit. ` +
            "Read parts of it with bash (head, tail, sed -n).",
        );
      }
      bytes = await fh.readFile({ signal: ctx.signal });
    } finally {
      await fh.close();
    }
    if (looksBinary(bytes)) {
      return {
        ok: true,
        output: `${path} is a binary file (${bytes.length} bytes); its content is not shown.`,
        summary: `binary, ${bytes.length} bytes`,
      };
    }
    const lines = new TextDecoder().decode(bytes).split("\n");
    if (lines.length > 1 && lines.at(-1) === "") lines.pop();
    const total = lines.length;
    if (offset > total && total > 0) {
      throw new ToolError(`offset ${offset} is past the end: ${path} has ${total} lines.`);
    }
    // Whole lines up to the line limit and the character cap; one giant line is cut.
    const last = Math.min(total, offset - 1 + limit);
    let end = offset - 1;
    let chars = 0;
    while (end < last && chars + lines[end].length + 1 <= READ_MAX_CHARS) {
      chars += lines[end++].length + 1;
    }
    let text = lines.slice(offset - 1, end).join("\n");
    if (end === offset - 1 && last > end) {
      text = `${lines[end++].slice(0, READ_MAX_CHARS)} [this line is cut]`;
    }
    const partial = offset > 1 || end < total;
    const note = partial
      ? `\n[lines ${offset}-${end} of ${total}${
        end < total ? `; continue with offset ${end + 1}` : ""
      }]`
      : "";
    return {
      ok: true,
      output: text + note,
      summary: partial ? `lines ${offset}-${end} of ${total}` : `${total} lines`,
    };
  },
};

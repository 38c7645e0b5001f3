/**
 * What the model is told in a NanoClaw 2 container: the runner's own addendum (identity and
 * destinations), how tools are named, and the group's `CLAUDE.md` with the `@./file`
 * imports NanoClaw composes it from, and its `CLAUDE.local.md` (the per-group memory).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** Memory files are cut at this many characters in all. */
export const MEMORY_LIMIT = 40_000;

/** A memory file with its `@path` import lines replaced by the files they name. */
async function expand(path: string, depth = 0, seen = new Set<string>()): Promise<string> {
  if (depth > 3 || seen.has(path)) return "";
  seen.add(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return "";
  }
  const lines = await Promise.all(
    text.split("\n").map(async (line) => {
      const m = line.trim().match(/^@(\S+)$/);
      if (!m) return line;
      return await expand(resolve(dirname(path), m[1]), depth + 1, seen);
    }),
  );
  return lines.join("\n").trim();
}

/** The instructions for a query in `cwd`, with the runner's `addendum`. */
export async function nanoclaw2Instructions(o: {
  cwd: string;
  addendum?: string;
  assistantName?: string;
}): Promise<string> {
  const parts = [
    `You are ${
      o.assistantName ?? "the assistant"
    }, a NanoClaw agent answering people in their chats.`,
    "Tools named mcp__nanoclaw__… are NanoClaw's (sending messages and files, scheduling, " +
    `questions); bash, read_file, write_file and list_files work in ${o.cwd}, which persists.`,
  ];
  if (o.addendum?.trim()) parts.push(o.addendum.trim());
  let memory = "";
  for (const name of ["CLAUDE.md", "CLAUDE.local.md"]) {
    const text = await expand(resolve(o.cwd, name));
    if (text) memory += `\n\n## ${name}\n\n${text}`;
  }
  if (memory.length > MEMORY_LIMIT) memory = `${memory.slice(0, MEMORY_LIMIT)}\n[… cut]`;
  return parts.join("\n\n") + memory;
}

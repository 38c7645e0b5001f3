// Shared by the tools' tests: a temporary workspace and a context for running tools.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolContext } from "./tool.ts";
import { Workspace } from "./workspace.ts";

export async function withWorkspace(
  fn: (ws: Workspace, dir: string, ctx: ToolContext) => Promise<void>,
  secrets: string[] = [],
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cp-tools-"));
  const inner = join(dir, "ws");
  await (await import("node:fs/promises")).mkdir(inner);
  try {
    const ws = await Workspace.open(inner);
    await fn(ws, inner, { workspace: ws, signal: new AbortController().signal, secrets });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

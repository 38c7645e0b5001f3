/**
 * A set of tools by name, and running one call: argument parsing, unknown tools and every
 * failure become a tool result the model reads, so the loop always goes on.
 *
 * @module
 */

import type { FunctionToolDefinition } from "../codex/types.ts";
import { bashTool } from "./bash.ts";
import { listFilesTool } from "./list_files.ts";
import { readFileTool } from "./read_file.ts";
import { redactSecrets } from "./secrets.ts";
import { type Tool, type ToolContext, ToolError, type ToolResult } from "./tool.ts";
import { writeFileTool } from "./write_file.ts";

/** The terminal agent's tools. */
export const DEFAULT_TOOLS: readonly Tool[] = [
  bashTool,
  readFileTool,
  writeFileTool,
  listFilesTool,
];

/**
 * Tools by name.
 *
 * @example
 * ```ts
 * import { DEFAULT_TOOLS, ToolSet } from "@x/codex-provider";
 * const tools = new ToolSet(DEFAULT_TOOLS);
 * console.log(tools.definitions().map((d) => d.name));
 * ```
 */
export class ToolSet {
  #tools: Map<string, Tool>;

  /** Build from a list; a later tool with the same name replaces an earlier one. */
  constructor(tools: readonly Tool[]) {
    this.#tools = new Map(tools.map((t) => [t.definition.name, t]));
  }

  /** What the model sees. */
  definitions(): FunctionToolDefinition[] {
    return [...this.#tools.values()].map((t) => t.definition);
  }

  /**
   * Run one call; never throws. Every result passes here on its way to the model, so secret
   * values are redacted here, whatever the tool.
   */
  async run(name: string, argsJson: string, ctx: ToolContext): Promise<ToolResult> {
    const r = await this.#run(name, argsJson, ctx);
    return {
      ok: r.ok,
      output: redactSecrets(r.output, ctx.secrets),
      summary: redactSecrets(r.summary, ctx.secrets),
    };
  }

  async #run(name: string, argsJson: string, ctx: ToolContext): Promise<ToolResult> {
    const tool = this.#tools.get(name);
    if (!tool) {
      return fail(`Unknown tool '${name}'. Available: ${[...this.#tools.keys()].join(", ")}.`);
    }
    let args: unknown;
    try {
      args = argsJson.trim() ? JSON.parse(argsJson) : {};
    } catch (e) {
      return fail(`The arguments are not valid JSON (${(e as Error).message}).`);
    }
    if (!args || typeof args !== "object" || Array.isArray(args)) {
      return fail("The arguments must be a JSON object.");
    }
    try {
      return await tool.run(args as Record<string, unknown>, ctx);
    } catch (e) {
      if (e instanceof ToolError) return fail(e.message);
      return fail(`${name} failed: ${(e as Error)?.message ?? e}`);
    }
  }
}

function fail(message: string): ToolResult {
  return { ok: false, output: `Error: ${message}`, summary: message.split("\n")[0].slice(0, 120) };
}

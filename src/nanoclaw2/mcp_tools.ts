/**
 * The tools of NanoClaw 2's MCP servers (its own `nanoclaw` server: send_message, schedule,
 * …) as agent tools, through the MCP SDK's stdio client. Names follow the convention
 * NanoClaw's instructions use: `mcp__<server>__<tool>`. The SDK (the runner's own) loads when
 * servers connect, so the one engine file NanoClaw 1.x runs too needs no SDK.
 *
 * @module
 */

import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { FunctionToolDefinition } from "../codex/types.ts";
import type { Tool, ToolResult } from "../tools/tool.ts";
import type { McpServerConfig } from "./types.ts";

/** Function names the backend takes: letters, digits, `_` and `-`, at most 64. */
function toolName(server: string, tool: string): string {
  return `mcp__${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}

/** The text of an MCP tool result (text parts; others named). */
function resultText(result: { content?: unknown; structuredContent?: unknown }): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  const texts = parts.map((p: { type?: string; text?: string }) =>
    p?.type === "text" ? String(p.text ?? "") : `[${p?.type ?? "unknown"} content]`
  );
  if (!texts.length && result.structuredContent !== undefined) {
    return JSON.stringify(result.structuredContent);
  }
  return texts.join("\n");
}

/** Connected MCP servers and their tools. */
export class McpTools {
  /** The agent tools, one per MCP tool. */
  readonly tools: Tool[];
  #clients: Client[];

  private constructor(tools: Tool[], clients: Client[]) {
    this.tools = tools;
    this.#clients = clients;
  }

  /**
   * Start every server and list its tools. A server that fails to start is reported
   * through `log` and left out; the agent still runs with the rest.
   */
  static async connect(
    servers: Record<string, McpServerConfig>,
    options: { version: string; log: (text: string) => void; env?: Record<string, string> },
  ): Promise<McpTools> {
    const tools: Tool[] = [];
    const clients: Client[] = [];
    if (!Object.keys(servers).length) return new McpTools(tools, clients);
    const [{ Client }, { StdioClientTransport }] = await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      import("@modelcontextprotocol/sdk/client/stdio.js"),
    ]);
    await Promise.all(
      Object.entries(servers).map(async ([name, cfg]) => {
        const client = new Client({ name: "codex-provider", version: options.version });
        try {
          await client.connect(
            new StdioClientTransport({
              command: cfg.command,
              args: cfg.args,
              env: { ...options.env, ...cfg.env },
              stderr: "inherit",
            }),
          );
          const listed = await client.listTools();
          clients.push(client);
          for (const t of listed.tools) tools.push(mcpTool(client, name, t));
        } catch (e) {
          options.log(`MCP server ${name} could not start: ${(e as Error).message}`);
          await client.close().catch(() => {});
        }
      }),
    );
    return new McpTools(tools, clients);
  }

  /** Stop the servers. */
  async close(): Promise<void> {
    await Promise.all(this.#clients.map((c) => c.close().catch(() => {})));
  }
}

function mcpTool(
  client: Client,
  server: string,
  t: { name: string; description?: string; inputSchema?: Record<string, unknown> },
): Tool {
  const definition: FunctionToolDefinition = {
    type: "function",
    name: toolName(server, t.name),
    description: t.description ?? `${t.name} (from the ${server} MCP server)`,
    strict: false,
    parameters: t.inputSchema ?? { type: "object", properties: {} },
  };
  return {
    definition,
    async run(args, ctx): Promise<ToolResult> {
      const result = await client.callTool({ name: t.name, arguments: args }, undefined, {
        signal: ctx.signal,
        // A tool may wait for a person (ask_user_question): as long as they take.
        timeout: 30 * 60_000,
      });
      const output = resultText(result as { content?: unknown });
      const ok = !(result as { isError?: boolean }).isError;
      return {
        ok,
        output: output || (ok ? "Done." : "The tool failed."),
        summary: output.split("\n")[0].slice(0, 120),
      };
    },
  };
}

// A stand-in for NanoClaw 2's `nanoclaw` MCP server, for the provider's tests: one tool,
// send_message, that appends what it is given to the file named by OUTBOX.
import { appendFileSync } from "node:fs";
import process from "node:process";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const server = new Server({ name: "nanoclaw", version: "2.0.0" }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () =>
  Promise.resolve({
    tools: [{
      name: "send_message",
      description: "Send a message to the chat now.",
      inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    }],
  }));
server.setRequestHandler(CallToolRequestSchema, (req: { params: { arguments?: unknown } }) => {
  appendFileSync(process.env.OUTBOX!, JSON.stringify(req.params.arguments) + "\n");
  return Promise.resolve({ content: [{ type: "text", text: "Message sent." }] });
});
await server.connect(new StdioServerTransport());

/**
 * The container engine, as the npm package ships it (`dist/container.js`, one self-contained
 * file): NanoClaw 1.x runs it as its container provider (`runProvider`), and NanoClaw 2's
 * runner imports its `CodexProvider` through a registration file beside it. The MCP SDK, which
 * only NanoClaw 2's provider uses, loads from the runner's dependencies when servers connect.
 *
 * @module
 */

export * from "./container.ts";
export { CodexProvider } from "../nanoclaw2/provider.ts";
export type {
  AgentProvider,
  AgentQuery,
  McpServerConfig,
  ProviderEvent,
  ProviderOptions,
  QueryInput,
} from "../nanoclaw2/types.ts";

/**
 * NanoClaw 2's provider interface, as the pinned agent-runner defines it
 * (`container/agent-runner/src/providers/types.ts`, NanoClaw 2.0.64): plain types, so our
 * provider is checked against the same shape the runner calls.
 *
 * @module
 */

/** A provider the agent-runner's poll loop drives. */
export interface AgentProvider {
  /** Whether slash commands go through as raw text (ours: no, they are formatted). */
  readonly supportsNativeSlashCommands: boolean;
  /** Start a query. */
  query(input: QueryInput): AgentQuery;
  /** Whether an error means the stored continuation is unusable. */
  isSessionInvalid(err: unknown): boolean;
}

/** Options passed to a provider's factory. */
export interface ProviderOptions {
  /** The assistant's name. */
  assistantName?: string;
  /** MCP servers (stdio) whose tools the agent gets. */
  mcpServers?: Record<string, McpServerConfig>;
  /** The container's environment. */
  env?: Record<string, string | undefined>;
  /** More folders mounted for the agent. */
  additionalDirectories?: string[];
  /** Model (from container.json). */
  model?: string;
  /** Reasoning effort (from container.json). */
  effort?: string;
}

/** One query's input. */
export interface QueryInput {
  /** The formatted prompt. */
  prompt: string;
  /** Our session id from a previous query. */
  continuation?: string;
  /** The working directory. */
  cwd: string;
  /** The runner's system prompt addendum. */
  systemContext?: { instructions?: string };
}

/** A stdio MCP server. */
export interface McpServerConfig {
  /** Program. */
  command: string;
  /** Arguments. */
  args: string[];
  /** Environment additions. */
  env: Record<string, string>;
}

/** A running query. */
export interface AgentQuery {
  /** A follow-up message. */
  push(message: string): void;
  /** No more input. */
  end(): void;
  /** What happens, as it happens. */
  events: AsyncIterable<ProviderEvent>;
  /** Stop now. */
  abort(): void;
}

/** What a provider reports. */
export type ProviderEvent =
  | { type: "init"; continuation: string }
  | { type: "result"; text: string | null }
  | { type: "error"; message: string; retryable: boolean; classification?: string }
  | { type: "progress"; message: string }
  | { type: "activity" };

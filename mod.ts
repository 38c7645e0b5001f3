/**
 * codex-provider: use a ChatGPT Plus/Pro subscription as an LLM backend through the Codex
 * CLI's OAuth, the ChatGPT backend's Codex Responses API (SSE), and a tool-using agent loop.
 *
 * Layers, bottom up: `auth` (tokens and claims), `codex` (the Responses client: requests,
 * SSE events, typed errors, retries, rate limits, model catalog), `tools` (bash, read_file,
 * write_file, list_files behind a workspace guard), `agent` (the turn loop and sessions).
 * The fake backend for tests lives in `@x/codex-provider/testing`.
 *
 * @example The agent against the fake backend (with your subscription, the credentials are
 * `storeCredentials(await openTokenStore())` and `baseUrl` is left out)
 * ```ts
 * import {
 *   Agent, DEFAULT_TOOLS, ResponsesClient, selectModel, SessionStore, ToolSet, Workspace,
 * } from "@x/codex-provider";
 * import { reply, startFakeBackend } from "@x/codex-provider/testing";
 *
 * const fake = await startFakeBackend();
 * const t = fake.issueTokens();
 * fake.enqueue(reply.text("This folder holds one file."));
 * const dir = await Deno.makeTempDir();
 * const client = new ResponsesClient({
 *   baseUrl: fake.baseUrl,
 *   credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
 * });
 * const choice = selectModel(await client.catalog.load(), {}); // the catalog's default
 * const agent = new Agent({
 *   client, catalog: client.catalog, model: choice.model.slug,
 *   instructions: "You are a helpful coding agent.",
 *   tools: new ToolSet(DEFAULT_TOOLS),
 *   workspace: await Workspace.open(dir),
 *   session: await new SessionStore(`${dir}/.sessions`).create(),
 * });
 * let answer = "";
 * for await (const ev of agent.run("What is in this folder?")) {
 *   if (ev.type === "text_delta") answer += ev.delta;
 * }
 * client.close(); // its WebSocket connection would keep the process alive for a while
 * await fake.close();
 * await Deno.remove(dir, { recursive: true });
 * if (answer !== "This folder holds one file.") throw new Error(answer);
 * ```
 *
 * @module
 */

export * from "./src/codex/types.ts";
export * from "./src/codex/errors.ts";
export { type ParseOptions, parseServerEvents, type ServerEvent } from "./src/codex/sse.ts";
export { parseRateLimits } from "./src/codex/rate_limits.ts";
export {
  availableTo,
  chooseModel,
  clampEffort,
  compactionLimit,
  defaultModel,
  isEffort,
  listedModels,
  type ModelChoice,
  type ModelOrigin,
  type ModelRequest,
  replacementFor,
  selectModel,
  serviceTierFor,
  wireEffort,
} from "./src/codex/models.ts";
export { BUILTIN_MODELS } from "./src/codex/builtin_catalog.ts";
export {
  type CatalogOrigin,
  type CatalogSource,
  type FetchedCatalog,
  ModelCatalog,
  type ModelCatalogOptions,
} from "./src/codex/catalog.ts";
export { type Credentials, type TurnRequest } from "./src/codex/request.ts";
export { messageText } from "./src/codex/items.ts";
export {
  type CompletedResponse,
  type CredentialsProvider,
  type ResponseEvent,
  ResponsesClient,
  type ResponsesClientOptions,
} from "./src/codex/client.ts";
export { type WebSocketFactory } from "./src/codex/websocket.ts";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./src/codex/retry.ts";
export { DEFAULT_BASE_URL, REASONING_EFFORTS } from "./src/codex/protocol.ts";

export { readClaims, type TokenClaims } from "./src/auth/jwt.ts";
export {
  describeTokens,
  readCodexAuthFile,
  readTokenFile,
  type StoredTokens,
  toCodexAuthJson,
  TokenFileError,
  writeCodexAuthFile,
  writeTokenFile,
} from "./src/auth/token_file.ts";
export {
  findTokenSource,
  openTokenStore,
  storeCredentials,
  type TokenSource,
} from "./src/auth/credentials.ts";
export {
  login,
  type LoginOptions,
  type LoginResult,
  type LoginUi,
  type SignedIn,
} from "./src/auth/login.ts";
export {
  DEFAULT_LOGIN_COMMAND,
  LoginRequiredError,
  TokenStore,
  type TokenStoreOptions,
} from "./src/auth/token_store.ts";
// The OAuth steps themselves are `login()`'s and the token store's; their error is public.
export { OAuthError } from "./src/auth/oauth.ts";
// TokenStoreOptions.lock takes these options; a lock that cannot be taken throws the error.
export { type FileLockOptions, LockTimeoutError } from "./src/fs/file_lock.ts";

export {
  defineTool,
  intArg,
  stringArg,
  type Tool,
  type ToolContext,
  ToolError,
  type ToolResult,
} from "./src/tools/tool.ts";
export { Workspace } from "./src/tools/workspace.ts";
export { REDACTED } from "./src/tools/secrets.ts";
export {
  Sandbox,
  type SandboxedCommand,
  type SandboxKind,
  type SandboxOptions,
} from "./src/tools/sandbox.ts";
export { bashTool } from "./src/tools/bash.ts";
export { readFileTool } from "./src/tools/read_file.ts";
export { writeFileTool } from "./src/tools/write_file.ts";
export { listFilesTool } from "./src/tools/list_files.ts";
export { DEFAULT_TOOLS, ToolSet } from "./src/tools/tool_set.ts";

export {
  Agent,
  type AgentEvent,
  type AgentOptions,
  type CompactionOptions,
  type ModelStream,
  userMessage,
} from "./src/agent/agent.ts";
export {
  type CompactionMode,
  type CompactionTrigger,
  estimateTokens,
} from "./src/agent/compaction.ts";
export {
  Session,
  SessionError,
  type SessionMeta,
  type SessionRecord,
  SessionStore,
  type UsageMark,
} from "./src/agent/session_store.ts";
export { codingInstructions } from "./src/agent/instructions.ts";

export {
  createServeHandler,
  DEFAULT_SERVE_INSTRUCTIONS,
  type ServeOptions,
} from "./src/serve/handler.ts";
export { ApiError } from "./src/serve/errors.ts";

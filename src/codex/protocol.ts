/**
 * Constants of the ChatGPT Codex backend, each named once, with where it comes from
 * (PROTOCOL.md in the project's shared notes; the Codex CLI 0.169 captures).
 *
 * @module
 */

/** Default base URL of the Codex backend (override with `CODEX_BASE_URL`). */
export const DEFAULT_BASE_URL = "https://chatgpt.com/backend-api/codex";

/** Path of the streaming Responses endpoint, relative to the base URL. */
export const RESPONSES_PATH = "/responses";

/** Path of the model catalog, relative to the base URL (`?client_version=X`). */
export const MODELS_PATH = "/models";

/** The `originator` header value the backend expects from Codex clients. */
export const ORIGINATOR = "codex_cli_rs";

/** The Codex CLI version whose request shape we follow (captured in reference/). */
export const CODEX_CLIENT_VERSION = "0.169.0";

/** Default model: the seed's default in PROTOCOL.md §4. */
export const DEFAULT_MODEL = "gpt-5.1-codex";

/** The Codex CLI's stream idle limit: a silent stream is an error after this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** The Codex CLI's retry policy: 4 retries, 200 ms · 2^(n-1), ±10 % jitter. */
export const RETRY_POLICY = { maxRetries: 4, baseDelayMs: 200, jitter: 0.1 } as const;

/** Request headers (lower case, as the 0.169 CLI sends them). */
export const HEADER = {
  accountId: "chatgpt-account-id",
  originator: "originator",
  /** The 0.169 CLI's session header; older clients sent `session_id`. We send both. */
  sessionId: "session-id",
  sessionIdLegacy: "session_id",
  openaiBeta: "openai-beta",
} as const;

/** Value of the `OpenAI-Beta` header older clients sent (harmless, still accepted). */
export const OPENAI_BETA = "responses=experimental";

/** Rate-limit header prefix: `x-codex-{primary|secondary}-{field}`. */
export const RATE_LIMIT_HEADER_PREFIX = "x-codex-";

/** `include` value that makes the backend return reasoning we can replay with store:false. */
export const INCLUDE_ENCRYPTED_REASONING = "reasoning.encrypted_content";

/** Body fields the backend rejects outright (PROTOCOL.md §2). */
export const FORBIDDEN_BODY_FIELDS = ["temperature", "max_output_tokens"] as const;

/** The 400 `detail` the 2025 backend sent for non-official instructions. */
export const INSTRUCTIONS_NOT_VALID = "Instructions are not valid";

/** The 400 `detail` for an empty or missing `instructions` field. */
export const INSTRUCTIONS_REQUIRED = "Instructions are required";

/** Reasoning efforts in increasing order; `none` exists on the general models only. */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;

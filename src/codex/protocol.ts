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

/**
 * How long a fetched catalog is fresh before it is asked for again (with `If-None-Match`):
 * the Codex CLI's `models_cache.json` TTL (PROTOCOL.md §4).
 */
export const MODELS_CACHE_TTL_MS = 300_000;

/** Response header naming the catalog's current ETag; a change means "refetch" (§4). */
export const MODELS_ETAG_HEADER = "x-models-etag";

/** The Codex CLI's stream idle limit: a silent stream is an error after this long. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** The Codex CLI's retry policy: 4 retries, 200 ms · 2^(n-1), ±10 % jitter. */
export const RETRY_POLICY = { maxRetries: 4, baseDelayMs: 200, jitter: 0.1 } as const;

/**
 * The longest server-asked wait we sit through before a retry; a longer `Retry-After` (or
 * "try again in …") is reported instead, with when to come back. It also keeps the delay
 * inside what a timer can hold (2^31-1 ms, past which it would fire at once).
 */
export const MAX_RETRY_WAIT_MS = 5 * 60_000;

/** Request headers (lower case, as the 0.169 CLI sends them). */
export const HEADER = {
  accountId: "chatgpt-account-id",
  originator: "originator",
  /** The 0.169 CLI's session header; older clients sent `session_id`. We send both. */
  sessionId: "session-id",
  sessionIdLegacy: "session_id",
  openaiBeta: "openai-beta",
  /** The client version, on catalog and Responses requests (0.169). */
  version: "version",
  /** Beta features the client speaks; remote compaction v2 is announced here (§6). */
  betaFeatures: "x-codex-beta-features",
  /** `<conversation>:<n>`, n counting compactions so far (§6). */
  windowId: "x-codex-window-id",
  /** `model=<slug>[;tier=priority]` (§6). */
  routingHint: "x-codex-routing-hint",
} as const;

/** The beta feature that enables compaction through `compaction_trigger` (§6). */
export const REMOTE_COMPACTION_FEATURE = "remote_compaction_v2";

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

/**
 * Reasoning efforts in increasing order (`max` and `ultra` arrived in 2026). Which ones a
 * model takes is the catalog's word; this list only orders them for clamping.
 */
export const REASONING_EFFORTS = [
  "none",
  "minimal",
  "low",
  "medium",
  "high",
  "xhigh",
  "max",
  "ultra",
] as const;

/** Efforts sent under another name: the 0.169 CLI sends `ultra` as `effort: "max"` (§4). */
export const WIRE_EFFORT: Readonly<Record<string, string>> = { ultra: "max" };

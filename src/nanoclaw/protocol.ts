/**
 * NanoClaw's provider-plugin interface and container protocol (NanoClaw 1.x and the
 * provider-plugin proposal; see NANOCLAW.md in the project's shared notes).
 *
 * @module
 */

/** What the host gives the container on stdin. */
export interface ContainerInput {
  /** `<messages><message sender="…" time="…">…</message>…</messages>`. */
  prompt: string;
  /** The last `newSessionId` the host stored for this group. */
  sessionId?: string;
  /** The group's folder name. */
  groupFolder: string;
  /** The chat's JID. */
  chatJid: string;
  /** Whether this is the main (admin) group. */
  isMain: boolean;
  /** Whether a scheduled task, not a person, sent this. */
  isScheduledTask?: boolean;
  /** The assistant's name. */
  assistantName?: string;
  /** Secrets from the plugin's `getSecrets()`; only ever on stdin. */
  secrets?: Record<string, string>;
  /** The provider name (`codex`). */
  provider?: string;
}

/** One result the container reports, between the output markers. */
export interface ContainerOutput {
  /** `success`, or `error`. */
  status: "success" | "error";
  /** Text for the chat; null only resets the host's timeout. */
  result: string | null;
  /** The session to continue next time. */
  newSessionId?: string;
  /** What failed. */
  error?: string;
}

/** The host-side plugin NanoClaw loads from `plugins/<name>/host.js`. */
export interface ProviderPlugin {
  /** Provider name (`AGENT_PROVIDER=codex`). */
  name: string;
  /** Called before every container spawn; merged into `ContainerInput.secrets`. */
  getSecrets(): Promise<Record<string, string>>;
  /** Whether a login exists (synchronous). */
  isAuthenticated(): boolean;
  /** Interactive login. */
  setup(): Promise<void>;
  /** The file in the plugin folder that the host copies into the container. */
  containerProvider: string;
}

/** Output markers: each result is one line of JSON between these lines. */
export const OUTPUT_START = "---NANOCLAW_OUTPUT_START---";
/** End marker. */
export const OUTPUT_END = "---NANOCLAW_OUTPUT_END---";

/** Secret keys the host plugin sends. */
export const SECRET = {
  accessToken: "CODEX_ACCESS_TOKEN",
  accountId: "CODEX_ACCOUNT_ID",
  model: "CODEX_MODEL",
  effort: "CODEX_REASONING_EFFORT",
  /** `fast` for the model's Fast service tier. */
  serviceTier: "CODEX_SERVICE_TIER",
  /** `off` takes the network away from bash (NanoClaw's containers have it by default). */
  bashNetwork: "CODEX_BASH_NETWORK",
  baseUrl: "CODEX_BASE_URL",
  /** Set instead of a token when the host could not get one: shown in the chat. */
  authError: "CODEX_AUTH_ERROR",
} as const;

/** Container paths, under `NANOCLAW_WORKSPACE` (default `/workspace`). */
export const DEFAULT_WORKSPACE = "/workspace";
/** Follow-ups arrive here as JSON files; `_close` asks the agent to finish. */
export const IPC_INPUT = "ipc/input";
/** Messages for the chat, written for the host. */
export const IPC_MESSAGES = "ipc/messages";
/** Task requests, written for the host. */
export const IPC_TASKS = "ipc/tasks";
/** The host's list of scheduled tasks. */
export const IPC_CURRENT_TASKS = "ipc/current_tasks.json";
/** The host's list of groups (for register_group). */
export const IPC_AVAILABLE_GROUPS = "ipc/available_groups.json";
/** The close sentinel's file name. */
export const CLOSE_SENTINEL = "_close";
/** How often the input folder is looked at, as NanoClaw's Claude runner does. */
export const IPC_POLL_MS = 500;

/** NanoClaw's token file, relative to its root (the host's working directory). */
export const NANOCLAW_TOKEN_FILE = "data/codex-tokens.json";

/** The setup step that logs in, for messages. */
export const NANOCLAW_LOGIN_COMMAND = "npx tsx setup/index.ts --step codex-auth";

/**
 * The `codex` provider for NanoClaw 2's agent-runner: its `AgentProvider` over our one agent
 * engine. A query is a conversation (our session; the continuation is its id): the prompt
 * runs as a turn, messages pushed meanwhile join it between model responses, later ones
 * start the next turn, and each turn ends in one `result`. Every engine event is an
 * `activity` (the poll loop's idle timer), tool calls are `progress`. Tools: bash,
 * read_file, write_file, list_files in the working folder (under the bash sandbox), and
 * every tool of the MCP servers NanoClaw passes in. History, compaction included, lives
 * in a folder that survives the container.
 *
 * @module
 */

import { join } from "node:path";
import { Agent, type AgentEvent } from "../agent/agent.ts";
import { SessionError, SessionStore } from "../agent/session_store.ts";
import { readClaims } from "../auth/jwt.ts";
import { ResponsesClient } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { isEffort, selectModel } from "../codex/models.ts";
import { modelsCacheFile } from "../paths.ts";
import { Sandbox } from "../tools/sandbox.ts";
import { DEFAULT_TOOLS, ToolSet } from "../tools/tool_set.ts";
import { Workspace } from "../tools/workspace.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { nanoclaw2Instructions } from "./instructions.ts";
import { McpTools } from "./mcp_tools.ts";
import {
  HANDOFF_ENV,
  HANDOFF_FILE,
  HANDOFF_MOUNT,
  handoffCredentials,
  NANOCLAW2_LOGIN_HINT,
} from "./token_handoff.ts";
import type {
  AgentProvider,
  AgentQuery,
  ProviderEvent,
  ProviderOptions,
  QueryInput,
} from "./types.ts";

/** Errors a retry later may fix (the poll loop shows them either way). */
const RETRYABLE = new Set([
  "rate_limited",
  "server",
  "network",
  "stream_truncated",
  "idle_timeout",
]);

interface Engine {
  /** The handed-off token's file: its token is redacted from every tool result. */
  tokenFile: string;
  client: ResponsesClient;
  store: SessionStore;
  tools: ToolSet;
  sandbox: Sandbox;
  plan?: string;
}

/** The provider; one per container (the runner creates it once). */
export class CodexProvider implements AgentProvider {
  /** Slash commands arrive formatted like any message. */
  readonly supportsNativeSlashCommands = false;
  #o: ProviderOptions;
  #engine?: Promise<Engine>;
  #log: (text: string) => void;

  /** A provider with the runner's options. */
  constructor(options: ProviderOptions = {}, log?: (text: string) => void) {
    this.#o = options;
    this.#log = log ?? ((t) => console.error(`[codex] ${t}`));
  }

  /** A continuation whose session file is gone (or is not ours) starts afresh. */
  isSessionInvalid(err: unknown): boolean {
    return err instanceof SessionError;
  }

  /** Connect the engine once per container: client, catalog, MCP tools, sandbox. */
  #start(cwd: string): Promise<Engine> {
    this.#engine ??= (async () => {
      const env = this.#o.env ?? {};
      const dir = env[HANDOFF_ENV] || HANDOFF_MOUNT;
      const sessionDir = env.CODEX_SESSION_DIR ||
        join(env.HOME || "/home/node", ".claude", "codex-sessions");
      const credentials = handoffCredentials(dir, { loginHint: NANOCLAW2_LOGIN_HINT });
      const client = new ResponsesClient({
        baseUrl: env.CODEX_BASE_URL || undefined,
        credentials,
        version: denoJson.version,
        modelsCacheFile: modelsCacheFile(sessionDir),
      });
      const first = await credentials({ forceRefresh: false });
      const mcp = await McpTools.connect(this.#o.mcpServers ?? {}, {
        version: denoJson.version,
        log: this.#log,
        env: pickDefined(env, ["PATH", "HOME", "TZ", "LANG"]),
      });
      let sandbox: Sandbox;
      try {
        sandbox = await Sandbox.create({
          hide: [sessionDir, dir],
          network: env.CODEX_BASH_NETWORK !== "off",
          mode: env.CODEX_BASH_SANDBOX === "none" ? "none" : "auto",
        });
        await Workspace.open(cwd);
      } catch (e) {
        await mcp.close(); // a failed start is tried again: leave no MCP server behind
        throw e;
      }
      if (sandbox.warning) this.#log(sandbox.warning);
      return {
        tokenFile: join(dir, HANDOFF_FILE),
        client,
        store: new SessionStore(sessionDir),
        tools: new ToolSet([...DEFAULT_TOOLS, ...mcp.tools]),
        sandbox,
        plan: readClaims(first.accessToken).planType,
      };
    })();
    this.#engine.catch(() => (this.#engine = undefined)); // a failed start is tried again
    return this.#engine;
  }

  /** One conversation: the prompt, then what is pushed, until `end()` or `abort()`. */
  query(input: QueryInput): AgentQuery {
    const inbox = new Inbox();
    return {
      push: (message: string) => inbox.push(message),
      end: () => inbox.end(),
      abort: () => inbox.abort(),
      events: this.#events(input, inbox),
    };
  }

  async *#events(input: QueryInput, inbox: Inbox): AsyncGenerator<ProviderEvent> {
    yield { type: "activity" };
    const engine = await this.#start(input.cwd);
    const session = input.continuation ? await engine.store.open(input.continuation) : undefined;
    const o = this.#o;
    const models = await engine.client.catalog.load();
    const slug = o.env?.CODEX_MODEL || o.model || session?.meta.model;
    const effort = o.effort && isEffort(o.effort) ? o.effort : undefined;
    const serviceTier = o.env?.CODEX_SERVICE_TIER || undefined;
    const choice = selectModel(models, {
      slug,
      known: slug ? engine.client.catalog.lastKnown(slug) : undefined,
      effort,
      serviceTier,
      plan: engine.plan,
    });
    for (const note of [...session?.warnings ?? [], ...choice.notes]) this.#log(note);
    const s = session ?? await engine.store.create({ model: choice.model.slug, cwd: input.cwd });
    yield { type: "init", continuation: s.id };
    const agent = new Agent({
      client: engine.client,
      catalog: engine.client.catalog,
      plan: engine.plan,
      model: choice.model.slug,
      effort,
      serviceTier,
      instructions: await nanoclaw2Instructions({
        cwd: input.cwd,
        addendum: input.systemContext?.instructions,
        assistantName: o.assistantName,
      }),
      tools: engine.tools,
      workspace: await Workspace.open(input.cwd),
      session: s,
      sandbox: engine.sandbox,
      tokenFiles: [engine.tokenFile],
    });
    for (let prompt: string | undefined = input.prompt; prompt !== undefined;) {
      let text: string | null = null;
      try {
        const run = agent.run(prompt, { signal: inbox.signal, followUps: () => inbox.take() });
        for await (const ev of run) {
          yield { type: "activity" };
          const progress = progressOf(ev);
          if (progress) yield { type: "progress", message: progress };
          if (ev.type === "done") text = ev.text || null;
        }
      } catch (e) {
        if (inbox.signal.aborted) return;
        const err = e instanceof CodexError ? e : undefined;
        yield {
          type: "error",
          message: (e as Error)?.message ?? String(e),
          retryable: !!err && RETRYABLE.has(err.code),
          classification: err?.code,
        };
        throw e; // the poll loop tells the chat
      }
      yield { type: "result", text };
      prompt = await inbox.next();
    }
  }
}

/** Messages pushed into a query, and its end or abort. */
class Inbox {
  #pending: string[] = [];
  #wake?: () => void;
  #ended = false;
  #ctl = new AbortController();

  /** Fires on abort. */
  get signal(): AbortSignal {
    return this.#ctl.signal;
  }

  push(message: string): void {
    this.#pending.push(message);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  abort(): void {
    this.#ctl.abort();
    this.#wake?.();
  }

  /** What arrived so far (taken). */
  take(): string[] {
    return this.#pending.splice(0);
  }

  /** The next turn's prompt: what was pushed, once something is; undefined at the end. */
  async next(): Promise<string | undefined> {
    while (!this.#pending.length && !this.#ended && !this.signal.aborted) {
      await new Promise<void>((r) => (this.#wake = r));
    }
    if (this.signal.aborted || !this.#pending.length) return undefined;
    return this.take().join("\n\n");
  }
}

function progressOf(ev: AgentEvent): string | undefined {
  switch (ev.type) {
    case "tool_start":
      return `${ev.name}`;
    case "notice":
      return ev.text;
    case "compacted":
      return `context compacted (${ev.mode})`;
    case "retry":
      return `retrying in ${Math.round(ev.delayMs / 100) / 10} s: ${ev.reason}`;
    default:
      return undefined;
  }
}

function pickDefined(
  env: Record<string, string | undefined>,
  names: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (env[n]) out[n] = env[n]!;
  return out;
}

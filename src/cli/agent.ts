/**
 * `deno task agent`: the terminal agent. One prompt runs one task; no prompt starts an
 * interactive session. Under Deno it relaunches itself with narrow permission flags
 * (see `sandbox.ts`) unless it already has network access granted by the caller.
 *
 * @module
 */

import { dirname, resolve } from "node:path";
import process from "node:process";
import { denoCommand, parseCommand, parseCommandLine, UsageError } from "./command.ts";
import { Agent } from "../agent/agent.ts";
import { codingInstructions } from "../agent/instructions.ts";
import { SessionError, SessionStore } from "../agent/session_store.ts";
import { findTokenSource, storeCredentials } from "../auth/credentials.ts";
import { TokenStore } from "../auth/token_store.ts";
import { TokenFileError } from "../auth/token_file.ts";
import { ResponsesClient } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { isEffort, type ModelOrigin, selectModel } from "../codex/models.ts";
import { REASONING_EFFORTS } from "../codex/protocol.ts";
import type { ReasoningEffort } from "../codex/types.ts";
import {
  codexAuthFile,
  codexHome,
  defaultSessionDir,
  defaultTokenFile,
  modelsCacheFile,
  providerHome,
} from "../paths.ts";
import { Sandbox } from "../tools/sandbox.ts";
import { DEFAULT_TOOLS, ToolSet } from "../tools/tool_set.ts";
import { Workspace } from "../tools/workspace.ts";
import { LineReader } from "./line_reader.ts";
import { exitOnUncaught } from "./uncaught.ts";
import { JsonRenderer, type Renderer, TerminalRenderer } from "./render.ts";
import { relaunchSandboxed } from "./relaunch.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** How a person of this checkout logs in. */
/** How the agent was started, for its help and messages. */
export interface AgentInvocation {
  /** The command a person typed, e.g. `deno task agent`. */
  invokedAs: string;
  /** The command that logs in. */
  loginCommand: string;
  /** The command that lists the models, where there is one. */
  modelsCommand?: string;
}

/** The names of the commands, from where this module was loaded (this repository or JSR). */
export function defaultInvocation(url: string = import.meta.url): AgentInvocation {
  const deno = denoCommand();
  if (url.startsWith("file:")) {
    return {
      invokedAs: `${deno} task agent`,
      loginCommand: `${deno} task login`,
      modelsCommand: `${deno} task models`,
    };
  }
  const pkg = `jsr:${denoJson.name}`;
  return { invokedAs: `${deno} run -A ${pkg}/agent`, loginCommand: `${deno} run -A ${pkg}/login` };
}

/** Exit codes (documented in the README). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  auth: 3,
  limit: 4,
  cancelled: 130,
} as const;

const help = (how: AgentInvocation) => {
  const as = how.invokedAs;
  const pad = " ".repeat(Math.max(0, 15 - as.length));
  const models = how.modelsCommand ? `\`${how.modelsCommand}\` lists them` : "see --model";
  return `codex-provider agent ${denoJson.version}: a coding agent on your ChatGPT subscription

Usage:
  ${as} [options] "prompt"${pad}     run one task and exit
  ${as} [options]${pad}              interactive session (/compact shortens the
  ${" ".repeat(as.length)}${pad}                        context, /exit or Ctrl-D leaves)

Options:
  -m, --model NAME       model (default $CODEX_MODEL, else the catalog's default for your
                         plan; ${models})
  -e, --effort LEVEL     reasoning effort: ${REASONING_EFFORTS.join(" ")}
                         (default $CODEX_REASONING_EFFORT or the model's default; clamped
                         to what the model supports)
      --fast             the model's Fast service tier (or CODEX_SERVICE_TIER=fast)
      --network          let bash reach the network (its sandbox has none by default)
  -C, --cwd DIR          workspace folder the tools are confined to (default: current folder)
  -r, --resume ID        continue a saved session ("last" for the most recent)
      --json             one JSON event per line on stdout, for programs
      --token-file PATH  token file (default $CODEX_TOKEN_FILE, ours, then ~/.codex/auth.json)
      --max-rounds N     model responses per task at most (default 100)
  -h, --help             this help
  -v, --version          the version

Environment: CODEX_BASE_URL (backend), CODEX_TRANSPORT (auto, websocket or sse), CODEX_HOME
(Codex CLI home), CODEX_PROVIDER_HOME (our folder: tokens and sessions), NO_COLOR.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 not logged in, 4 usage or rate limit, 130 cancelled.
`;
};

interface Options {
  prompt: string;
  model?: string;
  modelOrigin: ModelOrigin;
  effort?: ReasoningEffort;
  serviceTier?: string;
  network: boolean;
  cwd: string;
  resume?: string;
  json: boolean;
  tokenFile?: string;
  maxRounds: number;
}

function parse(argv: string[]): Options | "help" | "version" {
  const parsed = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: "string", short: "m" },
      effort: { type: "string", short: "e" },
      cwd: { type: "string", short: "C" },
      resume: { type: "string", short: "r" },
      json: { type: "boolean", default: false },
      fast: { type: "boolean", default: false },
      network: { type: "boolean", default: false },
      "token-file": { type: "string" },
      "max-rounds": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return "help";
  if (v.version) return "version";
  const effort = v.effort ?? process.env.CODEX_REASONING_EFFORT;
  if (effort !== undefined && !isEffort(effort)) {
    throw new UsageError(
      `--effort must be one of ${REASONING_EFFORTS.join(", ")} (got '${effort}').`,
    );
  }
  const maxRounds = v["max-rounds"] === undefined ? 100 : Number(v["max-rounds"]);
  if (!Number.isInteger(maxRounds) || maxRounds < 1) {
    throw new UsageError(`--max-rounds must be a whole number of at least 1.`);
  }
  return {
    prompt: parsed.positionals.join(" ").trim(),
    model: v.model ?? (process.env.CODEX_MODEL || undefined),
    modelOrigin: v.model ? "flag" : "config",
    effort: effort as ReasoningEffort | undefined,
    serviceTier: v.fast ? "fast" : process.env.CODEX_SERVICE_TIER || undefined,
    network: v.network,
    // deno task runs in the config's folder; INIT_CWD is where the person ran it.
    cwd: resolve(process.env.INIT_CWD ?? process.cwd(), v.cwd ?? "."),
    resume: v.resume,
    json: v.json,
    tokenFile: v["token-file"],
    maxRounds,
  };
}

/** Under Deno, whether writes are confined (not granted everywhere). */
function isSandboxed(): boolean {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  return !!deno && deno.permissions.querySync({ name: "write" }).state !== "granted";
}

function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError || e instanceof SessionError) return EXIT.usage;
  if (e instanceof TokenFileError) return EXIT.auth;
  if (e instanceof CodexError) {
    if (e.code === "authentication") return EXIT.auth;
    if (e.code === "usage_limit" || e.code === "rate_limited" || e.code === "quota_exceeded") {
      return EXIT.limit;
    }
    if (e.code === "aborted") return EXIT.cancelled;
    if (e.code === "model_not_supported") return EXIT.usage;
  }
  return EXIT.failed;
}

function codeOf(e: unknown): string {
  if (e instanceof CodexError) return e.code;
  if (e instanceof TokenFileError) return e.code === "missing" ? "not_logged_in" : "token_file";
  if (e instanceof UsageError) return "usage";
  if (e instanceof SessionError) return "session";
  return "internal";
}

async function runTurn(
  agent: Agent,
  prompt: string,
  ui: Renderer,
  ctl: AbortController = new AbortController(),
): Promise<number> {
  const onSigint = () => ctl.abort();
  process.on("SIGINT", onSigint);
  try {
    ui.busy?.("thinking");
    for await (const ev of agent.run(prompt, { signal: ctl.signal })) ui.event(ev);
    return EXIT.ok;
  } catch (e) {
    ui.error(codeOf(e), (e as Error).message);
    return exitCodeFor(e);
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** `/compact`: shorten the context now. */
async function runCompaction(agent: Agent, ui: Renderer, ctl: AbortController): Promise<number> {
  try {
    let compacted = false;
    for await (const ev of agent.compact({ signal: ctl.signal })) {
      compacted ||= ev.type === "compacted";
      ui.event(ev);
    }
    if (!compacted) ui.notice("Nothing to compact yet.");
    return EXIT.ok;
  } catch (e) {
    ui.error(codeOf(e), (e as Error).message);
    return exitCodeFor(e);
  }
}

/** Read tasks line by line (buffered, so type-ahead and piped input are kept). */
async function interactive(agent: Agent, ui: Renderer, color: boolean): Promise<number> {
  const input = new LineReader(color ? "\x1b[1m›\x1b[22m " : "› ");
  let running: AbortController | undefined;
  // On a terminal, readline turns Ctrl-C into this event: stop the task, or leave when idle.
  input.rl.on("SIGINT", () => (running ? running.abort() : input.close()));
  process.stderr.write(
    "Type a task. /compact shortens the context; /exit or Ctrl-D leaves; Ctrl-C stops a running task.\n",
  );
  let last: number = EXIT.ok;
  void agent.prewarm(); // the WebSocket is ready (and holds the history) when the first task comes
  while (true) {
    const raw = await input.next();
    if (raw === undefined) break;
    const line = raw.trim();
    if (line === "/exit" || line === "/quit") break;
    if (!line) continue;
    running = new AbortController();
    last = line === "/compact"
      ? await runCompaction(agent, ui, running)
      : await runTurn(agent, line, ui, running);
    running = undefined;
  }
  input.close();
  process.stderr.write("\n");
  return last === EXIT.cancelled ? EXIT.ok : last;
}

/** Run the agent CLI with `argv`; returns the exit code. */
export async function main(
  argv: string[],
  how: AgentInvocation = defaultInvocation(),
): Promise<number> {
  const o = parseCommand(argv, parse, help(how), EXIT.usage);
  if (typeof o === "number") return o;
  const relaunched = await relaunchSandboxed(argv);
  if (relaunched !== undefined) return relaunched;

  const color = !o.json && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const ui: Renderer = o.json
    ? new JsonRenderer(process.stdout)
    : new TerminalRenderer(process.stdout, process.stderr, color);
  let opened: ResponsesClient | undefined;
  try {
    const workspace = await Workspace.open(o.cwd).catch((e) => {
      throw new UsageError((e as Error).message); // -C naming a folder that is not there
    });
    const source = await findTokenSource(o.tokenFile, process.env, how.loginCommand);
    let secrets: string[] = [];
    let plan: string | undefined;
    const tokens = new TokenStore({
      ...source,
      loginCommand: how.loginCommand,
      onWarning: (m) => ui.notice(m),
      lock: {
        onWait: (pid, until) =>
          ui.notice(
            `Waiting for another process${
              pid ? ` (pid ${pid})` : ""
            } that is refreshing the ChatGPT login (until ${until.toLocaleTimeString()} at most)…`,
          ),
      },
    });
    const credentials = storeCredentials(tokens, (t) => {
      secrets = [t.access_token, t.refresh_token, t.id_token];
      plan = t.plan_type;
    });
    await credentials({ forceRefresh: false }); // fail early, before any prompt is typed
    const sessionDir = defaultSessionDir();
    const client = opened = new ResponsesClient({
      credentials,
      version: denoJson.version,
      modelsCacheFile: modelsCacheFile(sessionDir),
    });
    const store = new SessionStore(sessionDir);
    let resumeId = o.resume;
    if (resumeId === "last") {
      resumeId = (await store.list())[0]?.id;
      if (!resumeId) throw new SessionError("There is no saved session to resume yet.");
    }
    const resumed = resumeId ? await store.open(resumeId) : undefined;
    const catalog = client.catalog;
    const models = await catalog.load();
    if (catalog.warning) ui.notice(catalog.warning);
    // A resumed conversation stays on its model unless told otherwise.
    const slug = o.model ?? resumed?.meta.model;
    const choice = selectModel(models, {
      slug,
      known: slug ? catalog.lastKnown(slug) : undefined,
      origin: o.model ? o.modelOrigin : "config",
      effort: o.effort,
      serviceTier: o.serviceTier,
      plan,
    });
    for (const note of [...resumed?.warnings ?? [], ...choice.notes]) ui.notice(note);
    if (resumed && resumed.meta.model !== choice.model.slug) {
      await resumed.recordModel(choice.model.slug);
    }
    const session = resumed ??
      await store.create({ model: choice.model.slug, cwd: workspace.root });
    // bash sees none of the folders that hold our secrets (tokens, sessions, the Codex CLI's).
    const sandbox = await Sandbox.create({
      hide: [dirname(source.path), providerHome(), codexHome(), sessionDir],
      network: o.network,
      mode: process.env.CODEX_BASH_SANDBOX === "none" ? "none" : "auto",
    });
    if (sandbox.warning) ui.notice(sandbox.warning);
    const agent = new Agent({
      client,
      sandbox,
      tokenFiles: [...new Set([source.path, defaultTokenFile(), codexAuthFile()])],
      model: choice.model.slug,
      effort: o.effort,
      serviceTier: o.serviceTier,
      catalog,
      plan,
      instructions: codingInstructions(workspace.root),
      tools: new ToolSet(DEFAULT_TOOLS),
      workspace,
      session,
      secrets: () => secrets,
      maxRounds: o.maxRounds,
    });
    ui.session({
      id: session.id,
      resumed: !!resumeId,
      model: agent.model,
      cwd: workspace.root,
      sandboxed: isSandboxed(),
      pid: process.pid,
      bashSandbox: sandbox.kind,
    });
    return o.prompt ? await runTurn(agent, o.prompt, ui) : await interactive(agent, ui, color);
  } catch (e) {
    ui.error(codeOf(e), (e as Error).message);
    return exitCodeFor(e);
  } finally {
    opened?.close();
  }
}

/** The agent CLI, as the launcher runs it in its own process. */
export const runAgent: (argv: string[]) => Promise<number> = main;

if (import.meta.main) {
  exitOnUncaught();
  process.exit(await main(process.argv.slice(2)));
}

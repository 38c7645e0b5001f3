/**
 * The NanoClaw container provider: `runProvider(containerInput)`, and a program that reads
 * the ContainerInput JSON from stdin. It runs the same agent engine as the terminal agent in
 * the group's folder, reports each result between output markers as it happens, continues
 * the conversation across container runs (`sessionId` in, `newSessionId` out), takes
 * follow-ups from the IPC folder until `_close`, and gives the agent NanoClaw's tools.
 * Secrets come only from stdin: never put into the environment, scrubbed from bash's.
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import v8 from "node:v8";
import { Agent } from "../agent/agent.ts";
import { isMainModule } from "../cli/main_module.ts";
import { SessionError, SessionStore } from "../agent/session_store.ts";
import { ResponsesClient } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { isEffort, selectModel } from "../codex/models.ts";
import { readClaims } from "../auth/jwt.ts";
import { modelsCacheFile } from "../paths.ts";
import { Sandbox } from "../tools/sandbox.ts";
import { DEFAULT_TOOLS, ToolSet } from "../tools/tool_set.ts";
import { Workspace } from "../tools/workspace.ts";
import { pathExists } from "../fs/path_exists.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { nanoclawInstructions, SCHEDULED_PREFIX } from "./instructions.ts";
import { InputWatcher } from "./ipc.ts";
import { formatOutput } from "./markers.ts";
import { compactionLine } from "../cli/render.ts";
import { nanoclawTools } from "./nanoclaw_tools.ts";
import {
  type ContainerInput,
  type ContainerOutput,
  DEFAULT_WORKSPACE,
  IPC_INPUT,
  NANOCLAW_LOGIN_COMMAND,
  SECRET,
} from "./protocol.ts";

export type { ContainerInput, ContainerOutput } from "./protocol.ts";

/** Where the provider writes and reads (defaults: the process's). */
export interface ProviderOptions {
  /** Environment (paths, base URL); default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Output (markers); default stdout. */
  write?: (text: string) => void;
  /** Log lines; default stderr. */
  log?: (text: string) => void;
}

class InputError extends Error {}

/** Check the host's input; every problem is named. */
export function validateInput(raw: unknown): ContainerInput {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError("The container input is not a JSON object.");
  }
  const i = raw as Record<string, unknown>;
  const missing = ["prompt", "groupFolder", "chatJid"].filter((k) =>
    typeof i[k] !== "string" || !i[k]
  );
  if (missing.length) throw new InputError(`The container input lacks ${missing.join(", ")}.`);
  if (typeof i.isMain !== "boolean") {
    throw new InputError("The container input lacks isMain (true or false).");
  }
  if (i.secrets !== undefined && (typeof i.secrets !== "object" || i.secrets === null)) {
    throw new InputError("The container input's secrets must be an object.");
  }
  if (i.sessionId !== undefined && i.sessionId !== null && typeof i.sessionId !== "string") {
    throw new InputError("The container input's sessionId must be a string.");
  }
  return i as unknown as ContainerInput;
}

/** Credentials from the secrets; the container cannot refresh (the host does, per spawn). */
function secretCredentials(secrets: Record<string, string>) {
  return ({ forceRefresh }: { forceRefresh: boolean }) => {
    if (forceRefresh) {
      return Promise.reject(
        new CodexError(
          "authentication",
          `The ChatGPT login was refused. On the NanoClaw host, log in again: ${NANOCLAW_LOGIN_COMMAND}`,
        ),
      );
    }
    return Promise.resolve({
      accessToken: secrets[SECRET.accessToken],
      accountId: secrets[SECRET.accountId],
    });
  };
}

/**
 * Run the agent for one container: the first prompt, then follow-ups until `_close`.
 * Returns the exit code (0, or 1 after an error marker). Called as NanoClaw's runner calls
 * it (no options), it also ends the process once done: nothing else runs in that container,
 * and an idle keep-alive connection would otherwise keep it up for seconds.
 */
export async function runProvider(input: unknown, options?: ProviderOptions): Promise<number> {
  const standalone = options === undefined;
  if (standalone) fastExit();
  const code = await run(input, options ?? {});
  if (standalone) setImmediate(() => process.exit(code));
  return code;
}

/**
 * Under Node, fetch's HTTP parser is WebAssembly that V8 optimises in background threads,
 * and process exit waits for them (tens of ms after every request). The baseline compiler
 * alone is plenty for parsing a few responses.
 */
function fastExit(): void {
  if ((globalThis as { Deno?: unknown }).Deno) return;
  try {
    v8.setFlagsFromString("--liftoff-only");
  } catch { /* not Node's V8 */ }
}

async function run(input: unknown, options: ProviderOptions): Promise<number> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((t: string) => void process.stdout.write(t));
  const log = options.log ?? ((t: string) => void process.stderr.write(`[codex] ${t}\n`));
  let newSessionId: string | undefined;
  const emit = (o: ContainerOutput) =>
    write(formatOutput(newSessionId ? { ...o, newSessionId } : o));
  let watcher: InputWatcher | undefined;
  let client: ResponsesClient | undefined;
  let probed: Promise<Sandbox> | undefined;
  try {
    const inp = validateInput(input);
    const secrets = inp.secrets ?? {};
    if (secrets[SECRET.authError]) {
      throw new CodexError("authentication", secrets[SECRET.authError]);
    }
    if (!secrets[SECRET.accessToken] || !secrets[SECRET.accountId]) {
      throw new CodexError(
        "authentication",
        `No ChatGPT login reached the container. On the NanoClaw host, log in: ${NANOCLAW_LOGIN_COMMAND}`,
      );
    }
    const root = env.NANOCLAW_WORKSPACE || DEFAULT_WORKSPACE;
    const workspace = await Workspace.open(join(root, "group"));
    const sessionDir = env.CODEX_SESSION_DIR ||
      join(env.HOME || "/home/node", ".claude", "codex-sessions");
    const store = new SessionStore(sessionDir);
    let session;
    try {
      session = inp.sessionId ? await store.open(inp.sessionId) : undefined;
    } catch (e) {
      if (!(e instanceof SessionError)) throw e;
      log(`session ${inp.sessionId} cannot be continued (${e.message}); starting a new one`);
    }
    const effort = secrets[SECRET.effort] || env.CODEX_REASONING_EFFORT;
    if (effort && !isEffort(effort)) log(`ignoring unknown reasoning effort '${effort}'`);
    const askedEffort = effort && isEffort(effort) ? effort : undefined;
    const askedTier = secrets[SECRET.serviceTier] || env.CODEX_SERVICE_TIER || undefined;
    const token = secrets[SECRET.accessToken];
    const plan = readClaims(token).planType;
    client = new ResponsesClient({
      baseUrl: secrets[SECRET.baseUrl] || env.CODEX_BASE_URL || undefined,
      credentials: secretCredentials(secrets),
      version: denoJson.version,
      modelsCacheFile: modelsCacheFile(sessionDir),
    });
    const models = await client.catalog.load();
    if (client.catalog.warning) log(client.catalog.warning);
    const slug = secrets[SECRET.model] || env.CODEX_MODEL || session?.meta.model || undefined;
    const choice = selectModel(models, {
      slug,
      known: slug ? client.catalog.lastKnown(slug) : undefined,
      effort: askedEffort,
      serviceTier: askedTier,
      plan,
    });
    for (const note of [...session?.warnings ?? [], ...choice.notes]) log(note);
    if (session && session.meta.model !== choice.model.slug) {
      await session.recordModel(choice.model.slug);
    }
    session ??= await store.create({ model: choice.model.slug, cwd: workspace.root });
    newSessionId = session.id;

    // bash in the group's folder: the sessions out of sight, and (with bwrap) no view of this
    // process, which holds the token. NanoClaw's containers reach the web; off on request.
    // Probed when the first tool runs: a text answer neither waits for bwrap nor shares the
    // CPU with its start.
    const sandbox: PromiseLike<Sandbox> = {
      then: (ok, fail) => {
        probed ??= Sandbox.create({
          hide: [sessionDir],
          network: (secrets[SECRET.bashNetwork] || env.CODEX_BASH_NETWORK) !== "off",
          mode: env.CODEX_BASH_SANDBOX === "none" ? "none" : "auto",
        }).then((sb) => {
          if (sb.warning) log(sb.warning);
          return sb;
        });
        return probed.then(ok, fail);
      },
    };
    const agent = new Agent({
      client,
      sandbox,
      model: choice.model.slug,
      effort: askedEffort,
      serviceTier: askedTier,
      catalog: client.catalog,
      plan,
      instructions: await nanoclawInstructions({
        workspace: root,
        assistantName: inp.assistantName,
        isMain: inp.isMain,
      }),
      tools: new ToolSet([
        ...DEFAULT_TOOLS,
        ...nanoclawTools({
          workspace: root,
          chatJid: inp.chatJid,
          groupFolder: inp.groupFolder,
          isMain: inp.isMain,
        }),
      ]),
      workspace,
      session,
      secrets: () => [token],
    });

    const inputDir = join(root, IPC_INPUT);
    if (await pathExists(inputDir)) {
      watcher = new InputWatcher(inputDir, log);
      await watcher.start();
    }
    let prompt: string | undefined = inp.isScheduledTask
      ? `${SCHEDULED_PREFIX}\n\n${inp.prompt}`
      : inp.prompt;
    while (prompt !== undefined) {
      for await (const ev of agent.run(prompt, { followUps: () => watcher?.take() ?? [] })) {
        if (ev.type === "message") emit({ status: "success", result: ev.text });
        else if (ev.type === "retry") log(`retrying in ${ev.delayMs} ms: ${ev.reason}`);
        else if (ev.type === "notice") log(ev.text);
        else if (ev.type === "compacted") log(compactionLine(ev));
      }
      emit({ status: "success", result: null });
      // Follow-ups already queued are answered before a `_close` is honoured.
      prompt = watcher ? await watcher.next() : undefined;
    }
    return 0;
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    log(`error: ${message}`);
    emit({ status: "error", result: `⚠️ ${message}`, error: message });
    return 1;
  } finally {
    watcher?.stop();
    client?.close();
    await probed?.catch(() => {}); // its notice, if any, is logged before the process ends
  }
}

async function readStdin(): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const c of process.stdin) {
    text += typeof c === "string" ? c : decoder.decode(c as Uint8Array, { stream: true });
  }
  return text + decoder.decode();
}

if (isMainModule(import.meta)) {
  const text = await readStdin();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // reported by runProvider as "not a JSON object"
  }
  await runProvider(parsed); // as NanoClaw's runner calls it: it ends the process when done
}

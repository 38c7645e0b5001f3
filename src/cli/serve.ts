/**
 * `deno task serve`: the ChatGPT subscription behind an OpenAI-compatible endpoint on this
 * machine, for every tool that speaks OpenAI's API.
 *
 * @module
 */

import process from "node:process";
import { findTokenSource, storeCredentials } from "../auth/credentials.ts";
import { TokenFileError } from "../auth/token_file.ts";
import { TokenStore } from "../auth/token_store.ts";
import { CodexError } from "../codex/errors.ts";
import { ResponsesClient } from "../codex/client.ts";
import { listedModels } from "../codex/models.ts";
import { defaultSessionDir, modelsCacheFile } from "../paths.ts";
import { defaultKeyFile, loadApiKey } from "../serve/api_key.ts";
import { createServeHandler, LOOPBACK_HOSTS } from "../serve/handler.ts";
import { listen } from "../serve/listen.ts";
import { denoCommand, parseCommand, parseCommandLine, UsageError } from "./command.ts";
import { isMainModule } from "./main_module.ts";
import { exitOnUncaught, logUnhandledRejections } from "./uncaught.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** Exit codes (documented in the README). */
export const SERVE_EXIT = { ok: 0, failed: 1, usage: 2, auth: 3 } as const;

/** How the server was started, for its help and messages. */
export interface ServeInvocation {
  /** The command a person typed. */
  invokedAs: string;
  /** The command that logs in. */
  loginCommand: string;
}

const DEFAULT_PORT = 8317;
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

const help = (how: ServeInvocation) =>
  `codex-provider serve ${denoJson.version}: your ChatGPT subscription as an OpenAI-compatible endpoint

Usage:
  ${how.invokedAs} [options]

Answers POST /v1/chat/completions, POST /v1/responses and GET /v1/models on this machine,
with the login of '${how.loginCommand}'.

Options:
  -p, --port N            port (default $CODEX_SERVE_PORT, else ${DEFAULT_PORT}; 0 picks a free one)
      --host ADDR         address to bind (default 127.0.0.1); another address needs the key
      --no-auth           accept requests without the key (loopback only)
      --key-file PATH     the key's file (default $CODEX_SERVE_KEY_FILE, else serve-key beside
                          the tokens); made with a new key at the first start, mode 0600
      --print-key         print the key and exit
      --cors-origin URL   answer browser requests from this origin (repeatable; '*' for any)
      --allow-host NAME   accept requests addressed to NAME besides localhost (repeatable)
      --instructions TXT  instructions for requests without a system message
      --token-file PATH   token file (default $CODEX_TOKEN_FILE, ours, then ~/.codex/auth.json)
      --json              start-up as one JSON line on stdout, request log as JSON lines
  -h, --help              this help
  -v, --version           the version

Clients: base URL http://127.0.0.1:${DEFAULT_PORT}/v1, API key the server's key.
Exit codes: 0 stopped, 1 failed, 2 bad usage, 3 not logged in.
`;

interface Options {
  port: number;
  host: string;
  auth: boolean;
  keyFile: string;
  printKey: boolean;
  corsOrigins: string[];
  allowHosts: string[];
  instructions?: string;
  tokenFile?: string;
  json: boolean;
}

function parse(argv: string[]): Options | "help" | "version" {
  const { values: v } = parseCommandLine({
    args: argv,
    options: {
      port: { type: "string", short: "p" },
      host: { type: "string", default: "127.0.0.1" },
      "no-auth": { type: "boolean", default: false },
      "key-file": { type: "string" },
      "print-key": { type: "boolean", default: false },
      "cors-origin": { type: "string", multiple: true, default: [] },
      "allow-host": { type: "string", multiple: true, default: [] },
      instructions: { type: "string" },
      "token-file": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  if (v.help) return "help";
  if (v.version) return "version";
  const portText = v.port ?? process.env.CODEX_SERVE_PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`--port takes a number from 0 to 65535 (got '${portText}').`);
  }
  if (v["no-auth"] && !LOOPBACK.has(v.host)) {
    throw new UsageError(
      `--no-auth is for loopback only: on ${v.host} anyone who reaches the port would use your subscription. Drop --no-auth (callers then need the key).`,
    );
  }
  return {
    port,
    host: v.host,
    auth: !v["no-auth"],
    keyFile: v["key-file"] ?? defaultKeyFile(process.env),
    printKey: v["print-key"],
    corsOrigins: v["cors-origin"],
    allowHosts: v["allow-host"],
    instructions: v.instructions,
    tokenFile: v["token-file"],
    json: v.json,
  };
}

/** The names of the commands of this checkout (or of JSR). */
export function defaultServeInvocation(url: string = import.meta.url): ServeInvocation {
  const deno = denoCommand();
  if (url.startsWith("file:")) {
    return { invokedAs: `${deno} task serve`, loginCommand: `${deno} task login` };
  }
  const pkg = `jsr:${denoJson.name}`;
  return {
    invokedAs: `${deno} run -A --unstable-no-legacy-abort ${pkg}/serve`,
    loginCommand: `${deno} run -A ${pkg}/login`,
  };
}

/** Run the server until SIGINT/SIGTERM; returns the exit code. */
export async function main(
  argv: string[],
  how: ServeInvocation = defaultServeInvocation(),
): Promise<number> {
  const parsed = parseCommand(argv, parse, help(how), SERVE_EXIT.usage);
  if (typeof parsed === "number") return parsed;
  const o = parsed;
  const say = (text: string, fields: Record<string, unknown> = {}) =>
    process.stderr.write(
      o.json ? `${JSON.stringify({ message: text, ...fields })}\n` : `${text}\n`,
    );
  let client: ResponsesClient | undefined;
  try {
    const apiKey = o.auth || o.printKey ? await loadApiKey(o.keyFile) : undefined;
    if (o.printKey) {
      process.stdout.write(`${apiKey!.key}\n`);
      return SERVE_EXIT.ok;
    }
    const source = await findTokenSource(o.tokenFile, process.env, how.loginCommand);
    let plan: string | undefined;
    const tokens = new TokenStore({ ...source, loginCommand: how.loginCommand, onWarning: say });
    const credentials = storeCredentials(tokens, (t) => (plan = t.plan_type));
    await credentials({ forceRefresh: false }); // no login: say so now, not at the first request
    client = new ResponsesClient({
      credentials,
      version: denoJson.version,
      modelsCacheFile: modelsCacheFile(defaultSessionDir()),
    });
    const models = await client.catalog.load();
    if (client.catalog.warning) say(client.catalog.warning);
    const handler = createServeHandler({
      client,
      apiKey: apiKey?.key ?? false,
      allowedHosts: LOOPBACK.has(o.host) ? [...LOOPBACK_HOSTS, ...o.allowHosts] : ["*"],
      allowedOrigins: o.corsOrigins,
      instructions: o.instructions,
      plan: () => plan,
      log: (line) => say(line),
    });
    const server = await listen(handler, { hostname: o.host, port: o.port });
    logUnhandledRejections(say);
    // Listening for the stop before saying it runs: a signal right after the start-up line
    // must not find the default action.
    const stopped = new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    const base = `${server.url}/v1`;
    const names = listedModels(models, plan).map((m) => m.slug);
    if (o.json) {
      process.stdout.write(
        `${
          JSON.stringify({
            url: base,
            auth: o.auth,
            key_file: o.auth ? o.keyFile : undefined,
            key: apiKey?.created ? apiKey.key : undefined,
            plan,
            models: names,
          })
        }\n`,
      );
    } else {
      const keyLine = !apiKey
        ? "No API key (--no-auth): any program of this machine's users can call it."
        : apiKey.created
        ? `API key (new, kept in ${o.keyFile}, mode 0600):\n  ${apiKey.key}`
        : `API key: in ${o.keyFile} (${how.invokedAs} --print-key shows it).`;
      process.stdout.write(
        `codex-provider serve ${denoJson.version}: ${base} (ChatGPT${plan ? ` ${plan}` : ""})\n` +
          `${keyLine}\nModels: ${names.join(", ")} (the first is the default)\n` +
          `Clients: OPENAI_BASE_URL=${base} OPENAI_API_KEY=<the key>. Ctrl-C stops.\n`,
      );
    }
    await stopped;
    await server.close();
    say("stopped");
    return SERVE_EXIT.ok;
  } catch (e) {
    say(`error: ${(e as Error).message}`);
    if (e instanceof UsageError) return SERVE_EXIT.usage;
    const auth = e instanceof TokenFileError ||
      (e instanceof CodexError && e.code === "authentication");
    return auth ? SERVE_EXIT.auth : SERVE_EXIT.failed;
  } finally {
    client?.close();
  }
}

if (isMainModule(import.meta)) {
  exitOnUncaught();
  process.exit(await main(process.argv.slice(2)));
}

/**
 * `deno task models`: the models this account can use, read from the live catalog (cached
 * beside the sessions): name, efforts, context window, service tiers, the default marked.
 *
 * @module
 */

import process from "node:process";
import { denoCommand, parseCommand, parseCommandLine } from "./command.ts";
import { findTokenSource, storeCredentials } from "../auth/credentials.ts";
import { TokenFileError } from "../auth/token_file.ts";
import { TokenStore } from "../auth/token_store.ts";
import { ResponsesClient } from "../codex/client.ts";
import { CodexError } from "../codex/errors.ts";
import { compactionLimit, defaultModel, effortsOf, listedModels } from "../codex/models.ts";
import type { ModelInfo } from "../codex/types.ts";
import { defaultSessionDir, modelsCacheFile } from "../paths.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { exitOnUncaught } from "./uncaught.ts";

const LOGIN_COMMAND = `${denoCommand()} task login`;

const HELP = `codex-provider models ${denoJson.version}: the models your ChatGPT plan can use

Usage:
  deno task models [options]

Options:
      --all              also the models the catalog hides, and those outside your plan
      --refresh          ask the backend now, even if the cached catalog is fresh
      --json             one JSON object, for programs
      --token-file PATH  token file (default $CODEX_TOKEN_FILE, ours, then ~/.codex/auth.json)
  -h, --help             this help
  -v, --version          the version

The default (marked *) is what the agent uses when no --model or CODEX_MODEL is given.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 not logged in.
`;

interface Options {
  all: boolean;
  refresh: boolean;
  json: boolean;
  tokenFile?: string;
}

function parse(argv: string[]): Options | "help" | "version" {
  const parsed = parseCommandLine({
    args: argv,
    options: {
      all: { type: "boolean", default: false },
      refresh: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      "token-file": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
  });
  const v = parsed.values;
  if (v.help) return "help";
  if (v.version) return "version";
  return { all: v.all, refresh: v.refresh, json: v.json, tokenFile: v["token-file"] };
}

/** One model as listed. */
export interface ListedModel {
  /** Slug to pass to `--model`. */
  model: string;
  /** Name for people. */
  name: string;
  /** Whether it is the default for this plan. */
  default: boolean;
  /** Efforts it accepts, and the one it uses by default. */
  efforts: string[];
  /** Its default effort. */
  default_effort?: string;
  /** Context window, tokens. */
  context_window?: number;
  /** Where the agent compacts, tokens. */
  compact_at?: number;
  /** Service tiers (`Fast` is `--fast`). */
  service_tiers: string[];
  /** Whether the plan may use it. */
  in_plan: boolean;
  /** Shown in pickers. */
  listed: boolean;
  /** The model the catalog names as its replacement. */
  upgrade?: string;
}

/** The rows of the listing: listed models for the plan, or all of them with `all`. */
export function modelRows(models: readonly ModelInfo[], plan?: string, all = false): ListedModel[] {
  const def = defaultModel(models, plan)?.slug;
  const shown = all
    ? [...models].sort((a, b) => (a.priority ?? Infinity) - (b.priority ?? Infinity))
    : listedModels(models, plan);
  return shown.map((m) => ({
    model: m.slug,
    name: m.display_name ?? m.slug,
    default: m.slug === def,
    efforts: effortsOf(m),
    default_effort: m.default_reasoning_level,
    context_window: m.context_window,
    compact_at: compactionLimit(m),
    service_tiers: (m.service_tiers ?? []).map((t) => t.name ?? t.id),
    in_plan: !plan || !m.available_in_plans || m.available_in_plans.includes(plan),
    listed: m.visibility === "list",
    upgrade: m.upgrade?.model,
  }));
}

function table(rows: ListedModel[]): string {
  const k = (n?: number) => (n ? `${Math.round(n / 1000)}k` : "?");
  const lines = rows.map((r) => [
    `${r.default ? "*" : " "} ${r.model}`,
    r.efforts.map((e) => (e === r.default_effort ? `${e}(default)` : e)).join(" "),
    k(r.context_window),
    r.service_tiers.join(" ") || "-",
    [
      r.upgrade ? `upgrade: ${r.upgrade}` : "",
      r.listed ? "" : "hidden",
      r.in_plan ? "" : "not in your plan",
    ].filter(Boolean).join(", "),
  ]);
  const head = ["  model", "efforts", "context", "tiers", ""];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [head, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n") + "\n";
}

/** Run the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const o = parseCommand(argv, parse, HELP, 2);
  if (typeof o === "number") return o;
  try {
    const source = await findTokenSource(o.tokenFile, process.env, LOGIN_COMMAND);
    let plan: string | undefined;
    const tokens = new TokenStore({ ...source, loginCommand: LOGIN_COMMAND });
    const credentials = storeCredentials(tokens, (t) => (plan = t.plan_type));
    await credentials({ forceRefresh: false });
    const client = new ResponsesClient({
      credentials,
      version: denoJson.version,
      modelsCacheFile: modelsCacheFile(defaultSessionDir()),
    });
    const models = await client.catalog.load({ refresh: o.refresh });
    const rows = modelRows(models, plan, o.all);
    const from = client.catalog.origin;
    if (o.json) {
      process.stdout.write(
        JSON.stringify({
          plan: plan ?? null,
          source: from,
          etag: client.catalog.etag,
          models: rows,
        }) +
          "\n",
      );
    } else {
      if (client.catalog.warning) process.stderr.write(`${client.catalog.warning}\n`);
      process.stdout.write(table(rows));
      process.stderr.write(
        `plan: ${plan ?? "unknown"} · catalog: ${
          from === "live" ? "from the backend" : from === "cache" ? "cached copy" : "built-in list"
        } · * is the default\n`,
      );
    }
    return 0;
  } catch (e) {
    const message = (e as Error).message;
    if (o.json) process.stdout.write(JSON.stringify({ error: message }) + "\n");
    else process.stderr.write(`error: ${message}\n`);
    const auth = e instanceof TokenFileError ||
      (e instanceof CodexError && e.code === "authentication");
    return auth ? 3 : 1;
  }
}

if (import.meta.main) {
  exitOnUncaught();
  process.exit(await main(process.argv.slice(2)));
}

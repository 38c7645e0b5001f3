// The real NanoClaw 2 agent-runner (pinned in ../shared/peers/nanoclaw-v2), with our provider
// installed by our installer, run as its container runs it (`bun run /app/src/index.ts`,
// the session databases in /workspace), against the fake backend. There is no container
// engine here: bubblewrap gives the runner a root of its own with /workspace and /app.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { installV2 } from "../src/nanoclaw2/install.ts";

const PEER = new URL("../../shared/peers/nanoclaw-v2/", import.meta.url).pathname;
const RUNNER = join(PEER, "container", "agent-runner");
const BUILT = new URL("../npm/dist/", import.meta.url);
export const BUN_VERSION = "1.4.5";

function npmInstall(dir: string, args: string[]): void {
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...args], {
    cwd: dir,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm install in ${dir} failed:\n${r.stderr}`);
}

/** The runner's npm dependencies, installed once into a cache folder keyed by its manifest. */
async function runnerModules(): Promise<string> {
  const manifest = await readFile(join(RUNNER, "package.json"), "utf8");
  const key = createHash("sha256").update(manifest).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `cp-nanoclaw2-modules-${key}`);
  if (!existsSync(join(dir, "node_modules", "@modelcontextprotocol"))) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "package.json"), manifest);
    npmInstall(dir, []);
  }
  return join(dir, "node_modules");
}

/** Bun from npm (its binary ships in the registry package), cached; or BUN_BIN. */
export function bunBin(): string {
  if (process.env.BUN_BIN) return process.env.BUN_BIN;
  const dir = join(tmpdir(), `cp-bun-${BUN_VERSION}`);
  const bin = join(dir, "node_modules", ".bin", "bun");
  if (!existsSync(bin)) {
    spawnSync("mkdir", ["-p", dir]);
    npmInstall(dir, [`bun@${BUN_VERSION}`]);
  }
  return bin;
}

/** A NanoClaw 2 checkout (the runner and the host's provider barrel) with our provider in. */
export async function checkoutWithCodex(): Promise<{ root: string; runner: string }> {
  const root = await mkdtemp(join(tmpdir(), "cp-nanoclaw2-"));
  const runner = join(root, "container", "agent-runner");
  await cp(join(RUNNER, "src"), join(runner, "src"), { recursive: true });
  await cp(join(RUNNER, "package.json"), join(runner, "package.json"));
  await symlink(await runnerModules(), join(runner, "node_modules"));
  await cp(join(PEER, "src", "providers"), join(root, "src", "providers"), { recursive: true });
  await installV2(root, BUILT);
  return { root, runner };
}

/** The session databases, created with the runner's own schema (its test helper's). */
export function createSessionDbs(runner: string, workspace: string, destinations: string): void {
  const script = `
    import { initTestSessionDb } from "${runner}/src/db/connection.ts";
    const { inbound, outbound } = initTestSessionDb();
    inbound.exec("CREATE TABLE session_routing (id INTEGER PRIMARY KEY, channel_type TEXT, platform_id TEXT, thread_id TEXT)");
    inbound.exec(${JSON.stringify(destinations)});
    inbound.exec("VACUUM INTO '${workspace}/inbound.db'");
    outbound.exec("VACUUM INTO '${workspace}/outbound.db'");
  `;
  const r = spawnSync(bunBin(), ["-e", script], { encoding: "utf8", cwd: runner });
  if (r.status !== 0) throw new Error(`creating the session databases failed: ${r.stderr}`);
}

/** bwrap arguments for a root made of this machine's top-level folders plus /workspace, /app. */
function rootArgs(workspace: string, app: string): string[] {
  const args = ["--die-with-parent", "--dev-bind", "/dev", "/dev", "--proc", "/proc"];
  for (const name of readdirSync("/")) {
    if (["proc", "dev", "sys", "workspace", "app"].includes(name)) continue;
    const path = `/${name}`;
    const st = lstatSync(path);
    if (st.isSymbolicLink()) args.push("--symlink", readlinkSync(path), path);
    else if (st.isDirectory()) args.push("--bind", path, path);
  }
  args.push("--bind", workspace, "/workspace", "--bind", app, "/app");
  return args;
}

/** Start the runner as the container does; returns the process and its log. */
export function startRunner(
  runner: string,
  workspace: string,
  env: Record<string, string>,
): { child: ChildProcess; log: () => string } {
  const bun = bunBin();
  const child = spawn(
    "bwrap",
    [...rootArgs(workspace, runner), "--chdir", "/app", "--", bun, "run", "/app/src/index.ts"],
    {
      env: { ...env, PATH: `${dirname(bun)}:${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let log = "";
  child.stdout!.on("data", (c) => (log += c));
  child.stderr!.on("data", (c) => (log += c));
  return { child, log: () => log };
}

/** The host's side of the session databases: write inbound, read outbound. */
export class SessionDbs {
  #workspace: string;
  #n = 0;
  constructor(workspace: string) {
    this.#workspace = workspace;
  }

  /** A chat message from Ann in the family chat. */
  send(text: string): string {
    const id = `m${++this.#n}`;
    const db = new DatabaseSync(join(this.#workspace, "inbound.db"));
    try {
      db.prepare(
        `INSERT INTO messages_in (id, seq, kind, timestamp, status, platform_id, channel_type, content)
         VALUES (?, ?, 'chat', datetime('now'), 'pending', 'chan-1', 'discord', ?)`,
      ).run(id, this.#n * 2, JSON.stringify({ sender: "Ann", text }));
    } finally {
      db.close();
    }
    return id;
  }

  /** Texts the runner wrote for delivery. */
  delivered(): string[] {
    const db = new DatabaseSync(join(this.#workspace, "outbound.db"), { readOnly: true });
    try {
      return (db.prepare("SELECT content FROM messages_out ORDER BY seq, timestamp").all() as {
        content: string;
      }[]).map((r) => JSON.parse(r.content).text);
    } finally {
      db.close();
    }
  }
}

export async function removeCheckout(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

// The real NanoClaw 1.x host (pinned in ../shared/peers/nanoclaw-v1-pr572) with our npm
// plugin installed by our installer, run as `npx tsx src/index.ts`, its real
// runContainerAgent spawning the agent runner through a `docker` stand-in
// (tests/nanoclaw1/docker), and a test channel (tests/nanoclaw1/test_channel.ts).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  appendFile,
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { installPlugin } from "../src/nanoclaw/install.ts";

const PEER = new URL("../../shared/peers/nanoclaw-v1-pr572/", import.meta.url).pathname;
const HERE = new URL("./nanoclaw1/", import.meta.url).pathname;
const PLUGIN = new URL("../npm/dist/", import.meta.url);

function npmCi(dir: string): void {
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm ci in ${dir} failed:\n${r.stderr}`);
}

/** `package.json` and its lock installed once into a cache folder keyed by the lock. */
async function cachedModules(from: string, label: string): Promise<string> {
  const lock = await readFile(join(from, "package-lock.json"), "utf8");
  const key = createHash("sha256").update(lock).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `cp-nanoclaw1-${label}-${key}`);
  if (!existsSync(join(dir, "node_modules", ".package-lock.json"))) {
    await mkdir(dir, { recursive: true });
    for (const f of ["package.json", "package-lock.json"]) await cp(join(from, f), join(dir, f));
    if (label === "host") {
      await cp(join(PEER, "packages"), join(dir, "packages"), { recursive: true });
    }
    npmCi(dir);
  }
  return join(dir, "node_modules");
}

export interface Host {
  root: string;
  channel: string;
  groupDir: string;
  /** Say something in the test chat. */
  say(text: string): Promise<void>;
  /** What NanoClaw sent to the chat so far. */
  sent(): Promise<string[]>;
  /** The host's log. */
  log(): string;
  stop(): Promise<void>;
}

/** A host checkout with our plugin, logged in (or not), started against the fake. */
export async function startHost(
  env: Record<string, string>,
  login: (tokenFile: string) => Promise<void>,
): Promise<Host> {
  const root = await mkdtemp(join(tmpdir(), "cp-nanoclaw1-"));
  for (const d of ["src", "container", "setup", "groups", "tsconfig.json", "package.json"]) {
    await cp(join(PEER, d), join(root, d), { recursive: true });
  }
  await symlink(await cachedModules(PEER, "host"), join(root, "node_modules"));
  // The agent image: the runner's package with its dependencies (its src is mounted per group).
  const image = join(root, ".image");
  await mkdir(join(image, "src"), { recursive: true }); // where the group's runner src is mounted
  const runner = join(PEER, "container", "agent-runner");
  for (const f of ["package.json", "package-lock.json", "tsconfig.json"]) {
    await cp(join(runner, f), join(image, f));
  }
  await mkdir(join(image, "node_modules")); // the stand-in mounts the cached ones here
  const imageModules = await cachedModules(runner, "image");
  // Our plugin, as a person installs it; the test channel and its barrel line.
  await installPlugin(root, PLUGIN);
  await cp(join(HERE, "test_channel.ts"), join(root, "src", "channels", "test_channel.ts"));
  await appendFile(join(root, "src", "channels", "index.ts"), "\nimport './test_channel.js';\n");
  await mkdir(join(root, "scripts"), { recursive: true });
  await cp(join(HERE, "register_group.ts"), join(root, "scripts", "register_group.ts"));
  await writeFile(join(root, ".env"), "AGENT_PROVIDER=codex\nASSISTANT_NAME=Andy\n");
  // The one change to the host: its scheduler looks every second, not every minute.
  const config = join(root, "src", "config.ts");
  await writeFile(
    config,
    (await readFile(config, "utf8")).replace(
      "SCHEDULER_POLL_INTERVAL = 60000",
      "SCHEDULER_POLL_INTERVAL = 1000",
    ),
  );
  await login(join(root, "data", "codex-tokens.json"));
  const bin = join(root, ".bin");
  await mkdir(bin);
  await cp(join(HERE, "docker"), join(bin, "docker"));
  await chmod(join(bin, "docker"), 0o755);
  const state = join(root, ".docker");
  await mkdir(state);
  const channel = join(root, ".channel");
  await mkdir(channel);
  const hostEnv = {
    ...process.env,
    ...env,
    PATH: `${bin}:${process.env.PATH}`,
    FAKE_DOCKER_STATE: state,
    FAKE_DOCKER_APP: image,
    FAKE_DOCKER_MODULES: imageModules,
    TEST_CHANNEL_DIR: channel,
    TZ: "UTC",
    LOG_LEVEL: "info",
  };
  const reg = spawnSync("npx", ["tsx", "scripts/register_group.ts"], {
    cwd: root,
    env: hostEnv,
    encoding: "utf8",
  });
  if (reg.status !== 0) throw new Error(`registering the group failed: ${reg.stderr}`);
  const child: ChildProcess = spawn("npx", ["tsx", "src/index.ts"], {
    cwd: root,
    env: hostEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout!.on("data", (c) => (log += c));
  child.stderr!.on("data", (c) => (log += c));
  return {
    root,
    channel,
    groupDir: join(root, "groups", "main"),
    say: (text) =>
      appendFile(
        join(channel, "inbox.jsonl"),
        JSON.stringify({ chatJid: "test:family", sender: "Ann", text }) + "\n",
      ),
    sent: async () => {
      try {
        return (await readFile(join(channel, "outbox.jsonl"), "utf8")).split("\n").filter(Boolean)
          .map((l) => JSON.parse(l).text);
      } catch {
        return [];
      }
    },
    log: () => log,
    stop: async () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch { /* gone */ }
      await new Promise((r) => setTimeout(r, 200));
      if (!process.env.KEEP) await rm(root, { recursive: true, force: true });
    },
  };
}

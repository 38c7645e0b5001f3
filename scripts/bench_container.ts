// The NanoClaw container provider's cold start: `deno task bench:container`. For each runtime,
// the time from spawning the provider (ContainerInput on stdin) to its first request reaching
// the backend, median over RUNS runs (default 10); and the one-time tsc compile NanoClaw does.
// Needs npm/ built (deno task build:npm).
import { spawn, spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { reply, startFakeBackend } from "../src/testing/mod.ts";

const RUNS = Number(process.env.RUNS ?? 10);
const ROOT = new URL("..", import.meta.url).pathname;
const PROVIDER = join(ROOT, "npm/plugins/codex/provider-codex.js");
await stat(PROVIDER).catch(() => {
  throw new Error("npm/ is not built: run `deno task build:npm` first.");
});

const fake = await startFakeBackend({ fallback: reply.text("hi") });
const dir = await mkdtemp(join(tmpdir(), "cp-bench-container-"));
await mkdir(join(dir, "workspace", "group"), { recursive: true });
const t = fake.issueTokens();
const input = JSON.stringify({
  prompt: "hi",
  groupFolder: "g",
  chatJid: "c",
  isMain: true,
  secrets: { CODEX_ACCESS_TOKEN: t.access_token, CODEX_ACCOUNT_ID: t.account_id },
});
const env = {
  PATH: process.env.PATH,
  NANOCLAW_WORKSPACE: join(dir, "workspace"),
  CODEX_SESSION_DIR: join(dir, "sessions"),
  CODEX_BASE_URL: fake.baseUrl,
};

async function coldStart(cmd: string, args: string[]): Promise<number> {
  const before = fake.responsesRequests().length;
  const t0 = Date.now();
  const child = spawn(cmd, args, { env, stdio: ["pipe", "ignore", "ignore"] });
  child.stdin.end(input);
  while (fake.responsesRequests().length === before) await new Promise((r) => setTimeout(r, 1));
  const ms = fake.responsesRequests().at(-1)!.at - t0;
  await new Promise((r) => child.on("close", r));
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(name: string, cmd: string, args: string[]) {
  await coldStart(cmd, args);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await coldStart(cmd, args));
  console.log(`| ${name} | ${median(runs)} ms | ${Math.min(...runs)}–${Math.max(...runs)} ms |`);
}

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
const size = (await stat(PROVIDER)).size;
console.log(`container provider: one file, ${(size / 1024).toFixed(1)} KiB; ${RUNS} runs each\n`);
console.log("| runtime | cold start to first request (median) | range |\n| --- | --- | --- |");
const nodeVersion = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout.trim();
await measure(`node ${nodeVersion} provider-codex.js`, "node", [PROVIDER]);
await measure("deno provider-codex.js", deno, ["run", "-A", PROVIDER]);
await measure("deno src/nanoclaw/container.ts", deno, [
  "run",
  "-A",
  join(ROOT, "src/nanoclaw/container.ts"),
]);

// NanoClaw's entrypoint compiles the agent runner with the provider on every spawn.
const runner = join(dir, "runner");
await mkdir(join(runner, "src"), { recursive: true });
await writeFile(join(runner, "package.json"), JSON.stringify({ type: "module" }));
await writeFile(
  join(runner, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: true,
      outDir: "dist",
      rootDir: "src",
    },
  }),
);
await copyFile(
  join(ROOT, "npm/plugins/codex/provider-codex.ts"),
  join(runner, "src", "provider-codex.ts"),
);
const tsc = () => {
  const t0 = performance.now();
  const r = spawnSync(deno, ["run", "-A", "npm:typescript@5.9.3/tsc", "-p", runner], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  return performance.now() - t0;
};
tsc();
const compiles = Array.from({ length: 5 }, () => tsc());
console.log(
  `\ntsc 5.9.3 (strict, NodeNext) compiling provider-codex.ts alone: ${
    median(compiles).toFixed(0)
  } ms median (includes tsc's own start-up)`,
);
await fake.close();
await rm(dir, { recursive: true, force: true });

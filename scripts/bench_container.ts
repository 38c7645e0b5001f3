// The NanoClaw container provider: `deno task bench:container`. For each runtime, the time
// from spawning the provider (ContainerInput on stdin) to its first request reaching the
// backend, and from its last output marker to the process's exit; median over RUNS runs
// (default 10). Then the tsc compile NanoClaw 1.x does on every spawn: the runner with our
// provider-codex.ts beside the runner with the seed's (../shared/peers), alternating.
// Needs npm/ built (deno task build:npm).
import { spawn, spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { providerModule } from "../src/nanoclaw/install.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";

const RUNS = Number(process.env.RUNS ?? 10);
const ROOT = new URL("..", import.meta.url).pathname;
const PROVIDER = join(ROOT, "npm/dist/container.js");
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

/**
 * One container run with the bench's input, times from the spawn: the first request reaching
 * the fake, the answer's output marker, the last marker (`result: null`), and the exit.
 */
async function runOnce(cmd: string, args: string[]) {
  const before = fake.responsesRequests().length;
  const t0 = Date.now();
  const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "ignore"] });
  child.stdin.end(input);
  let out = "";
  let answer = 0;
  let lastMarker = 0;
  child.stdout!.on("data", (c) => {
    out += c;
    if (!answer && /"status":"success","result":"hi"/.test(out)) answer = Date.now() - t0;
    if (!lastMarker && out.includes('"result":null')) lastMarker = Date.now() - t0;
  });
  await new Promise((r) => child.on("close", r));
  const exit = Date.now() - t0;
  const request = fake.responsesRequests()[before];
  if (!answer || !request) throw new Error(`${args.join(" ")} gave no answer: ${out.slice(-500)}`);
  return { start: request.at - t0, answer, lastMarker: lastMarker || answer, exit };
}

async function coldStart(cmd: string, args: string[]): Promise<{ start: number; exit: number }> {
  const r = await runOnce(cmd, args);
  return { start: r.start, exit: r.exit - r.lastMarker };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;
async function measure(name: string, cmd: string, args: string[]) {
  await coldStart(cmd, args);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await coldStart(cmd, args));
  const starts = runs.map((r) => r.start);
  const exits = runs.map((r) => r.exit);
  console.log(
    `| ${name} | ${median(starts)} ms (${range(starts)}) | ${median(exits).toFixed(0)} ms (${
      range(exits)
    }) |`,
  );
}

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
const size = (await stat(PROVIDER)).size;
console.log(`container provider: one file, ${(size / 1024).toFixed(1)} KiB; ${RUNS} runs each\n`);
console.log(
  "| runtime | cold start to first request (median, range) | last marker to exit |\n| --- | --- | --- |",
);
const nodeVersion = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout.trim();
await measure(`node ${nodeVersion} provider-codex.js`, "node", [PROVIDER]);
await measure("deno provider-codex.js", deno, ["run", "-A", PROVIDER]);
await measure("deno src/nanoclaw/container.ts", deno, [
  "run",
  "-A",
  join(ROOT, "src/nanoclaw/container.ts"),
]);

// NanoClaw's entrypoint compiles the agent runner with the provider on every spawn: the
// same runner folder with ours, with the seed's (the earlier proposal's plugin), and with
// none, compiled in turn.
const SEED = join(ROOT, "../shared/peers/nanoclaw-v1-pr572/plugins/codex");
const tsconfig = JSON.stringify({
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    skipLibCheck: true,
    outDir: "dist",
    rootDir: "src",
  },
});
async function runnerWith(name: string, files: [string, string][]) {
  const runner = join(dir, `runner-${name}`);
  await mkdir(join(runner, "src"), { recursive: true });
  await writeFile(join(runner, "package.json"), JSON.stringify({ type: "module" }));
  await writeFile(join(runner, "tsconfig.json"), tsconfig);
  // A stand-in for the runner's own entry: what every variant compiles too.
  await writeFile(
    join(runner, "src", "index.ts"),
    `export function greet(name: string): string {\n  return \`hello \${name}\`;\n}\n`,
  );
  for (const [from, to] of files) await copyFile(from, join(runner, "src", to));
  return runner;
}
const ours = providerModule(await readFile(PROVIDER, "utf8")); // as the installer writes it
const variants = {
  ours: await runnerWith("ours", []),
  seed: await runnerWith("seed", [
    [join(SEED, "provider-codex.ts"), "provider-codex.ts"],
    [join(SEED, "types.ts"), "types.ts"],
  ]),
  none: await runnerWith("none", []),
};
const tsc = (runner: string) => {
  const t0 = performance.now();
  const r = spawnSync(deno, ["run", "-A", "npm:typescript@5.9.3/tsc", "-p", runner], {
    encoding: "utf8",
  });
  // The seed's file needs @types/node, which this bare folder lacks: its errors are printed
  // but it is still emitted, as the runner's build would (tsc emits on error).
  if (r.status !== 0 && !runner.endsWith("seed")) throw new Error(r.stdout + r.stderr);
  return performance.now() - t0;
};
await writeFile(join(variants.ours, "src", "provider-codex.ts"), ours);
const times: Record<string, number[]> = { ours: [], seed: [], none: [] };
// A text turn under Node, ours beside the seed's provider (its source from ../shared/peers,
// pointed at the fake, at a model the fake's catalog has and with its first message in the
// typed form, bundled for Node as the runner's tsc would emit it), alternating: spawn to the
// answer's output marker, and to exit.
const seedSource = (await readFile(join(SEED, "provider-codex.ts"), "utf8"))
  .replace(
    /const CODEX_API_URL = '[^']*';/,
    "const CODEX_API_URL = `${process.env.CODEX_BASE_URL}/responses`;",
  )
  .replace(/const DEFAULT_MODEL = '[^']*';/, "const DEFAULT_MODEL = 'gpt-5.5';")
  // The fake takes input messages in PROTOCOL.md's typed form only.
  .replace(
    "{ role: 'user', content: containerInput.prompt }",
    "{ type: 'message', role: 'user', content: [{ type: 'input_text', text: containerInput.prompt }] } as never",
  );
const seedDir = join(dir, "seed-node");
await mkdir(seedDir, { recursive: true });
await writeFile(join(seedDir, "provider-codex.ts"), seedSource);
await copyFile(join(SEED, "types.ts"), join(seedDir, "types.ts")).catch(() => {});
const bundled = spawnSync(deno, [
  "bundle",
  "--quiet",
  "--platform",
  "node",
  "-o",
  join(seedDir, "provider-codex.mjs"),
  join(seedDir, "provider-codex.ts"),
], { encoding: "utf8" });
if (bundled.status !== 0) throw new Error(`bundling the seed failed: ${bundled.stderr}`);
// What NanoClaw's runner does with a provider: read the input, call runProvider.
await writeFile(
  join(seedDir, "main.mjs"),
  `import { runProvider } from "./provider-codex.mjs";
let text = "";
for await (const c of process.stdin) text += c;
await runProvider(JSON.parse(text));
`,
);
const turns = {
  ours: { args: [PROVIDER], answer: [] as number[], exit: [] as number[] },
  seed: { args: [join(seedDir, "main.mjs")], answer: [] as number[], exit: [] as number[] },
};
for (const v of Object.values(turns)) await runOnce("node", v.args); // warm
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 ? ["seed", "ours"] as const : ["ours", "seed"] as const;
  for (const k of order) {
    const r = await runOnce("node", turns[k].args);
    turns[k].answer.push(r.answer);
    turns[k].exit.push(r.exit);
  }
}
console.log(
  `\n| node ${nodeVersion}, a text turn | spawn to answer (median, range) | spawn to exit |\n| --- | --- | --- |`,
);
for (const [k, v] of Object.entries(turns)) {
  console.log(
    `| ${k} | ${median(v.answer).toFixed(0)} ms (${range(v.answer)}) | ${
      median(v.exit).toFixed(0)
    } ms (${range(v.exit)}) |`,
  );
}
console.log(
  `\nours / seed: ${
    (median(turns.ours.answer) / median(turns.seed.answer)).toFixed(2)
  }× to the answer, ${(median(turns.ours.exit) / median(turns.seed.exit)).toFixed(2)}× to exit`,
);

for (const r of Object.values(variants)) tsc(r); // warm the caches
for (let i = 0; i < 7; i++) {
  for (const [k, r] of Object.entries(variants)) times[k].push(tsc(r));
}
console.log(
  "\n| tsc 5.9.3 (strict, NodeNext), the runner with … | median | range |\n| --- | --- | --- |",
);
for (const [k, xs] of Object.entries(times)) {
  console.log(`| ${k} provider-codex.ts | ${median(xs).toFixed(0)} ms | ${range(xs)} |`);
}
console.log(`\nours / seed: ${(median(times.ours) / median(times.seed)).toFixed(2)}×`);
await fake.close();
await rm(dir, { recursive: true, force: true });

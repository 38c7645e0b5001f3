// End to end: `deno task bench:cli`. One one-shot text turn of our terminal agent (as the
// `agent` task starts it; the same with a relaunch; with -A: login file, request, SSE,
// session) against the fake backend, beside the real Codex CLI's `codex exec` against the
// same fake. The three programs run in turn, round
// by round (their order rotating), RUNS rounds (default 10); reports median, min–max and p90
// wall time, the median peak RSS of the largest process (GNU time), and the ratios.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describeTokens, toCodexAuthJson, writeTokenFile } from "../src/auth/token_file.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";
import { codexCliBin } from "../tests/_codex_cli.ts";
import { homeEnv, taskCommand } from "../tests/_agent_cli.ts";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = new URL("..", import.meta.url).pathname;

const RUNS = Number(process.env.RUNS ?? 10);
const TIME = "/usr/bin/time";
const hasTime = existsSync(TIME);

const fake = await startFakeBackend({ instructions: "optional", fallback: reply.text("hi") });
const root = await mkdtemp(join(tmpdir(), "cp-bench-cli-"));
// HOME for our agent: its default folder (the `agent` task's flags name it) holds the tokens.
const userHome = join(root, "user");
const home = join(userHome, ".config", "codex-provider");
const codexHome = join(userHome, ".codex"); // the default for both CLIs
const ws = join(root, "ws");
await mkdir(ws, { recursive: true });
await mkdir(codexHome, { recursive: true });
const tokens = describeTokens(fake.issueTokens(), { issuer: fake.url });
await writeTokenFile(join(home, "tokens.json"), tokens);
await writeFile(join(codexHome, "auth.json"), JSON.stringify(toCodexAuthJson(tokens)));
await writeFile(
  join(codexHome, "config.toml"),
  `model = "gpt-5.5"\nmodel_provider = "fake"\n[model_providers.fake]\nname = "fake"\n` +
    `base_url = "${fake.baseUrl}"\nwire_api = "responses"\nrequires_openai_auth = true\n`,
);
const env: Record<string, string | undefined> = {
  ...homeEnv(userHome),
  CODEX_BASE_URL: fake.baseUrl,
  CODEX_AUTH_ISSUER: fake.url,
  INIT_CWD: ws, // as deno task sets it
};
/** The same, with our folder outside the task's flags: the agent relaunches itself. */
const elsewhere = { ...env, CODEX_PROVIDER_HOME: join(root, "elsewhere") };
await writeTokenFile(join(root, "elsewhere", "tokens.json"), tokens);

function once(
  cmd: string,
  args: string[],
  runEnv = env,
): Promise<{ ms: number; rssKiB?: number }> {
  const [bin, argv] = hasTime ? [TIME, ["-f", "RSS %M", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, argv, { cwd: ROOT, env: runEnv, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (c) => (err += c));
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`));
      const rss = err.match(/RSS (\d+)/)?.[1];
      resolve({ ms, rssKiB: rss ? Number(rss) : undefined });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.9) - 1];

type Program = {
  name: string;
  cmd: string;
  args: string[];
  env: typeof env;
  ms: number[];
  rss: number[];
};
const programs: Program[] = [];
const program = (name: string, cmd: string, args: string[], runEnv = env) =>
  programs.push({ name, cmd, args, env: runEnv, ms: [], rss: [] });

const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
const agent = new URL("../src/cli/agent.ts", import.meta.url).pathname;
// As `deno task agent` runs it, from the workspace: under the task's own flags.
const [taskBin, taskArgs] = taskCommand(denoJson.tasks.agent.command, env, ws);
program("codex-provider agent (`deno task agent`: its flags)", taskBin, [...taskArgs, "say hi"]);
// The same task with our folder elsewhere: it relaunches itself under flags for the run.
program("codex-provider agent (the task, relaunched)", taskBin, [...taskArgs, "say hi"], elsewhere);
program("codex-provider agent (-A)", deno, ["run", "-A", agent, "say hi"]);
program("codex exec 0.169.0 (real Codex CLI)", codexCliBin(), [
  "exec",
  "--skip-git-repo-check",
  "--disable",
  "apps",
  "-c",
  "analytics.enabled=false",
  "say hi",
]);
for (const p of programs) await once(p.cmd, p.args, p.env); // warm caches
for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < programs.length; k++) {
    const p = programs[(round + k) % programs.length];
    const r = await once(p.cmd, p.args, p.env);
    p.ms.push(r.ms);
    if (r.rssKiB) p.rss.push(r.rssKiB / 1024);
  }
}
await fake.close();
await rm(root, { recursive: true, force: true });

console.log(`one-shot text turn against the fake, ${RUNS} alternating rounds\n`);
console.log(
  "| program | median (min–max) | p90 | peak RSS (median) |\n| --- | --- | --- | --- |",
);
for (const p of programs) {
  console.log(
    `| ${p.name} | ${median(p.ms).toFixed(0)} ms (${Math.min(...p.ms).toFixed(0)}–${
      Math.max(...p.ms).toFixed(0)
    }) | ${p90(p.ms).toFixed(0)} ms | ${
      p.rss.length ? `${median(p.rss).toFixed(0)} MiB` : "n/a (no GNU time)"
    } |`,
  );
}
const [task, relaunched, plain, codex] = programs;
const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(2);
console.log(
  `\nthe task vs codex exec: ${ratio(task.ms, codex.ms)}× wall, ${
    task.rss.length ? ratio(task.rss, codex.rss) : "?"
  }× RSS; the task vs -A: ${ratio(task.ms, plain.ms)}×; relaunched vs -A: ${
    ratio(relaunched.ms, plain.ms)
  }×`,
);

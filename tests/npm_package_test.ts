// The built npm package (deno task build:npm, which the test task runs first): the container
// provider's .ts form compiles under NanoClaw's container tsc (strict, NodeNext) together
// with an agent-runner entry, and the compiled runner drives it against the fake, as
// NanoClaw's entrypoint does (tsc, then node, ContainerInput on stdin).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { parseOutputs } from "../src/nanoclaw/markers.ts";
import { providerModule } from "../src/nanoclaw/install.ts";
import { hostModule } from "../src/nanoclaw2/install.ts";
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { reply, startFakeBackend } from "../src/testing/mod.ts";

const DIST = new URL("../npm/dist/", import.meta.url);
/** The TypeScript NanoClaw 1.x's agent runner compiles with. */
const TSC = "npm:typescript@5.9.3/tsc";

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    outDir: "dist",
    rootDir: "src",
  },
  include: ["src/**/*"],
};

// The shape of NanoClaw's entrypoint: read the input, import the provider, run it.
const RUNNER = `declare const process: { stdin: AsyncIterable<Uint8Array>; exitCode?: number };
interface ContainerInput { prompt: string; groupFolder: string; chatJid: string; isMain: boolean;
  sessionId?: string; secrets?: Record<string, string>; provider?: string }
const chunks: Uint8Array[] = [];
for await (const c of process.stdin) chunks.push(c);
const input: ContainerInput = JSON.parse(new TextDecoder().decode(Buffer.concat(chunks)));
declare const Buffer: { concat(list: Uint8Array[]): Uint8Array };
if (input.provider !== "claude") {
  const { runProvider } = await import("./provider-codex.js");
  process.exitCode = await runProvider(input);
}
`;

test("npm package: provider-codex.ts compiles with NanoClaw's tsc (strict, NodeNext) and runs", async () => {
  assert.ok(
    await stat(join(DIST.pathname, "container.js")).catch(() => undefined),
    "npm/ is not built: run `deno task build:npm` (the test task does it first)",
  );
  const dir = await mkdtemp(join(tmpdir(), "cp-agent-runner-"));
  const fake = await startFakeBackend();
  try {
    await mkdir(join(dir, "src"));
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "agent-runner", type: "module" }),
    );
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG));
    await writeFile(join(dir, "src", "index.ts"), RUNNER);
    // What the installer writes into a NanoClaw checkout's plugins/codex/.
    await writeFile(
      join(dir, "src", "provider-codex.ts"),
      providerModule(await readFile(join(DIST.pathname, "container.js"), "utf8")),
    );
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
    const t0 = performance.now();
    const tsc = spawnSync(deno, ["run", "-A", TSC, "-p", dir], { encoding: "utf8" });
    const ms = performance.now() - t0;
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
    console.log(
      `tsc (strict, NodeNext) compiled the runner and provider-codex.ts in ${ms.toFixed(0)} ms`,
    );
    assert.ok((await readFile(join(dir, "dist", "provider-codex.js"), "utf8")).length > 10_000);

    const work = join(dir, "workspace");
    await mkdir(join(work, "group"), { recursive: true });
    const t = fake.issueTokens();
    fake.enqueue(reply.text("compiled and running"));
    const child = spawn("node", [join(dir, "dist", "index.js")], {
      env: {
        PATH: process.env.PATH,
        NANOCLAW_WORKSPACE: work,
        CODEX_SESSION_DIR: join(dir, "sessions"),
        CODEX_BASE_URL: fake.baseUrl,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    child.stdin.end(JSON.stringify({
      prompt: "hi",
      groupFolder: "g",
      chatJid: "c",
      isMain: true,
      provider: "codex",
      secrets: { CODEX_ACCESS_TOKEN: t.access_token, CODEX_ACCOUNT_ID: t.account_id },
    }));
    const code = await new Promise((r) => child.on("close", r));
    assert.equal(code, 0, err);
    assert.deepEqual(parseOutputs(out).map((o) => o.result), ["compiled and running", null]);
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test("npm package: its .d.ts pass tsc (strict, no skipLibCheck) and declare no phantom export", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cp-types-"));
  try {
    await mkdir(join(dir, "node_modules"));
    await symlink(
      new URL("../npm", import.meta.url).pathname,
      join(dir, "node_modules", "nanoclaw-codex-provider"),
    );
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "user", type: "module" }));
    const tsconfig = (file: string) => ({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: [],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: [file],
    });
    // What a library user writes; `./testing` needs @types/node and is left out here.
    await writeFile(
      join(dir, "good.ts"),
      `import { Agent, CodexError, ResponsesClient, TokenStore, REASONING_EFFORTS, type ModelInfo } from "nanoclaw-codex-provider";
import plugin from "nanoclaw-codex-provider/host";
import { runProvider } from "nanoclaw-codex-provider/container";
const m: ModelInfo[] = [];
console.log(Agent, CodexError, ResponsesClient, TokenStore, REASONING_EFFORTS, m, plugin.getSecrets, runProvider);
`,
    );
    // An internal constant of the bundle: declared locally, never exported.
    await writeFile(
      join(dir, "phantom.ts"),
      `import { HEADER } from "nanoclaw-codex-provider";\nconsole.log(HEADER);\n`,
    );
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
    const tsc = async (file: string) => {
      const project = join(dir, `tsconfig.${file}.json`);
      await writeFile(project, JSON.stringify(tsconfig(file)));
      return spawnSync(deno, ["run", "-A", TSC, "-p", project], { encoding: "utf8" });
    };
    const good = await tsc("good.ts");
    assert.equal(good.status, 0, `tsc failed:\n${good.stdout}${good.stderr}`);
    const phantom = await tsc("phantom.ts");
    assert.notEqual(phantom.status, 0, "tsc accepted an import the runtime module lacks");
    assert.match(phantom.stdout, /HEADER/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("npm package: NanoClaw 2's host side, as install writes it, compiles with its tsconfig and registers under Node", async () => {
  const peer = new URL("../../shared/peers/nanoclaw-v2/", import.meta.url).pathname;
  const dir = await mkdtemp(join(tmpdir(), "cp-nc2-host-"));
  const fake = await startFakeBackend();
  try {
    // The real registry and barrel, our file written by the installer, NanoClaw 2's tsconfig.
    await cp(join(peer, "src", "providers"), join(dir, "src", "providers"), { recursive: true });
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    const tsconfig = JSON.parse(await readFile(join(peer, "tsconfig.json"), "utf8"));
    await writeFile(join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const barrel = join(dir, "src", "providers", "index.ts");
    await writeFile(barrel, `${await readFile(barrel, "utf8")}import './codex.js';\n`);
    const host = await readFile(join(DIST.pathname, "host.js"), "utf8");
    await writeFile(join(dir, "src", "providers", "codex.ts"), hostModule(host));
    const deno = (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath();
    const tsc = spawnSync(deno, ["run", "-A", TSC, "-p", dir], { encoding: "utf8" });
    // NanoClaw's own registry needs @types/node, which this bare folder lacks: only errors
    // in our file would count, and it has none (tsc emits on error, as NanoClaw's build).
    assert.doesNotMatch(tsc.stdout, /codex\.ts/, tsc.stdout);
    assert.ok(await stat(join(dir, "dist", "providers", "codex.js")).catch(() => undefined));

    // Run it as NanoClaw's host does: import the barrel, then a spawn asks for codex's config.
    const tokens = join(dir, "data", "codex-tokens.json");
    await mkdir(join(dir, "data"), { recursive: true });
    await writeTokenFile(tokens, describeTokens(fake.issueTokens(), { issuer: fake.url }));
    const script = `
      await import("./dist/providers/index.js");
      const { getProviderContainerConfig } = await import("./dist/providers/provider-container-registry.js");
      const config = getProviderContainerConfig("codex");
      const spawn = config({ sessionDir: "/s", agentGroupId: "g", hostEnv: { CODEX_MODEL: "gpt-5.5" } });
      await config.refresher.renew();
      console.log(JSON.stringify(spawn));
      await config.refresher.stop();
    `;
    const run = spawnSync("node", ["--input-type=module", "-e", script], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH, CODEX_AUTH_ISSUER: fake.url },
    });
    assert.equal(run.status, 0, run.stderr);
    const spawn = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
    assert.equal(spawn.env.CODEX_MODEL, "gpt-5.5");
    assert.equal(spawn.mounts[0].hostPath, join(dir, "data", "codex-access"));
    assert.equal(spawn.mounts[0].readonly, true);
    const handed = await readdir(spawn.mounts[0].hostPath);
    assert.ok(handed.length > 0, "the access token was handed to the mounted folder");
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
});

// The package as published: its exports resolve under Node, the provider is one file that
// imports only node: built-ins, and the bin installs the plugin into a NanoClaw checkout.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("..", import.meta.url));

test("package: every export resolves and loads under Node", async () => {
  const mod = await import("nanoclaw-codex-provider");
  for (const name of ["ResponsesClient", "Agent", "TokenStore", "ToolSet", "SessionStore"]) {
    assert.equal(typeof mod[name], "function", name);
  }
  assert.equal(typeof (await import("nanoclaw-codex-provider/container")).runProvider, "function");
  assert.equal(
    typeof (await import("nanoclaw-codex-provider/host")).default.getSecrets,
    "function",
  );
  assert.equal(
    typeof (await import("nanoclaw-codex-provider/testing")).startFakeBackend,
    "function",
  );
});

test("package: each .d.ts declares exactly the values its module exports (no phantoms)", async () => {
  for (const name of ["mod", "host", "container", "testing"]) {
    const dts = await readFile(join(PKG, `dist/${name}.d.ts`), "utf8");
    // A .d.ts without `export {}` would export every declaration, exported or not.
    assert.match(dts, /^export \{\};$/m, `${name}.d.ts ends its implicit exports`);
    const declared = new Set();
    const decl = /^export declare (?:abstract )?(?:class|function|const|let|var|enum) (\w+)/gm;
    for (const m of dts.matchAll(decl)) declared.add(m[1]);
    for (const m of dts.matchAll(/^export \{([^}]+)\}/gm)) {
      for (const part of m[1].split(",")) {
        const n = part.trim();
        if (n && !n.startsWith("type ")) declared.add(n.split(/\s+as\s+/).pop());
      }
    }
    if (/^export default /m.test(dts)) declared.add("default");
    const runtime = await import(join(PKG, `dist/${name}.js`));
    const phantoms = [...declared].filter((n) => !(n in runtime));
    assert.deepEqual(phantoms, [], `${name}.d.ts declares what ${name}.js lacks`);
    assert.deepEqual(
      Object.keys(runtime).filter((n) => !declared.has(n)),
      [],
      `${name}.js exports what ${name}.d.ts does not declare`,
    );
    assert.ok(declared.size > 1, name);
  }
});

test("package: the container provider is one file importing only node: built-ins", async () => {
  const text = await readFile(join(PKG, "dist/container.js"), "utf8");
  const specs = [
    ...text.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{][^;"']*?from\s*)?["']([^"']+)["']/g),
  ].map((m) => m[1]);
  assert.ok(specs.length > 0);
  assert.deepEqual(specs.filter((s) => !s.startsWith("node:")), []);
});

test("package: `nanoclaw-codex-provider install` puts the plugin into a NanoClaw checkout", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nanoclaw-checkout-"));
  try {
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "nanoclaw" }));
    await mkdir(join(dir, "container"));
    const r = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "install", dir], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /AGENT_PROVIDER=codex/);
    assert.equal(
      await readFile(join(dir, "plugins/codex/host.js"), "utf8"),
      await readFile(join(PKG, "dist/host.js"), "utf8"),
    );
    // The host loads it as NanoClaw does (import), without a module-type warning, even in a
    // checkout whose package.json names no "type".
    const load = spawnSync(process.execPath, [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(join(dir, "plugins/codex/host.js"))});
       console.log(typeof m.default.getSecrets);`,
    ], { encoding: "utf8" });
    assert.equal(load.stdout.trim(), "function", load.stderr);
    assert.doesNotMatch(load.stderr, /MODULE_TYPELESS_PACKAGE_JSON|Warning/);
    // The .ts form carries the container bundle, byte for byte, in one data: URL.
    const ts = await readFile(join(dir, "plugins/codex/provider-codex.ts"), "utf8");
    const url = ts.match(/import\("(data:text\/javascript,[^"]+)"\)/)?.[1];
    assert.ok(url, "the .ts imports its data: URL");
    assert.equal(
      decodeURIComponent(url.slice("data:text/javascript,".length)),
      await readFile(join(PKG, "dist/container.js"), "utf8"),
    );
    const help = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "--help"], {
      encoding: "utf8",
    });
    assert.equal(help.status, 0);
    const notNano = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "install", tmpdir()], {
      encoding: "utf8",
    });
    assert.equal(notNano.status, 1);
    assert.match(notNano.stderr, /is not a NanoClaw checkout|has no container/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("package: the login bin defaults to NanoClaw's data/codex-tokens.json", async () => {
  const dir = await mkdtemp(join(tmpdir(), "nanoclaw-status-"));
  try {
    const env = { ...process.env };
    delete env.CODEX_TOKEN_FILE;
    const r = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "status", "--json"], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    assert.equal(r.status, 3);
    assert.match(JSON.parse(r.stdout).reason, /data\/codex-tokens\.json/);
    // The messages name the command this package's users typed, not the Deno task.
    const plain = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "status"], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    assert.equal(plain.status, 3);
    assert.match(plain.stderr, /Log in: npx nanoclaw-codex-provider login/);
    assert.doesNotMatch(plain.stderr, /deno task/);
    const help = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "login", "--help"], {
      cwd: dir,
      env,
      encoding: "utf8",
    });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /npx nanoclaw-codex-provider login \[options\]/);
    assert.doesNotMatch(help.stdout, /deno task/);
    const version = spawnSync(process.execPath, [join(PKG, "dist/cli.js"), "--version"], {
      encoding: "utf8",
    });
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

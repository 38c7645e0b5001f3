// Build the npm package `nanoclaw-codex-provider` into npm/: `deno task build:npm`.
//
// - dist/: the library, ./host, ./container and ./testing as self-contained ESM bundles
//   (deno bundle, which is esbuild) with bundled .d.ts, and the `nanoclaw-codex-provider` bin;
// - NanoClaw 1.x's plugin folder is written by the installer from dist/host.js and
//   dist/container.js (one file importing only node: built-ins, carried in a .ts for the
//   container's tsc), so the package holds each piece of code once;
// - NanoClaw 2's three files are written by the installer from dist/container.js and
//   dist/host.js too;
// - test/: the package's own tests, run with `node --test npm/test/*.test.mjs`.
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = new URL("..", import.meta.url).pathname;
const OUT = join(ROOT, "npm");
const NAME = "nanoclaw-codex-provider";

async function bundle(
  entry: string,
  outfile: string,
  opts: { minify?: boolean; types?: boolean; external?: string[] } = {},
) {
  const args = ["bundle", "--quiet", "--platform", "deno", "--format", "esm", "-o", outfile];
  if (opts.minify) args.push("--minify");
  // `--external` takes several values: the `=` form keeps the entry from being one of them.
  for (const e of opts.external ?? []) args.push(`--external=${e}`);
  if (opts.types) args.push("--declaration");
  const r = await new Deno.Command(Deno.execPath(), { args: [...args, entry], cwd: ROOT }).output();
  if (!r.success) {
    throw new Error(`bundling ${entry} failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
  if (opts.types) {
    const dts = outfile.replace(/\.js$/, ".d.ts");
    const honest = onlyExports(await readFile(dts, "utf8"), await publicNames(entry));
    await writeFile(dts, onlyEntryModuleDoc(pruneDeclarations(honest)));
  }
}

/**
 * The library, its fake and the bin share most of their code: bundle them together with code
 * splitting, so each shared module is in the package once (in `dist/chunk-*.js`), and the
 * terminal agent loads only when the bin runs it. Replaces the three entries' single-file
 * bundles (which gave the .d.ts). NanoClaw's host.js and container.js stay single files.
 */
async function splitBundle(dist: string) {
  const work = await mkdtemp(join(tmpdir(), "cp-split-"));
  try {
    // Entries in one folder, so the outputs are dist/mod.js, dist/testing.js, dist/cli.js.
    await writeFile(join(work, "mod.ts"), `export * from "${ROOT}mod.ts";\n`);
    await writeFile(join(work, "testing.ts"), `export * from "${ROOT}src/testing/mod.ts";\n`);
    await writeFile(join(work, "cli.ts"), `import "${ROOT}src/nanoclaw/cli.ts";\n`);
    const args = ["bundle", "--quiet", "--platform", "deno", "--format", "esm", "--minify"];
    args.push("--code-splitting", "--outdir", dist, "--external=ws");
    const entries = ["mod.ts", "testing.ts", "cli.ts"].map((f) => join(work, f));
    const r = await new Deno.Command(Deno.execPath(), {
      args: [...args, ...entries],
      cwd: ROOT,
    }).output();
    if (!r.success) {
      throw new Error(`bundling the library failed:\n${new TextDecoder().decode(r.stderr)}`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The names a module really exports (types too), as `deno doc` reads them from its source.
 */
async function publicNames(entry: string): Promise<Set<string>> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", entry],
    cwd: ROOT,
  }).output();
  if (!r.success) {
    throw new Error(`deno doc ${entry} failed:\n${new TextDecoder().decode(r.stderr)}`);
  }
  const doc = JSON.parse(new TextDecoder().decode(r.stdout)) as {
    nodes: Record<string, { symbols: { name: string }[] }>;
  };
  return new Set(Object.values(doc.nodes).flatMap((n) => n.symbols.map((s) => s.name)));
}

/**
 * A bundled .d.ts keeps the `export` of every declaration it gathered from every module, so
 * it would declare names the bundle does not export (tsc accepts the import, Node refuses
 * it). Declarations outside `names` stay, as local ones.
 */
export function onlyExports(dts: string, names: Set<string>): string {
  // Where a module was not inlined, its types come from the library's own bundle.
  const fromLibrary = new Set<string>();
  dts = dts.replace(
    /^import type \{([^}]*)\} from "\.\.?\/[^"]*";\n/gm,
    (_line, list: string) => {
      for (const n of list.split(",")) if (n.trim()) fromLibrary.add(n.trim());
      return "";
    },
  );
  const head = fromLibrary.size
    ? `import type { ${[...fromLibrary].join(", ")} } from "./mod.js";\n`
    : "";
  // In a .d.ts every top-level declaration counts as exported unless the file says `export {}`.
  return head + dts.replace(
    /^export ((?:declare )?(?:abstract )?(?:class|function|const|let|var|enum|namespace|interface|type) (\w+))/gm,
    (line, rest: string, name: string) => names.has(name) ? line : rest,
  ) + "export {};\n";
}

/**
 * The bundled `.d.ts` carries every source module's `@module` comment, floating between
 * declarations (where an editor may show one as the next declaration's doc): only the
 * entry's, the first, is the package module's doc.
 */
export function onlyEntryModuleDoc(dts: string): string {
  let first = true;
  // A doc comment whose line is the tag ` * @module`.
  return dts.replace(/^\/\*\*(?:(?!\*\/)[^])*?\n \* @module\n(?:(?!\*\/)[^])*\*\/\n/gm, (doc) => {
    if (!first) return "";
    first = false;
    return doc;
  });
}

/**
 * Drop the declarations of a bundled .d.ts that no export needs: a declaration stays when it
 * is exported, or when its name occurs in a declaration that stays (a word match, so it
 * errs on keeping). Top-level statements start at column 0, each with its doc comment.
 */
export function pruneDeclarations(dts: string): string {
  const starts = /^(?:\/\*\*|export |declare |interface |type |import |\/\/)/;
  const chunks: string[][] = [];
  let cur: string[] = [];
  let inDoc = false;
  for (const line of dts.split("\n")) {
    const docOnly = cur.length > 0 && cur.every((l) => /^(?:\/\*\*| \*)/.test(l));
    if (!inDoc && starts.test(line) && cur.length && !docOnly) {
      chunks.push(cur);
      cur = [];
    }
    cur.push(line);
    if (line.startsWith("/**")) inDoc = !line.includes("*/");
    else if (inDoc && line.includes("*/")) inDoc = false;
  }
  chunks.push(cur);
  const decl =
    /^(?:export )?(?:declare )?(?:abstract )?(?:class|function|const|let|var|enum|namespace|interface|type) (\w+)/m;
  const texts = chunks.map((c) => c.join("\n"));
  const byName = new Map<string, number[]>();
  texts.forEach((t, i) => {
    const name = t.match(decl)?.[1];
    if (name) byName.set(name, [...(byName.get(name) ?? []), i]);
  });
  const keep = new Set<number>();
  const work: number[] = [];
  texts.forEach((t, i) => {
    if (!decl.test(t) || /^export /m.test(t)) (keep.add(i), work.push(i));
  });
  while (work.length) {
    for (const word of new Set(texts[work.pop()!].match(/\b[A-Za-z_$][\w$]*\b/g) ?? [])) {
      for (const j of byName.get(word) ?? []) if (!keep.has(j)) (keep.add(j), work.push(j));
    }
  }
  return texts.filter((_, i) => keep.has(i)).join("\n");
}

/**
 * The modules a bundle imports that are not node: built-ins (a self-contained file has none).
 * esbuild hoists an ESM bundle's external imports to its top, so the leading import
 * statements (after comments) are all of them, plus any dynamic `import("…")`.
 */
export function foreignImports(js: string): string[] {
  const specs: string[] = [];
  let rest = js;
  const leading =
    /^(?:\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/|#![^\n]*\n)*import\s*(?:[\w*{][^;"']*?from\s*)?["']([^"']+)["'];?/;
  for (let m = rest.match(leading); m; m = rest.match(leading)) {
    specs.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  for (const m of js.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]);
  return [...new Set(specs.filter((s) => !s.startsWith("node:")))];
}

async function build() {
  await rm(OUT, { recursive: true, force: true });
  const dist = join(OUT, "dist");
  await mkdir(dist, { recursive: true });
  await mkdir(join(OUT, "test"), { recursive: true });

  // Minified (the package's size matters to every NanoClaw install); the .d.ts stay readable.
  const lib = { types: true, minify: true };
  await bundle("mod.ts", join(dist, "mod.js"), lib);
  await bundle("src/nanoclaw/host.ts", join(dist, "host.js"), lib);
  await buildContainer(join(dist, "container.js"));
  // The fake's WebSocket endpoint loads `ws` (an optional peer) when an upgrade arrives.
  await bundle("src/testing/mod.ts", join(dist, "testing.js"), { ...lib, external: ["ws"] });
  await splitBundle(dist);
  const cli = join(dist, "cli.js");
  await writeFile(cli, `#!/usr/bin/env node\n${await readFile(cli, "utf8")}`);
  await chmod(cli, 0o755);

  // What the installer copies into a NanoClaw checkout must stand alone (NanoClaw 2's
  // provider loads the runner's MCP SDK when its servers connect; 1.x never does).
  for (const file of ["container.js", "host.js"]) {
    const foreign = foreignImports(await readFile(join(dist, file), "utf8"))
      .filter((s) => !s.startsWith(MCP_SDK));
    if (foreign.length) {
      throw new Error(`${file} is not self-contained: it imports ${foreign.join(", ")}`);
    }
  }

  const exp = (name: string) => ({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
  const pkg = {
    name: NAME,
    version: denoJson.version,
    description:
      "NanoClaw provider plugin and library: your ChatGPT Plus/Pro subscription as the agent's backend, through the Codex CLI's OAuth and the Codex Responses API",
    license: "MIT",
    type: "module",
    homepage: "https://jsr.io/@x/codex-provider",
    engines: { node: ">=20.12" },
    keywords: ["nanoclaw", "codex", "chatgpt", "openai", "oauth", "agent"],
    types: "./dist/mod.d.ts",
    main: "./dist/mod.js",
    exports: {
      ".": exp("mod"),
      "./host": exp("host"),
      "./container": exp("container"),
      "./testing": exp("testing"),
      "./package.json": "./package.json",
    },
    bin: { [NAME]: "dist/cli.js" },
    // Only the fake (`./testing`) uses it, for its WebSocket endpoint; without it the fake
    // answers upgrades with 426 and clients stream over HTTP.
    peerDependencies: { ws: "^8.18.0" },
    peerDependenciesMeta: { ws: { optional: true } },
    files: ["dist", "README.md", "LICENSE"],
    scripts: { test: "node --test test/*.test.mjs" },
  };
  await writeFile(join(OUT, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  await copyFile(join(ROOT, "LICENSE"), join(OUT, "LICENSE"));
  await writeFile(join(OUT, "README.md"), await npmReadme());
  for (const f of await readdir(join(ROOT, "tests", "node"))) {
    await copyFile(join(ROOT, "tests", "node", f), join(OUT, "test", f));
  }

  const size = async (p: string) => ((await stat(p)).size / 1024).toFixed(1);
  console.log(`npm/ built: ${NAME}@${denoJson.version}`);
  for (const f of ["dist/container.js", "dist/host.js"]) {
    console.log(`  ${f.padEnd(30)} ${await size(join(OUT, f))} KiB`);
  }
}

/** The MCP SDK's specifiers, which NanoClaw 2's runner resolves from its own dependencies. */
const MCP_SDK = "@modelcontextprotocol/sdk/";

/** Deno's `npm:` specifiers of the MCP SDK, as the runner's resolver names them. */
function bareMcpSdk(js: string): string {
  return js.replace(/["']npm:@modelcontextprotocol\/sdk@[^/"']*\/([^"']+)["']/g, `"${MCP_SDK}$1"`);
}

/**
 * The container engine, one self-contained file for both NanoClaw generations: 1.x's
 * `runProvider` (run as a script) and NanoClaw 2's `CodexProvider` (imported by the
 * registration beside it). The MCP SDK stays external: NanoClaw 2's runner has it, and only
 * connecting MCP servers loads it.
 */
async function buildContainer(file: string) {
  await bundle("src/nanoclaw/engine.ts", file, {
    types: true,
    minify: true,
    external: [`${MCP_SDK}*`],
  });
  await writeFile(file, bareMcpSdk(await readFile(file, "utf8")));
}

/**
 * The package's README: the repository README's NanoClaw section (without the notes on this
 * repository's tests), the library, and where `serve` is, under a short intro.
 */
async function npmReadme(): Promise<string> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const section = (title: string) => {
    const start = readme.indexOf(`\n## ${title}\n`);
    if (start < 0) throw new Error(`README.md has no '## ${title}' section for the npm README.`);
    const end = readme.indexOf("\n## ", start + 3);
    return readme.slice(start + title.length + 5, end < 0 ? undefined : end);
  };
  // The library as a Node user has it: its login command, its import, no Deno paragraph.
  const replace = (text: string, from: string | RegExp, to: string) => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`README.md's library section no longer has ${from}.`);
    return out;
  };
  let library = section("Use as a library").replaceAll(
    'from "@x/codex-provider"',
    `from "${NAME}"`,
  );
  library = replace(
    library,
    "`deno task login`",
    `\`npx ${NAME} login --token-file ~/.config/codex-provider/tokens.json\``,
  );
  library = replace(
    library,
    /^Deno \(`deno add [^\n]*\n/m,
    `Node 20.12+ (\`npm i ${NAME}\`, ESM):\n`,
  );
  library = replace(library, /^Node 20\.12\+ \(`npm i [^]*?exports\)\.\n/m, "");
  const nanoclaw = section("NanoClaw").replace(
    /\n- \*\*Tested inside the real [^]*?(?=\n(?:- |\n|$))/g,
    "",
  );
  return `# ${NAME}

Run [NanoClaw](https://github.com/qwibitai/nanoclaw)'s agent on your ChatGPT Plus/Pro
subscription: the Codex CLI's OAuth login, the ChatGPT backend's Codex Responses API, and a
tool-using agent loop with NanoClaw's tools, sessions and follow-ups. Built from codex-provider
(\`@x/codex-provider\` on JSR), MIT licensed.
${nanoclaw}
## OpenAI-compatible endpoint

\`npx ${NAME} serve\` puts your subscription behind \`http://127.0.0.1:8317/v1\` (chat
completions, responses and models, streamed and not) for any OpenAI client: that base URL, and the
API key it prints at its first start (\`serve --print-key\` shows it again). \`serve --help\` lists
the options; the project's README (JSR: \`@x/codex-provider\`) has the details.

## Use as a library
${library}`;
}

if (import.meta.main) await build();

/**
 * Installing the plugin into a NanoClaw checkout: `plugins/codex/host.js` and
 * `plugins/codex/provider-codex.ts`, as NanoClaw's provider-plugin loader expects. Both are
 * written from the package's bundles (`dist/host.js`, `dist/container.js`), so the package
 * carries each piece of code once.
 *
 * @module
 */

import { copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The files of the plugin folder. */
export const PLUGIN_FILES = ["host.js", "provider-codex.ts"] as const;

const TS_HEADER =
  `// @ts-nocheck -- generated: the codex-provider container provider, bundled into one file.
// NanoClaw's container compiles this file with its agent-runner (tsc, strict, NodeNext) on
// every spawn and imports ./provider-codex.js. The provider itself (the package's
// dist/container.js, which imports only node: built-ins) is carried as one data: URL, so tsc
// parses and emits a single string instead of 60 KiB of code. Source and docs: the
// nanoclaw-codex-provider npm package (src/nanoclaw/container.ts in its repository).
`;

/**
 * A bundle as the quoted, percent-encoded data: URL a generated `.ts` imports it from (the
 * text stays text: tsc parses one string instead of the code).
 */
export function moduleUrl(bundle: string): string {
  return JSON.stringify(`data:text/javascript,${encodeURIComponent(bundle)}`);
}

/**
 * The `.ts` form of the container provider: a module that imports the bundle from a
 * percent-encoded data: URL (the text stays text) and re-exports what NanoClaw calls.
 */
export function providerModule(bundle: string): string {
  return `${TS_HEADER}const provider = await import(${moduleUrl(bundle)});
export const runProvider = provider.runProvider;
export const validateInput = provider.validateInput;
`;
}

/** Write the plugin from the bundles in `dist` (the package's `dist/`) into `<nanoclaw>/plugins/codex/`. */
export async function installPlugin(nanoclaw: string, dist: URL): Promise<string> {
  const source = fileURLToPath(dist);
  for (const f of ["host.js", "container.js"]) {
    if (!(await stat(join(source, f)).catch(() => undefined))) {
      throw new Error(
        `The plugin's bundles are not in ${source}. Install from the npm package ` +
          "(npx nanoclaw-codex-provider install <nanoclaw folder>), or build it first (deno task build:npm).",
      );
    }
  }
  let pkg: { name?: string } = {};
  try {
    pkg = JSON.parse(await readFile(join(nanoclaw, "package.json"), "utf8"));
  } catch {
    throw new Error(`${nanoclaw} is not a NanoClaw checkout (it has no package.json).`);
  }
  if (!(await stat(join(nanoclaw, "container")).catch(() => undefined))) {
    throw new Error(
      `${nanoclaw} (${pkg.name ?? "a package"}) has no container/ folder: is it NanoClaw?`,
    );
  }
  const target = join(nanoclaw, "plugins", "codex");
  await mkdir(target, { recursive: true });
  await copyFile(join(source, "host.js"), join(target, "host.js"));
  // host.js is ESM; a checkout whose package.json names no "type" would make Node guess.
  await writeFile(join(target, "package.json"), '{ "type": "module" }\n');
  await writeFile(
    join(target, "provider-codex.ts"),
    providerModule(await readFile(join(source, "container.js"), "utf8")),
  );
  return target;
}

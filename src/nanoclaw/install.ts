/**
 * Installing the plugin into a NanoClaw checkout: `plugins/codex/host.js` and
 * `plugins/codex/provider-codex.ts`, as NanoClaw's provider-plugin loader expects.
 *
 * @module
 */

import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The files of the plugin folder. */
export const PLUGIN_FILES = ["host.js", "provider-codex.ts"] as const;

/** Copy the plugin from `from` (the package's `plugins/codex/`) into `<nanoclaw>/plugins/codex/`. */
export async function installPlugin(nanoclaw: string, from: URL): Promise<string> {
  const source = fileURLToPath(from);
  for (const f of PLUGIN_FILES) {
    if (!(await stat(join(source, f)).catch(() => undefined))) {
      throw new Error(
        `The plugin files are not in ${source}. Install from the npm package ` +
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
  for (const f of PLUGIN_FILES) await copyFile(join(source, f), join(target, f));
  return target;
}

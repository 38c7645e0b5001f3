/**
 * Adding the `codex` provider to a NanoClaw 2 checkout, and taking it out again: three files,
 * all written from the package's bundles (as NanoClaw 1.x's plugin folder is): beside the
 * runner's providers, the container side's registration and the engine file it imports
 * (`dist/container.js`, which 1.x's plugin runs too); beside the host's, the host config
 * (`dist/host.js`, 1.x's host plugin, which carries it). One import line goes into each
 * barrel. Running it twice changes nothing.
 *
 * @module
 */

import { copyFile, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { moduleUrl } from "../nanoclaw/install.ts";

const HOST_HEADER =
  `// @ts-nocheck -- generated: the codex-provider host side for NanoClaw 2. NanoClaw compiles
// this file with its sources (tsc) and runs it at start: it registers the codex provider's
// container config, imported from the package's dist/host.js (which imports only node:
// built-ins), carried as one data: URL. Source and docs: the nanoclaw-codex-provider npm
// package (src/nanoclaw2/host.ts in its repository).
`;

/** NanoClaw 2's `src/providers/codex.ts`: the registration, with the host bundle in a data: URL. */
export function hostModule(bundle: string): string {
  return `${HOST_HEADER}import { registerProviderContainerConfig } from "./provider-container-registry.js";
const { codexContainerConfig } = await import(${moduleUrl(bundle)});
registerProviderContainerConfig("codex", codexContainerConfig());
`;
}

/** NanoClaw 2's runner-side `codex.ts`: it registers the engine copied beside it. */
const CONTAINER_REGISTRATION =
  `// @ts-nocheck -- generated: the codex-provider container side for NanoClaw 2. It registers
// the provider of codex-engine.js (the package's dist/container.js, copied beside it).
// Source and docs: the nanoclaw-codex-provider npm package (src/nanoclaw2/ in its repository).
import { registerProvider } from "./provider-registry.js";
import { CodexProvider } from "./codex-engine.js";
registerProvider("codex", (options) => new CodexProvider(options));
`;

const RUNNER_PROVIDERS = "container/agent-runner/src/providers";

/**
 * The files: the bundle (in the package's `dist/`) each is written from, where it goes in the
 * checkout under which name, how it is written (a copy unless `wrap` says), and whether that
 * folder's barrel imports it.
 */
export const V2_TARGETS = [
  {
    file: "container.js",
    dir: RUNNER_PROVIDERS,
    name: "codex.ts",
    wrap: () => CONTAINER_REGISTRATION,
  },
  { file: "container.js", dir: RUNNER_PROVIDERS, name: "codex-engine.js", imported: false },
  { file: "host.js", dir: "src/providers", name: "codex.ts", wrap: hostModule },
] as const;

const IMPORT_LINE = "import './codex.js';";

/** Whether `dir` is a NanoClaw 2 checkout (its runner has the provider registry). */
export async function isNanoClaw2(dir: string): Promise<boolean> {
  return !!(await stat(join(dir, "container/agent-runner/src/providers/provider-registry.ts"))
    .catch(() => undefined));
}

/** Install from the bundles in `from` (the package's `dist/`). */
export async function installV2(nanoclaw: string, from: URL): Promise<string[]> {
  const source = fileURLToPath(from);
  const done: string[] = [];
  for (const t of V2_TARGETS) {
    const src = join(source, t.file);
    if (!(await stat(src).catch(() => undefined))) {
      throw new Error(
        `${src} is missing: install from the npm package, or run deno task build:npm.`,
      );
    }
    const barrel = join(nanoclaw, t.dir, "index.ts");
    let text: string;
    try {
      text = await readFile(barrel, "utf8");
    } catch {
      throw new Error(`${barrel} is missing: is ${nanoclaw} a NanoClaw 2 checkout?`);
    }
    const to = join(nanoclaw, t.dir, t.name);
    if ("wrap" in t) await writeFile(to, t.wrap(await readFile(src, "utf8")));
    else await copyFile(src, to);
    if (!("imported" in t) && !text.split("\n").some((l) => l.trim() === IMPORT_LINE)) {
      await writeFile(barrel, `${text.replace(/\n*$/, "\n")}${IMPORT_LINE}\n`);
    }
    done.push(join(t.dir, t.name));
  }
  return done;
}

/** Take the provider out again: the files and the import lines. */
export async function uninstallV2(nanoclaw: string): Promise<void> {
  for (const t of V2_TARGETS) {
    await rm(join(nanoclaw, t.dir, t.name), { force: true });
    const barrel = join(nanoclaw, t.dir, "index.ts");
    const text = await readFile(barrel, "utf8").catch(() => undefined);
    if (text !== undefined) {
      await writeFile(barrel, text.split("\n").filter((l) => l.trim() !== IMPORT_LINE).join("\n"));
    }
  }
}

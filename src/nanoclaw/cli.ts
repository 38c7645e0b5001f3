/**
 * The npm package's command, `nanoclaw-codex-provider`: log in (into NanoClaw's
 * `data/codex-tokens.json` by default), show or end the login, and install the plugin.
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { main as login } from "../cli/login_command.ts";
import { isMainModule } from "../cli/main_module.ts";
import { exitOnUncaught } from "../cli/uncaught.ts";
import { installPlugin } from "./install.ts";
import { installV2, isNanoClaw2, uninstallV2 } from "../nanoclaw2/install.ts";
import { NANOCLAW_TOKEN_FILE } from "./protocol.ts";
import { defaultTokenFile } from "../paths.ts";
import denoJson from "../../deno.json" with { type: "json" };

const HELP = `nanoclaw-codex-provider: NanoClaw on your ChatGPT subscription (the Codex backend)

Usage (in your NanoClaw folder):
  npx nanoclaw-codex-provider install [NANOCLAW_DIR]   add the provider (NanoClaw 2: the codex
                                                       provider; 1.x: writes plugins/codex/)
  npx nanoclaw-codex-provider uninstall [NANOCLAW_DIR] take the NanoClaw 2 provider out again
  npx nanoclaw-codex-provider login [options]          sign in (browser, paste mode, --device)
  npx nanoclaw-codex-provider agent [options] [PROMPT] the terminal coding agent, in this folder
                                                       ('agent --help' lists its options)
  npx nanoclaw-codex-provider serve [options]          your subscription as an OpenAI-compatible
                                                       endpoint on 127.0.0.1 ('serve --help')
  npx nanoclaw-codex-provider status [--json]          who is signed in
  npx nanoclaw-codex-provider logout                   revoke and delete the tokens
  npx nanoclaw-codex-provider --version                the version

Tokens go to ${NANOCLAW_TOKEN_FILE} in the current folder (NanoClaw's data folder) unless
--token-file or CODEX_TOKEN_FILE says otherwise. 'login --help' lists the login options.
`;

/** Run the command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  if (command === "agent") {
    // The terminal agent, in the current folder; it finds the login as the Deno agent does.
    const { main: agent } = await import("../cli/agent.ts");
    return await agent(rest, {
      invokedAs: "npx nanoclaw-codex-provider agent",
      // The bin's login writes NanoClaw's data/ file by default; the agent reads ours.
      loginCommand: `npx nanoclaw-codex-provider login --token-file ${defaultTokenFile()}`,
    });
  }
  if (command === "serve") {
    const { main: serve } = await import("../cli/serve.ts");
    return await serve(rest, {
      invokedAs: "npx nanoclaw-codex-provider serve",
      loginCommand: `npx nanoclaw-codex-provider login --token-file ${defaultTokenFile()}`,
    });
  }
  if (command === "install" || command === "uninstall") {
    const dir = rest[0] ?? process.cwd();
    try {
      if (await isNanoClaw2(dir)) {
        if (command === "uninstall") {
          await uninstallV2(dir);
          process.stdout.write(`Removed the codex provider from ${dir}.\n`);
          return 0;
        }
        const files = await installV2(dir, new URL("./", import.meta.url)); // beside dist/cli.js
        process.stdout.write(
          `Added the codex provider to NanoClaw 2 in ${dir}:\n${
            files.map((f) => `  ${f}`).join("\n")
          }\n(and one import line in each providers/index.ts)\nNext, in ${dir}:\n` +
            "  1. npx nanoclaw-codex-provider login    (tokens in data/codex-tokens.json)\n" +
            "  2. ncl groups config update --id <group-id> --provider codex   (then: ncl groups restart)\n" +
            "  3. restart NanoClaw (the host side starts with it)\n",
        );
        return 0;
      }
      if (command === "uninstall") {
        throw new Error(`${dir} is not a NanoClaw 2 checkout; for 1.x delete plugins/codex/.`);
      }
      const target = await installPlugin(dir, new URL("./", import.meta.url)); // beside dist/cli.js
      process.stdout.write(
        `Installed the Codex provider in ${target}.\nNext, in ${dir}:\n` +
          "  1. add AGENT_PROVIDER=codex to .env (optional: CODEX_MODEL, CODEX_REASONING_EFFORT)\n" +
          "  2. npx tsx setup/index.ts --step codex-auth   (or: npx nanoclaw-codex-provider login)\n" +
          "  3. restart NanoClaw\n",
      );
      return 0;
    } catch (e) {
      process.stderr.write(`error: ${(e as Error).message}\n`);
      return 1;
    }
  }
  if (command === "-v" || command === "--version" || command === "version") {
    process.stdout.write(`${denoJson.version}\n`);
    return 0;
  }
  if (["login", "status", "logout"].includes(command)) {
    // NanoClaw's token file, unless another is named or the Codex CLI's store is asked for.
    const named = rest.some((a) =>
      a === "--token-file" || a.startsWith("--token-file=") || a === "--codex-store"
    ) || !!process.env.CODEX_TOKEN_FILE;
    const nanoclawFile = join(process.cwd(), NANOCLAW_TOKEN_FILE);
    const tokenFile = named ? [] : ["--token-file", nanoclawFile];
    return await login([command, ...tokenFile, ...rest], {
      invokedAs: "npx nanoclaw-codex-provider",
      loginCommand: "npx nanoclaw-codex-provider login",
      defaultTokenFile: process.env.CODEX_TOKEN_FILE ?? nanoclawFile,
    });
  }
  process.stderr.write(`error: unknown command '${command}'. See --help.\n`);
  return 2;
}

if (isMainModule(import.meta)) {
  exitOnUncaught();
  process.exit(await main(process.argv.slice(2)));
}

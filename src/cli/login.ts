/**
 * `deno task login`, published as `deno run -A jsr:@x/codex-provider/login`: sign in with
 * ChatGPT (browser, paste mode, or a device code), show the login, or log out.
 * Run it with `--help` for the options.
 *
 * @module
 */

import process from "node:process";
import { main } from "./login_command.ts";
import { exitOnUncaught } from "./uncaught.ts";

export { LOGIN_EXIT, type LoginInvocation, main } from "./login_command.ts";

if (import.meta.main) {
  exitOnUncaught();
  process.exit(await main(process.argv.slice(2)));
}

/**
 * `deno task demo`: the whole product offline. It starts the fake backend, makes a small
 * workspace, logs in with tokens the fake issued, and runs the real terminal agent (with
 * its sandbox) against it. The scripted model lists files, reads one and runs a command in
 * parallel, writes a summary built from what the tools returned, and answers.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { describeTokens, writeTokenFile } from "../auth/token_file.ts";
import { parseCommand, parseCommandLine } from "./command.ts";
import type { InputItem } from "../codex/types.ts";
import { item, reply, startFakeBackend } from "../testing/mod.ts";

const HELP = `codex-provider demo: the agent end to end against the embedded fake backend (offline)

Usage: deno task demo [--json] [--keep]
  --json   show the agent's JSON event lines instead of the terminal view
  --keep   keep the demo workspace instead of deleting it
  -h, --help
`;

/** The tool outputs a request carries, by call id. */
function outputs(input: InputItem[]): string[] {
  return input.flatMap((i) => (i.type === "function_call_output" ? [i.output] : []));
}

/** Run the demo; returns the agent's exit code. */
export async function main(argv: string[]): Promise<number> {
  const values = parseCommand(
    argv,
    (args) => {
      const { values } = parseCommandLine({
        args,
        options: {
          json: { type: "boolean", default: false },
          keep: { type: "boolean", default: false },
          help: { type: "boolean", short: "h", default: false },
        },
      });
      return values.help ? "help" : values;
    },
    HELP,
    2,
  );
  if (typeof values === "number") return values;
  const root = await mkdtemp(join(tmpdir(), "codex-provider-demo-"));
  const workspace = join(root, "workspace");
  const home = join(root, "home");
  await mkdir(join(workspace, "docs"), { recursive: true });
  await writeFile(
    join(workspace, "notes.txt"),
    "Ship the login flow\nWrite the NanoClaw plugin\nMeasure cold start\n",
  );
  await writeFile(join(workspace, "docs", "README.md"), "# Demo project\n");

  const fake = await startFakeBackend();
  const tokens = fake.issueTokens({ email: "demo@example.com", planType: "plus" });
  const tokenFile = join(home, "tokens.json");
  await writeTokenFile(tokenFile, describeTokens(tokens, { issuer: fake.url }));

  fake.enqueue(
    reply.items([item.reasoning("Look at the workspace first."), item.call("list_files", {})]),
    reply.items([
      item.text("I'll read the notes and count them."),
      item.call("read_file", { path: "notes.txt" }),
      item.call("bash", { command: "wc -l < notes.txt" }),
    ]),
    (req) => {
      const [notes, count] = outputs(req.body!.input as InputItem[]).slice(-2);
      const n = count.match(/Output:\n\s*(\d+)/)?.[1] ?? "?";
      const bullets = notes.split("\n").filter(Boolean).map((l) => `- ${l}`).join("\n");
      return reply.items([
        item.call("write_file", {
          path: "SUMMARY.md",
          content: `# ${n} open items\n\n${bullets}\n`,
        }),
      ]);
    },
    (req) => {
      const wrote = outputs(req.body!.input as InputItem[]).at(-1) ?? "";
      return reply.text(`Done. ${wrote} It lists each line of notes.txt as a bullet.`);
    },
  );

  process.stderr.write(`demo: fake backend at ${fake.url}, workspace ${workspace}\n`);
  const agentEntry = new URL("./agent.ts", import.meta.url).href;
  const args = ["run", "--allow-read", "--allow-env", "--allow-run", agentEntry];
  if (values.json) args.push("--json");
  args.push("--cwd", workspace, "Summarize notes.txt into SUMMARY.md");
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  const child = spawn(deno?.execPath() ?? "deno", args, {
    stdio: "inherit",
    env: {
      ...process.env,
      CODEX_BASE_URL: fake.baseUrl,
      CODEX_AUTH_ISSUER: fake.url,
      CODEX_PROVIDER_HOME: home,
      CODEX_TOKEN_FILE: tokenFile,
      CODEX_HOME: join(home, "codex"),
    },
  });
  const code = await new Promise<number>((res) => child.on("close", (c) => res(c ?? 1)));
  await fake.close();
  try {
    const summary = await readFile(join(workspace, "SUMMARY.md"), "utf8");
    process.stderr.write(`\ndemo: SUMMARY.md now reads:\n${summary}`);
  } catch {
    process.stderr.write("\ndemo: SUMMARY.md was not written.\n");
  }
  process.stderr.write(
    `demo: ${fake.responsesRequests().length} requests reached the fake backend.\n`,
  );
  if (values.keep) process.stderr.write(`demo: kept ${root}\n`);
  else await rm(root, { recursive: true, force: true });
  return code;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));

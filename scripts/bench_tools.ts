// Tool overhead: `deno task bench:tools`. The bash tool (`true`) under the bwrap sandbox and
// without it, beside a plain spawn of `bash -c true`; and read_file of a small file.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bashTool } from "../src/tools/bash.ts";
import { readFileTool } from "../src/tools/read_file.ts";
import { Sandbox } from "../src/tools/sandbox.ts";
import { Workspace } from "../src/tools/workspace.ts";

const dir = await mkdtemp(join(tmpdir(), "cp-bench-tools-"));
await writeFile(join(dir, "small.txt"), "hello\n".repeat(50));
const workspace = await Workspace.open(dir);
const signal = new AbortController().signal;
const bwrap = await Sandbox.create({ hide: [join(dir, "hidden")] });
const none = await Sandbox.create({ mode: "none" });
const ctx = (sandbox: Sandbox) => ({ workspace, signal, secrets: [], sandbox });

const group = "bash: run `true`";
Deno.bench("plain spawn of bash -c true", { group, baseline: true }, async () => {
  await new Promise((r) => spawn("bash", ["-c", "true"], { stdio: "ignore" }).on("close", r));
});
if (bwrap.kind === "bwrap") {
  Deno.bench("bash tool under bwrap", { group }, async () => {
    await bashTool.run({ command: "true" }, ctx(bwrap));
  });
}
Deno.bench("bash tool without an OS sandbox", { group }, async () => {
  await bashTool.run({ command: "true" }, ctx(none));
});
Deno.bench("bwrap alone (spawn, namespaces, bash -c true)", { group }, async () => {
  const c = bwrap.command("true", dir, dir);
  await new Promise((r) => spawn(c.file, c.args, { stdio: "ignore" }).on("close", r));
});
Deno.bench("bwrap alone, with output pipes", { group }, async () => {
  const c = bwrap.command("true", dir, dir);
  const p = spawn(c.file, c.args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  p.stdout!.on("data", () => {});
  p.stderr!.on("data", () => {});
  await new Promise((r) => p.on("close", r));
});

Deno.bench("read_file of a 300-byte file (open, verify, read)", async () => {
  await readFileTool.run({ path: "small.txt" }, ctx(none));
});

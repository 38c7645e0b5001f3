// Plays NanoClaw's host for the package's Node tests: a container folder layout, spawning the
// plugin's provider file with node (ContainerInput on stdin), and parsing the output markers
// as they stream, the way the host does.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PROVIDER = fileURLToPath(
  new URL("../dist/container.js", import.meta.url),
);
const START = "---NANOCLAW_OUTPUT_START---";
const END = "---NANOCLAW_OUTPUT_END---";

export async function containerFolders() {
  const dir = await mkdtemp(join(tmpdir(), "nanoclaw-node-"));
  const workspace = join(dir, "workspace");
  for (const d of ["group", "global", "ipc/input", "ipc/messages", "ipc/tasks"]) {
    await mkdir(join(workspace, d), { recursive: true });
  }
  return {
    dir,
    workspace,
    sessions: join(dir, "home", ".claude", "codex-sessions"),
    async followUp(text) {
      const name = `${Date.now()}-${Math.random().toString(36).slice(2)}.json`;
      await writeFile(
        join(workspace, "ipc/input", `${name}.tmp`),
        JSON.stringify({ type: "message", text }),
      );
      await rename(join(workspace, "ipc/input", `${name}.tmp`), join(workspace, "ipc/input", name));
    },
    close: () => writeFile(join(workspace, "ipc/input", "_close"), ""),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Spawn the provider as NanoClaw does; outputs are parsed as they arrive. */
export function runContainer(input, env, file = PROVIDER) {
  const child = spawn(process.execPath, [file], { env, stdio: ["pipe", "pipe", "pipe"] });
  const outputs = [];
  const waiters = [];
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout.on("data", (c) => {
    stdout += c;
    pending += c;
    let s;
    while ((s = pending.indexOf(START)) >= 0) {
      const e = pending.indexOf(END, s);
      if (e < 0) break;
      outputs.push(JSON.parse(pending.slice(s + START.length, e).trim()));
      pending = pending.slice(e + END.length);
      for (const w of [...waiters]) if (outputs.length >= w.n) w.resolve(outputs);
    }
  });
  child.stderr.on("data", (c) => (stderr += c));
  child.stdin.end(JSON.stringify(input));
  const done = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  return {
    outputs,
    done,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor: (n) =>
      new Promise((resolve) => {
        if (outputs.length >= n) return resolve(outputs);
        waiters.push({ n, resolve });
      }),
  };
}

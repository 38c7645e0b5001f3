// A NanoClaw container folder layout and a fake backend, for the provider's tests.
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type FakeBackend,
  type FakeBackendOptions,
  type FakeTokenSet,
  startFakeBackend,
} from "../testing/mod.ts";
import process from "node:process";
import { runProvider } from "./container.ts";
import { parseOutputs } from "./markers.ts";
import type { ContainerInput, ContainerOutput } from "./protocol.ts";

export interface Run {
  done: Promise<number>;
  outputs(): ContainerOutput[];
  log(): string;
  waitForOutputs(n: number): Promise<ContainerOutput[]>;
}

export interface Rig {
  fake: FakeBackend;
  tokens: FakeTokenSet;
  root: string;
  sessions: string;
  input(over?: Partial<ContainerInput>): ContainerInput;
  start(input: unknown, opts?: { ipc?: boolean }): Run;
  followUp(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function withContainer(
  fn: (rig: Rig) => Promise<void>,
  fakeOptions: FakeBackendOptions = {},
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cp-nanoclaw-"));
  const root = join(dir, "workspace");
  const sessions = join(dir, "home", ".claude", "codex-sessions");
  for (const d of ["group", "global", "ipc/messages", "ipc/tasks"]) {
    await mkdir(join(root, d), { recursive: true });
  }
  const fake = await startFakeBackend(fakeOptions);
  const tokens = fake.issueTokens();
  const env = {
    ...process.env,
    NANOCLAW_WORKSPACE: root,
    CODEX_SESSION_DIR: sessions,
    CODEX_BASE_URL: fake.baseUrl,
  };
  const inputDir = join(root, "ipc", "input");
  try {
    await fn({
      fake,
      tokens,
      root,
      sessions,
      input: (over = {}) => ({
        prompt: '<messages><message sender="Ann" time="10:00">hi</message></messages>',
        groupFolder: "whatsapp_family",
        chatJid: "123@g.us",
        isMain: false,
        assistantName: "Andy",
        secrets: { CODEX_ACCESS_TOKEN: tokens.access_token, CODEX_ACCOUNT_ID: tokens.account_id },
        provider: "codex",
        ...over,
      }),
      start(input, opts = {}) {
        let out = "";
        let log = "";
        const waiters: { n: number; resolve: (o: ContainerOutput[]) => void }[] = [];
        const check = () => {
          const outs = parseOutputs(out);
          for (const w of [...waiters]) if (outs.length >= w.n) w.resolve(outs);
        };
        const done = (async () => {
          if (opts.ipc) await mkdir(inputDir, { recursive: true });
          return await runProvider(input, {
            env,
            write: (t) => {
              out += t;
              check();
            },
            log: (t) => (log += t + "\n"),
          });
        })();
        return {
          done,
          outputs: () => parseOutputs(out),
          log: () => log,
          waitForOutputs: (n) =>
            new Promise((resolve, reject) => {
              waiters.push({ n, resolve });
              check();
              done.then(() =>
                setTimeout(
                  () =>
                    reject(new Error(`ended with ${parseOutputs(out).length} outputs:\n${log}`)),
                  50,
                )
              );
            }),
        };
      },
      async followUp(text) {
        const name = `${Date.now()}-${Math.random().toString(36).slice(2)}.json`;
        await writeFile(join(inputDir, `${name}.tmp`), JSON.stringify({ type: "message", text }));
        await rename(join(inputDir, `${name}.tmp`), join(inputDir, name));
      },
      close: () => writeFile(join(inputDir, "_close"), ""),
    });
  } finally {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// An agent over a fake backend in a temporary workspace, for the agent's tests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResponsesClient } from "../codex/client.ts";
import { defaultModel } from "../codex/models.ts";
import type { InputItem, ReasoningEffort } from "../codex/types.ts";
import { type FakeBackend, type FakeBackendOptions, startFakeBackend } from "../testing/mod.ts";
import type { Tool } from "../tools/tool.ts";
import { DEFAULT_TOOLS, ToolSet } from "../tools/tool_set.ts";
import { Workspace } from "../tools/workspace.ts";
import { Agent, type AgentEvent, type CompactionOptions } from "./agent.ts";
import { SessionStore } from "./session_store.ts";
import { contentText } from "../codex/items.ts";

export const FAST = { maxRetries: 3, baseDelayMs: 1, jitter: 0 };

export interface AgentRigOptions {
  tools?: Tool[];
  sessionId?: string;
  maxRounds?: number;
  model?: string;
  effort?: ReasoningEffort;
  serviceTier?: string;
  compaction?: CompactionOptions;
}

export interface Rig {
  fake: FakeBackend;
  client: ResponsesClient;
  store: SessionStore;
  dir: string;
  make(opts?: AgentRigOptions): Promise<Agent>;
}

/** A fake (with `fakeOptions`), a client with its catalog, and agents over one session store. */
export async function withRig(
  fn: (rig: Rig) => Promise<void>,
  fakeOptions: FakeBackendOptions = {},
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cp-agent-"));
  const fake = await startFakeBackend(fakeOptions);
  const t = fake.issueTokens();
  const client = new ResponsesClient({
    baseUrl: fake.baseUrl,
    retry: FAST,
    idleTimeoutMs: 500,
    credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
  });
  const store = new SessionStore(join(dir, "sessions"));
  const workspace = await Workspace.open(dir);
  try {
    await fn({
      fake,
      client,
      store,
      dir,
      make: async (o = {}) => {
        await client.catalog.load();
        return new Agent({
          client,
          catalog: client.catalog,
          model: o.model ?? defaultModel(client.catalog.models)!.slug,
          effort: o.effort,
          serviceTier: o.serviceTier,
          instructions: "Test agent.",
          tools: new ToolSet([...DEFAULT_TOOLS, ...(o.tools ?? [])]),
          workspace,
          session: o.sessionId ? await store.open(o.sessionId) : await store.create(),
          retry: FAST,
          maxRounds: o.maxRounds,
          compaction: o.compaction,
          secrets: () => [t.access_token],
        });
      },
    });
  } finally {
    client.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(
  agent: Agent,
  prompt: string,
  signal?: AbortSignal,
): Promise<AgentEvent[]> {
  const evs: AgentEvent[] = [];
  for await (const ev of agent.run(prompt, { signal })) evs.push(ev);
  return evs;
}

export function inputOf(fake: FakeBackend, n: number): InputItem[] {
  return fake.responsesRequests().at(n)!.body!.input as InputItem[];
}

/** The texts of the messages of an input. */
export function texts(input: readonly InputItem[]): string[] {
  return input.flatMap((i) => (i.type === "message" ? [contentText(i)] : []));
}

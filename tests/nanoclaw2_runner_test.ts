// Our codex provider inside the real NanoClaw 2 agent-runner (2.0.64, under Bun): its poll
// loop, its databases, its own MCP server, against the fake backend.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import { codexContainerConfig } from "../src/nanoclaw2/host.ts";
import type { InputItem } from "../src/codex/types.ts";
import {
  FAKE_MODELS,
  type FakeBackend,
  item,
  reply,
  startFakeBackend,
  withContextWindow,
} from "../src/testing/mod.ts";
import {
  checkoutWithCodex,
  createSessionDbs,
  removeCheckout,
  SessionDbs,
  startRunner,
} from "./_nanoclaw2_runner.ts";
import { contentText } from "../src/codex/items.ts";

const DESTINATIONS =
  `INSERT INTO destinations (name, display_name, type, channel_type, platform_id, agent_group_id)
   VALUES ('family', 'Family', 'channel', 'discord', 'chan-1', NULL)`;

async function until<T>(what: string, fn: () => T | undefined, log: () => string, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}. Runner log:\n${log().slice(-3000)}`);
}

const texts = (input: InputItem[]) =>
  input.flatMap((i) => (i.type === "message" && i.role === "user" ? [contentText(i)] : []));

test("nanoclaw2 runner: messages, recall, a pushed follow-up, send_message through the real MCP server, compaction", async () => {
  const { root, runner } = await checkoutWithCodex();
  const fake: FakeBackend = await startFakeBackend({
    models: withContextWindow(FAKE_MODELS, 9_000),
  });
  const workspace = join(root, "workspace");
  const home = join(root, "home");
  await mkdir(join(workspace, "agent"), { recursive: true });
  await mkdir(home, { recursive: true });
  const config = codexContainerConfig({ root, log: () => {} });
  let runnerProcess: ReturnType<typeof startRunner> | undefined;
  try {
    // The host: logged in; its config hands the container a fresh access token.
    await writeTokenFile(
      join(root, "data", "codex-tokens.json"),
      describeTokens(fake.issueTokens(), { issuer: fake.url }),
    );
    await config.refresher.renew();
    const spawn = config({ sessionDir: workspace, agentGroupId: "g1", hostEnv: {} });
    createSessionDbs(runner, workspace, DESTINATIONS);
    await writeFile(
      join(workspace, "agent", "container.json"),
      JSON.stringify({ provider: "codex", assistantName: "Andy", groupName: "Family" }),
    );
    await writeFile(join(workspace, "agent", "CLAUDE.md"), "@./.claude-shared.md\n");
    await writeFile(join(workspace, "agent", ".claude-shared.md"), "Always answer kindly.\n");
    const db = new SessionDbs(workspace);

    // 1: a first message; the scripted model answers into the chat.
    fake.enqueue(reply.text('<message to="family">Noted: the code is 7.</message>'));
    db.send("Please remember: the code is 7.");
    const env = {
      ...spawn.env,
      CODEX_ACCESS_DIR: spawn.mounts![0].hostPath,
      CODEX_BASE_URL: fake.baseUrl,
      CODEX_SESSION_DIR: join(home, "codex-sessions"),
      HOME: home,
      TZ: "UTC",
    };
    runnerProcess = startRunner(runner, workspace, env);
    const log = () => runnerProcess!.log();
    await until("the first answer", () => db.delivered().length >= 1 || undefined, log);
    assert.deepEqual(db.delivered(), ["Noted: the code is 7."]);
    const first = fake.responsesRequests()[0].body!;
    assert.match(String(first.instructions), /Always answer kindly\./, "CLAUDE.md and its import");
    assert.match(String(first.instructions), /family/, "the runner's destinations addendum");

    // 2: a second message continues the conversation.
    fake.enqueue(reply.text('<message to="family">It is 7.</message>'));
    const sent = performance.now();
    db.send("What is the code?");
    await until("the second answer", () => db.delivered().length >= 2 || undefined, log, 20_000);
    console.log(`message to answer (warm runner): ${Math.round(performance.now() - sent)} ms`);
    const second = fake.responsesRequests().at(-1)!.body!.input as InputItem[];
    assert.ok(texts(second).some((t) => t.includes("the code is 7")), "the first message is there");

    // 3: a follow-up pushed while a turn runs joins it.
    fake.enqueue(
      reply.items([item.call("bash", { command: "sleep 1.5; echo slept" })]),
      reply.text('<message to="family">Done, and I saw your note.</message>'),
    );
    db.send("Please run a slow check.");
    await until("the slow tool", () => fake.responsesRequests().length >= 3 || undefined, log);
    await new Promise((r) => setTimeout(r, 300));
    db.send("Note: use metric units.");
    await until("the answer with the note", () => db.delivered().length >= 3 || undefined, log);
    const third = fake.responsesRequests().at(-1)!.body!.input as InputItem[];
    assert.ok(texts(third).some((t) => t.includes("use metric units")), "the pushed follow-up");

    // 4: send_message through NanoClaw's own MCP server lands in outbound.db.
    fake.enqueue(
      reply.items([
        item.call("mcp__nanoclaw__send_message", { to: "family", text: "Working on it…" }),
      ]),
      reply.text('<message to="family">Finished.</message>'),
    );
    db.send("Tell me when you start.");
    await until("two more messages", () => db.delivered().length >= 5 || undefined, log);
    assert.deepEqual(db.delivered().slice(3), ["Working on it…", "Finished."]);

    // 5: a long conversation compacts, and still knows the code.
    for (let i = 0; i < 12 && fake.compactionRequests().length === 0; i++) {
      const n = db.delivered().length;
      fake.enqueue(
        reply.text(`<message to="family">Reply ${i}: ${"fine words ".repeat(90)}</message>`),
      );
      db.send(`Chat message ${i}: ${"more words ".repeat(40)}`);
      await until(`reply ${i}`, () => db.delivered().length > n || undefined, log);
    }
    assert.ok(fake.compactionRequests().length >= 1, "compacted");
    const after = fake.responsesRequests().at(-1)!;
    assert.match(fake.visibleText(after), /the code is 7/);

    // 6: the container is killed mid-turn (the pinned poll loop never calls abort(): a stop
    // is a kill); the next container resumes the conversation, with no half round in it.
    fake.enqueue(reply.items([item.call("bash", { command: "sleep 30" })]));
    const before = fake.responsesRequests().length;
    db.send("Please run the long job.");
    await until("the long job", () => fake.responsesRequests().length > before || undefined, log);
    await new Promise((r) => setTimeout(r, 300));
    runnerProcess.child.kill("SIGKILL");
    await new Promise((r) => runnerProcess!.child.once("close", r));
    const killedLog = log();
    runnerProcess = startRunner(runner, workspace, env);
    fake.enqueue(reply.text('<message to="family">Back again.</message>'));
    const n = db.delivered().length;
    db.send("Are you there?");
    await until(
      "the answer after the restart",
      () => db.delivered().length > n || undefined,
      () => killedLog + runnerProcess!.log(),
    );
    assert.equal(db.delivered().at(-1), "Back again.");
    const resumed = fake.responsesRequests().at(-1)!;
    assert.equal(resumed.status, 200, "the strict fake accepted the history: no dangling call");
    assert.match(fake.visibleText(resumed), /the code is 7/, "the same conversation");

    // No token in the runner's log, its databases or the group folder.
    const t = JSON.parse(await readFile(join(root, "data", "codex-tokens.json"), "utf8"));
    const everything = [
      log(),
      ...(await Promise.all(
        (await readdir(workspace, { recursive: true })).map((f) =>
          readFile(join(workspace, f)).then((b) => b.toString("latin1"), () => "")
        ),
      )),
    ].join("\n");
    assert.ok(!everything.includes(t.refresh_token), "no refresh token anywhere");
    assert.ok(!everything.includes(t.access_token), "no access token anywhere");
  } finally {
    runnerProcess?.child.kill("SIGKILL");
    await config.refresher.stop(); // a renewal in flight would write into dir as it goes
    await fake.close();
    if (!process.env.KEEP) await removeCheckout(root);
  }
});

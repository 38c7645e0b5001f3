// The container provider file, spawned with node as NanoClaw spawns it, against the fake.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { describeTokens, writeTokenFile } from "nanoclaw-codex-provider";
import { createCodexPlugin } from "nanoclaw-codex-provider/host";
import { item, reply, startFakeBackend } from "nanoclaw-codex-provider/testing";
import { containerFolders, runContainer } from "./_nanoclaw.mjs";

async function rig(fn) {
  const folders = await containerFolders();
  const fake = await startFakeBackend();
  try {
    const t = fake.issueTokens({ accountId: "acct-node" });
    await writeTokenFile(
      join(folders.dir, "data", "codex-tokens.json"),
      describeTokens(t, { issuer: fake.url }),
    );
    const secrets = await createCodexPlugin({
      root: folders.dir,
      env: { CODEX_AUTH_ISSUER: fake.url },
    }).getSecrets();
    const env = {
      PATH: process.env.PATH,
      HOME: join(folders.dir, "home"),
      NANOCLAW_WORKSPACE: folders.workspace,
      CODEX_SESSION_DIR: folders.sessions,
      CODEX_BASE_URL: fake.baseUrl,
    };
    const input = (over = {}) => ({
      prompt: '<messages><message sender="Ann" time="9:00">hello</message></messages>',
      groupFolder: "whatsapp_family",
      chatJid: "123@g.us",
      isMain: false,
      assistantName: "Andy",
      secrets,
      provider: "codex",
      ...over,
    });
    await fn({ fake, folders, env, input, token: t.access_token });
  } finally {
    await fake.close();
    await folders.remove();
  }
}

const texts = (body) =>
  body.input.filter((i) => i.type === "message").map((i) => i.content[0].text);

test("container: two runs with the returned session id; the second carries the first's history", () =>
  rig(async ({ fake, folders, env, input }) => {
    fake.enqueue(reply.text("Noted."), reply.text("You said hello."));
    const first = runContainer(input(), env);
    await first.waitFor(2);
    await folders.close();
    assert.equal(await first.done, 0, first.stderr);
    assert.deepEqual(first.outputs.map((o) => o.result), ["Noted.", null]);
    const id = first.outputs[1].newSessionId;
    assert.ok(id);
    const second = runContainer(input({ sessionId: id, prompt: "What did I say?" }), env);
    await second.waitFor(2);
    await folders.close();
    assert.equal(await second.done, 0, second.stderr);
    assert.deepEqual(texts(fake.responsesRequests()[1].body), [
      '<messages><message sender="Ann" time="9:00">hello</message></messages>',
      "Noted.",
      "What did I say?",
    ]);
  }));

test("container: a follow-up through ipc/input continues the conversation; _close ends it", () =>
  rig(async ({ fake, folders, env, input }) => {
    fake.enqueue(reply.text("one"), reply.text("two"));
    const run = runContainer(input(), env);
    await run.waitFor(2);
    await folders.followUp("and the weather?");
    await run.waitFor(4);
    await folders.close();
    assert.equal(await run.done, 0, run.stderr);
    assert.deepEqual(run.outputs.map((o) => o.result), ["one", null, "two", null]);
    assert.equal(texts(fake.responsesRequests()[1].body).at(-1), "and the weather?");
  }));

test("container: NanoClaw's tools write the IPC files the host reads", () =>
  rig(async ({ fake, folders, env, input }) => {
    fake.enqueue(
      reply.items([
        item.call("send_message", { text: "Working on it" }),
        item.call("schedule_task", {
          prompt: "Bins out",
          schedule_type: "interval",
          schedule_value: "3600000",
          context_mode: "isolated",
        }),
      ]),
      reply.text("Scheduled."),
    );
    const run = runContainer(input(), env);
    await run.waitFor(2);
    await folders.close();
    assert.equal(await run.done, 0, run.stderr);
    const read = async (d) => {
      const dir = join(folders.workspace, "ipc", d);
      return Promise.all(
        (await readdir(dir)).map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8"))),
      );
    };
    const [msg] = await read("messages");
    assert.equal(msg.type, "message");
    assert.equal(msg.chatJid, "123@g.us");
    assert.equal(msg.text, "Working on it");
    assert.equal(msg.groupFolder, "whatsapp_family");
    const [task] = await read("tasks");
    assert.equal(task.type, "schedule_task");
    assert.equal(task.schedule_type, "interval");
    assert.equal(task.context_mode, "isolated");
    assert.equal(task.createdBy, "whatsapp_family");
  }));

test("container: the token appears nowhere: stdout, stderr, session files, the bash tool's environment", () =>
  rig(async ({ fake, folders, env, input, token }) => {
    fake.enqueue(reply.items([item.call("bash", { command: "env; echo done" })]), reply.text("ok"));
    const run = runContainer(input(), env);
    await run.waitFor(2);
    await folders.close();
    assert.equal(await run.done, 0, run.stderr);
    const bashOut = fake.responsesRequests()[1].body.input.find((i) =>
      i.type === "function_call_output"
    ).output;
    assert.match(bashOut, /done/);
    const sessions = (await Promise.all((await readdir(folders.sessions)).map((f) =>
      readFile(join(folders.sessions, f), "utf8")
    ))).join("");
    for (
      const [where, text] of [["stdout", run.stdout], ["stderr", run.stderr], [
        "sessions",
        sessions,
      ], ["bash env", bashOut]]
    ) {
      assert.ok(!text.includes(token), `the token is in ${where}`);
    }
    assert.match(fake.responsesRequests()[0].headers.authorization, /^Bearer /, "yet it was used");
  }));

test("container: bad input is an error marker and a non-zero exit", async () => {
  const folders = await containerFolders();
  try {
    const run = runContainer({ prompt: "hi" }, {
      PATH: process.env.PATH,
      NANOCLAW_WORKSPACE: folders.workspace,
    });
    assert.notEqual(await run.done, 0);
    assert.equal(run.outputs.length, 1);
    assert.equal(run.outputs[0].status, "error");
    assert.match(run.outputs[0].error, /lacks groupFolder, chatJid/);
  } finally {
    await folders.remove();
  }
});

test("container attack: bash under Node cannot read the provider's environ or memory, nor touch the sessions", () =>
  rig(async ({ fake, folders, env, input, token }) => {
    const memory = `python3 ${new URL("./_memscan.py", import.meta.url).pathname}`;
    fake.enqueue(
      reply.items([
        item.call("bash", { command: "tr '\\0' '\\n' < /proc/$PPID/environ 2>&1; echo" }, "env"),
        item.call("bash", { command: memory }, "mem"),
        item.call("bash", {
          command:
            `echo '{"type":"items"}' >> ${folders.sessions}/x.jsonl 2>&1; ls ${folders.sessions}`,
        }, "tamper"),
      ]),
      reply.text("done"),
    );
    const run = runContainer(input(), env);
    await run.waitFor(2);
    await folders.close();
    assert.equal(await run.done, 0, run.stderr);
    const outs = Object.fromEntries(
      fake.responsesRequests()[1].body.input.filter((i) => i.type === "function_call_output")
        .map((i) => [i.call_id, i.output]),
    );
    assert.doesNotMatch(
      outs.env,
      /CODEX_BASE_URL|NANOCLAW_WORKSPACE/,
      "not the provider's environ",
    );
    assert.ok(!outs.mem.includes(token) && !outs.env.includes(token));
    const files = await readdir(folders.sessions);
    assert.deepEqual(
      files.filter((f) => f === "x.jsonl"),
      [],
      "the sessions folder is out of bash's reach",
    );
  }));

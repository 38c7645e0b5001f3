import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import type { InputItem } from "../codex/types.ts";
import { fault, item, reply } from "../testing/mod.ts";
import { withContainer } from "./_test_rig.ts";
import { contentText } from "../codex/items.ts";

const texts = (input: InputItem[]) =>
  input.flatMap((i) => (i.type === "message" ? [contentText(i)] : []));

test("container: results stream in markers as they happen, then a null marker with the session id", () =>
  withContainer(async ({ fake, start, input }) => {
    fake.enqueue(
      reply.items([item.text("Let me check."), item.call("list_files", {})]),
      reply.text("All good."),
    );
    const run = start(input());
    assert.equal(await run.done, 0, run.log());
    const outs = run.outputs();
    assert.deepEqual(outs.map((o) => [o.status, o.result]), [
      ["success", "Let me check."],
      ["success", "All good."],
      ["success", null],
    ]);
    assert.ok(outs.every((o) => o.newSessionId === outs[0].newSessionId && o.newSessionId));
  }));

test("container: a second run with the returned session id sends the first run's history", () =>
  withContainer(async ({ fake, start, input }) => {
    fake.enqueue(
      reply.items([item.reasoning("noting"), item.text("Noted: Tuesday.")]),
      reply.text("Tuesday."),
    );
    const first = start(
      input({ prompt: "<messages><message>Dentist is Tuesday</message></messages>" }),
    );
    await first.done;
    const id = first.outputs()[0].newSessionId!;
    const second = start(
      input({
        sessionId: id,
        prompt: "<messages><message>When is the dentist?</message></messages>",
      }),
    );
    assert.equal(await second.done, 0, second.log());
    assert.equal(second.outputs()[0].newSessionId, id);
    const sent = fake.responsesRequests()[1].body!.input as InputItem[];
    assert.deepEqual(texts(sent), [
      "<messages><message>Dentist is Tuesday</message></messages>",
      "Noted: Tuesday.",
      "<messages><message>When is the dentist?</message></messages>",
    ]);
    assert.equal(sent[1].type, "reasoning", "reasoning is replayed across container runs");
  }));

test("container: an unknown session id starts a new session (and says so in the log)", () =>
  withContainer(async ({ fake, start, input }) => {
    fake.enqueue(reply.text("hello"));
    const run = start(input({ sessionId: "claude-session-123" }));
    assert.equal(await run.done, 0);
    assert.notEqual(run.outputs()[0].newSessionId, "claude-session-123");
    assert.match(run.log(), /session claude-session-123 cannot be continued/);
  }));

test("container: follow-ups from the IPC folder continue the conversation; _close ends it", () =>
  withContainer(async ({ fake, start, input, followUp, close }) => {
    fake.enqueue(reply.text("first answer"), reply.text("second answer"));
    const run = start(input(), { ipc: true });
    await run.waitForOutputs(2);
    await followUp("and one more thing");
    await run.waitForOutputs(4);
    await close();
    assert.equal(await run.done, 0, run.log());
    assert.deepEqual(run.outputs().map((o) => o.result), [
      "first answer",
      null,
      "second answer",
      null,
    ]);
    assert.deepEqual(texts(fake.responsesRequests()[1].body!.input as InputItem[]).slice(-1), [
      "and one more thing",
    ]);
  }));

test("container: a follow-up sent together with _close during the last request is answered first", () =>
  withContainer(async ({ fake, start, input, followUp, close }) => {
    // A slow answer (streamed a few bytes at a time) keeps the turn's last request in flight.
    fake.enqueue(
      reply.text(`first answer ${"slowly ".repeat(60)}`, { chunkBytes: 8 }),
      reply.text("answer to the follow-up"),
    );
    const run = start(input(), { ipc: true });
    await new Promise((r) => setTimeout(r, 150));
    await followUp("one more thing");
    await close();
    assert.equal(await run.done, 0, run.log());
    const results = run.outputs().map((o) => o.result);
    assert.equal(results.length, 4, JSON.stringify(results));
    assert.equal(results[2], "answer to the follow-up");
  }));

test("container: a stale _close from an earlier run is removed at start", () =>
  withContainer(async ({ fake, start, input, followUp, close, root }) => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(root, "ipc", "input"), { recursive: true });
    await writeFile(join(root, "ipc", "input", "_close"), "");
    fake.enqueue(reply.text("one"), reply.text("two"));
    const run = start(input(), { ipc: true });
    await run.waitForOutputs(2);
    await new Promise((r) => setTimeout(r, 700)); // longer than one poll
    await followUp("still here?");
    await run.waitForOutputs(4);
    await close();
    assert.equal(await run.done, 0);
  }));

test("container: a follow-up that arrives during a turn joins it before the next request", () =>
  withContainer(async ({ fake, start, input, followUp, close }) => {
    fake.enqueue(
      reply.items([item.call("bash", { command: "sleep 1.2" })]),
      reply.text("done, and saw your note"),
    );
    const run = start(input(), { ipc: true });
    await new Promise((r) => setTimeout(r, 300));
    await followUp("note: use metric units");
    await run.waitForOutputs(2);
    await close();
    await run.done;
    const second = fake.responsesRequests()[1].body!.input as InputItem[];
    assert.equal(texts(second).at(-1), "note: use metric units");
  }));

test("container: NanoClaw's tools write the host's IPC files", () =>
  withContainer(async ({ fake, start, input, root }) => {
    await writeFile(
      join(root, "ipc", "current_tasks.json"),
      JSON.stringify([
        {
          id: "task-1",
          groupFolder: "whatsapp_family",
          prompt: "water plants",
          schedule_type: "cron",
          schedule_value: "0 9 * * *",
          status: "active",
          next_run: "tomorrow",
        },
        {
          id: "task-2",
          groupFolder: "other_group",
          prompt: "secret",
          schedule_type: "once",
          schedule_value: "x",
          status: "active",
        },
      ]),
    );
    fake.enqueue(
      reply.items([
        item.call("send_message", { text: "On it!", sender: "Helper" }),
        item.call("schedule_task", {
          prompt: "Remind about bins",
          schedule_type: "cron",
          schedule_value: "0 19 * * 2",
        }),
        item.call("schedule_task", {
          prompt: "bad",
          schedule_type: "cron",
          schedule_value: "every day",
        }),
        item.call("list_tasks", {}),
        item.call("pause_task", { task_id: "task-1" }),
        item.call("register_group", { jid: "x", name: "n", folder: "whatsapp_x", trigger: "@A" }),
        item.call("cancel_task", { task_id: "task-2" }),
        item.call("cancel_task", { task_id: "task-999" }),
      ]),
      reply.text("done"),
    );
    const run = start(input());
    assert.equal(await run.done, 0, run.log());
    const read = async (d: string) =>
      await Promise.all(
        (await readdir(join(root, "ipc", d))).sort().map(async (f) =>
          JSON.parse(await readFile(join(root, "ipc", d, f), "utf8"))
        ),
      );
    const [msg] = await read("messages");
    assert.deepEqual({ ...msg, timestamp: "t" }, {
      type: "message",
      chatJid: "123@g.us",
      text: "On it!",
      sender: "Helper",
      groupFolder: "whatsapp_family",
      timestamp: "t",
    });
    const tasks = await read("tasks");
    const sched = tasks.find((t) => t.type === "schedule_task");
    assert.equal(sched.schedule_value, "0 19 * * 2");
    assert.equal(sched.context_mode, "group");
    assert.equal(sched.targetJid, "123@g.us");
    assert.equal(sched.createdBy, "whatsapp_family");
    assert.equal(sched.taskId, undefined, "NanoClaw gives the id; none is invented");
    const pause = tasks.find((t) => t.type === "pause_task");
    assert.deepEqual({ ...pause, timestamp: "t" }, {
      type: "pause_task",
      taskId: "task-1",
      groupFolder: "whatsapp_family",
      isMain: false,
      timestamp: "t",
    });
    assert.equal(tasks.filter((t) => t.type === "register_group").length, 0, "not the main group");
    const outs = (fake.responsesRequests()[1].body!.input as InputItem[])
      .flatMap((i) => (i.type === "function_call_output" ? [i.output] : []));
    assert.match(outs[2], /^Error: Invalid cron "every day"/);
    assert.match(outs[3], /task-1/);
    assert.doesNotMatch(outs[3], /task-2/, "a group sees only its own tasks");
    assert.match(outs[5], /Unknown tool 'register_group'/);
    assert.doesNotMatch(outs[1], /task-\d/, "schedule_task claims no id");
    assert.match(outs[4], /Asked NanoClaw to pause task task-1/);
    // Another group's task, and an unknown one: refused here, not claimed and silently dropped.
    assert.match(
      outs[6],
      /^Error: There is no task task-2 among this group's tasks; nothing was asked/,
    );
    assert.match(outs[7], /^Error: There is no task task-999/);
    assert.equal(tasks.filter((t) => t.type === "cancel_task").length, 0);
  }));

test("container: the main group can register groups and sees every task", () =>
  withContainer(async ({ fake, start, input, root }) => {
    fake.enqueue(
      reply.items([
        item.call("register_group", {
          jid: "555@g.us",
          name: "Team",
          folder: "whatsapp_team",
          trigger: "@Andy",
        }),
      ]),
      reply.text("ok"),
    );
    assert.equal(await start(input({ isMain: true })).done, 0);
    const [f] = await readdir(join(root, "ipc", "tasks"));
    const data = JSON.parse(await readFile(join(root, "ipc", "tasks", f), "utf8"));
    assert.equal(data.type, "register_group");
    assert.equal(data.folder, "whatsapp_team");
    assert.ok(!f.endsWith(".tmp"));
  }));

test("container: scheduled tasks are marked; CLAUDE.md memories reach the model; <internal> is explained", () =>
  withContainer(async ({ fake, start, input, root }) => {
    await writeFile(join(root, "group", "CLAUDE.md"), "Ann prefers short answers.");
    await writeFile(join(root, "global", "CLAUDE.md"), "Household: Ann and Bob.");
    fake.enqueue(reply.text("<internal>nothing due</internal>"));
    await start(input({ isScheduledTask: true, prompt: "Check the calendar" })).done;
    const body = fake.responsesRequests()[0].body!;
    assert.match(String(body.instructions), /Ann prefers short answers\./);
    assert.match(String(body.instructions), /Household: Ann and Bob\./);
    assert.match(String(body.instructions), /<internal>…<\/internal> is never sent to the chat/);
    assert.match(
      texts(body.input as InputItem[])[0],
      /^\[SCHEDULED TASK - .*\]\n\nCheck the calendar$/,
    );
    fake.enqueue(reply.text("ok"));
    await start(input({ isMain: true })).done;
    assert.doesNotMatch(
      String(fake.responsesRequests()[1].body!.instructions),
      /Household/,
      "main has no global memory",
    );
  }));

test("container: bad input and missing secrets are error markers with a clear message, exit 1", () =>
  withContainer(async ({ start, input }) => {
    const bad = start({ prompt: "x" });
    assert.equal(await bad.done, 1);
    const [o] = bad.outputs();
    assert.equal(o.status, "error");
    assert.match(o.error!, /lacks groupFolder, chatJid/);
    const nologin = start(input({ secrets: {} }));
    assert.equal(await nologin.done, 1);
    assert.match(
      nologin.outputs()[0].error!,
      /No ChatGPT login reached the container.*--step codex-auth/,
    );
    const hostErr = start(
      input({
        secrets: {
          CODEX_AUTH_ERROR: "Your ChatGPT login is no longer valid (refresh_token_reused).",
        },
      }),
    );
    assert.equal(await hostErr.done, 1);
    assert.equal(
      hostErr.outputs()[0].result,
      "⚠️ Your ChatGPT login is no longer valid (refresh_token_reused).",
    );
  }));

test("container: a usage limit reaches the chat with its reset time", () =>
  withContainer(async ({ fake, start, input }) => {
    fake.enqueue(fault.usageLimit({ planType: "plus" }));
    const run = start(input());
    assert.equal(await run.done, 1);
    const [o] = run.outputs();
    assert.equal(o.status, "error");
    assert.match(
      o.result!,
      /^⚠️ You have reached your ChatGPT plus plan's Codex usage limit\. It resets at/,
    );
    assert.ok(o.newSessionId);
  }));

test("container: the token is never in process.env, the output, the log, session files or bash's env", () =>
  withContainer(async ({ fake, start, input, tokens, sessions }) => {
    fake.enqueue(reply.items([item.call("bash", { command: "env" })]), reply.text("ok"));
    const run = start(input());
    assert.equal(await run.done, 0);
    const envOut = (fake.responsesRequests()[1].body!.input as InputItem[])
      .flatMap((i) => (i.type === "function_call_output" ? [i.output] : []))[0];
    assert.match(envOut, /PATH=/);
    const sessionText = (await Promise.all((await readdir(sessions)).map((f) =>
      readFile(join(sessions, f), "utf8")
    ))).join("");
    for (
      const [where, text] of [
        ["process.env", JSON.stringify(process.env)],
        ["output", JSON.stringify(run.outputs())],
        ["log", run.log()],
        ["session files", sessionText],
        ["bash env", envOut],
      ]
    ) {
      assert.ok(!text.includes(tokens.access_token), `token in ${where}`);
    }
  }));

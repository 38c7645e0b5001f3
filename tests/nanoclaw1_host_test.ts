// Our plugin inside the real NanoClaw 1.x host (1.2.6 with the provider-plugin change): its
// message loop, group queue, container runner (through the docker stand-in), IPC watcher and
// scheduler, with a test channel, against the fake backend.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { describeTokens, writeTokenFile } from "../src/auth/token_file.ts";
import type { InputItem } from "../src/codex/types.ts";
import { type FakeBackend, item, reply, startFakeBackend } from "../src/testing/mod.ts";
import { type Host, startHost } from "./_nanoclaw1_host.ts";
import { contentText } from "../src/codex/items.ts";

async function until<T>(what: string, fn: () => Promise<T | undefined>, host: Host, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}. Host log:\n${host.log().slice(-4000)}`);
}

const userTexts = (input: InputItem[]) =>
  input.flatMap((i) => (i.type === "message" && i.role === "user" ? [contentText(i)] : []));

test("nanoclaw1 host: a file lands in the group folder, recall, a follow-up, a scheduled task fires", async () => {
  const fake: FakeBackend = await startFakeBackend({ fallback: reply.text("(unscripted)") });
  const env = { CODEX_BASE_URL: fake.baseUrl, CODEX_AUTH_ISSUER: fake.url };
  const host = await startHost(
    env,
    (file) => writeTokenFile(file, describeTokens(fake.issueTokens(), { issuer: fake.url })),
  );
  try {
    // 1: a message that writes a file: it must land in the group's folder on the host.
    fake.enqueue(
      reply.items([item.call("write_file", { path: "notes.txt", content: "milk, eggs\n" })]),
      reply.text("Saved your list."),
    );
    const t0 = performance.now();
    await host.say("Please remember my list: milk, eggs");
    await until("the first answer", async () => (await host.sent()).length >= 1 || undefined, host);
    console.log(`message to answer (cold container): ${Math.round(performance.now() - t0)} ms`);
    assert.deepEqual(await host.sent(), ["Saved your list."]);
    assert.equal(await readFile(join(host.groupDir, "notes.txt"), "utf8"), "milk, eggs\n");

    // 2: a second message recalls the first (the running container takes it through IPC).
    fake.enqueue(reply.text("Your list: milk, eggs."));
    const t1 = performance.now();
    await host.say("What was on my list?");
    await until("the recall", async () => (await host.sent()).length >= 2 || undefined, host);
    console.log(`message to answer (warm container): ${Math.round(performance.now() - t1)} ms`);
    const recall = fake.responsesRequests().at(-1)!.body!.input as InputItem[];
    assert.ok(
      userTexts(recall).some((t) => t.includes("milk, eggs")),
      "the first message is there",
    );

    // 3: a follow-up sent while a tool runs joins that turn.
    fake.enqueue(
      reply.items([item.call("bash", { command: "sleep 2; echo checked" })]),
      reply.text("Checked, and noted the date."),
    );
    await host.say("Please check the fridge.");
    await until("the slow tool", () => {
      const last = fake.responsesRequests().at(-1)?.body?.input as InputItem[] | undefined;
      return Promise.resolve(
        last && userTexts(last).some((t) => t.includes("fridge")) || undefined,
      );
    }, host);
    await new Promise((r) => setTimeout(r, 400));
    await host.say("Also: the party is on Friday.");
    await until("the answer", async () => (await host.sent()).length >= 3 || undefined, host);
    const joined = fake.responsesRequests().at(-1)!.body!.input as InputItem[];
    assert.ok(
      userTexts(joined).some((t) => t.includes("party is on Friday")),
      "the follow-up joined",
    );

    // 4: a scheduled task the agent sets up fires, runs as the agent, and speaks in the chat.
    const at = new Date(Date.now() + 2000).toISOString().slice(0, 19);
    fake.enqueue(
      reply.items([item.call("schedule_task", {
        prompt: "Remind the family to buy milk.",
        schedule_type: "once",
        schedule_value: at,
        context_mode: "isolated",
      })]),
      reply.text("Reminder set."),
      reply.text("Reminder: buy milk!"),
    );
    await host.say("Remind us about milk in a moment.");
    await until(
      "the reminder",
      async () => (await host.sent()).includes("Reminder: buy milk!") || undefined,
      host,
    );
    const task = fake.responsesRequests().at(-1)!.body!.input as InputItem[];
    assert.match(userTexts(task).at(-1)!, /SCHEDULED TASK[\s\S]*Remind the family to buy milk/);

    // Never a token in the host's log, the group's folder or its sessions.
    const t = JSON.parse(await readFile(join(host.root, "data", "codex-tokens.json"), "utf8"));
    const stored = await Promise.all(
      [host.groupDir, join(host.root, "data", "sessions")].map(async (dir) =>
        (await Promise.all(
          (await readdir(dir, { recursive: true })).map((f) =>
            readFile(join(dir, f)).then((b) => b.toString("latin1"), () => "")
          ),
        )).join("\n")
      ),
    );
    for (const text of [host.log(), ...stored]) {
      assert.ok(!text.includes(t.access_token) && !text.includes(t.refresh_token));
    }
  } finally {
    await host.stop();
    await fake.close();
  }
});

test("nanoclaw1 host: logged out, the chat is told how to log in (no host path, no stack)", async () => {
  const fake = await startFakeBackend();
  const host = await startHost(
    { CODEX_BASE_URL: fake.baseUrl, CODEX_AUTH_ISSUER: fake.url },
    () => Promise.resolve(), // never logged in
  );
  try {
    await host.say("Hello?");
    const [text] = await until("the chat's message", async () => {
      const sent = await host.sent();
      return sent.length ? sent : undefined;
    }, host);
    assert.match(
      text,
      /not logged in to ChatGPT\. On the NanoClaw host, log in again: npx tsx setup\/index\.ts --step codex-auth/,
    );
    assert.ok(!text.includes(host.root), "no host path in a chat others may read");
    assert.equal(fake.responsesRequests().length, 0);
  } finally {
    await host.stop();
    await fake.close();
  }
});

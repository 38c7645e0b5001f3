// The README's Vercel AI SDK configuration against `serve`: `createOpenAI` with the server's
// base URL and key, over the Responses API (the SDK's default) and over chat completions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { ResponsesClient } from "../src/codex/client.ts";
import { createServeHandler } from "../src/serve/handler.ts";
import { listen } from "../src/serve/listen.ts";
import { item, reply, startFakeBackend } from "../src/testing/mod.ts";

test("serve: the AI SDK's OpenAI provider works over responses and chat completions, tools included", async () => {
  const fake = await startFakeBackend();
  const t = fake.issueTokens();
  const client = new ResponsesClient({
    baseUrl: fake.baseUrl,
    credentials: () => Promise.resolve({ accessToken: t.access_token, accountId: t.account_id }),
  });
  const server = await listen(createServeHandler({ client, apiKey: "sk-codex-ai-sdk-test" }), {
    hostname: "127.0.0.1",
    port: 0,
  });
  try {
    // As in the README.
    const codex = createOpenAI({ baseURL: `${server.url}/v1`, apiKey: "sk-codex-ai-sdk-test" });
    fake.enqueue(reply.text("Over responses."), reply.text("Over chat."), reply.text("Streamed."));
    const a = await generateText({ model: codex("gpt-5.5"), system: "Be brief.", prompt: "hi" });
    assert.equal(a.text, "Over responses.");
    assert.ok((a.usage.outputTokens ?? 0) > 0);
    assert.equal(fake.responsesRequests().at(-1)!.body!.instructions, "Be brief.");
    const b = await generateText({ model: codex.chat("gpt-5.5"), prompt: "hi" });
    assert.equal(b.text, "Over chat.");
    const s = streamText({ model: codex("gpt-5.5"), prompt: "hi" });
    let text = "";
    for await (const part of s.textStream) text += part;
    assert.equal(text, "Streamed.");

    // Tools, run by the SDK, over both APIs, whole and streamed.
    const tools = {
      add: tool({
        description: "Add two numbers",
        inputSchema: jsonSchema<{ a: number; b: number }>({
          type: "object",
          properties: { a: { type: "number" }, b: { type: "number" } },
          required: ["a", "b"],
        }),
        execute: ({ a, b }) => Promise.resolve(String(a + b)),
      }),
    };
    for (const model of [codex("gpt-5.5"), codex.chat("gpt-5.5")]) {
      fake.enqueue(reply.items([item.call("add", { a: 1, b: 2 }, "c1")]), reply.text("It is 3."));
      const g = await generateText({ model, prompt: "1+2?", tools, stopWhen: stepCountIs(3) });
      assert.equal(g.text, "It is 3.");
      assert.equal(g.steps.length, 2);
      const back = fake.responsesRequests().at(-1)!.body!.input as {
        type: string;
        output?: string;
      }[];
      assert.equal(back.find((i) => i.type === "function_call_output")?.output, "3");
      fake.enqueue(reply.items([item.call("add", { a: 2, b: 2 }, "c2")]), reply.text("It is 4."));
      const st = streamText({ model, prompt: "2+2?", tools, stopWhen: stepCountIs(3) });
      let streamed = "";
      for await (const part of st.textStream) streamed += part;
      assert.equal(streamed, "It is 4.");
    }
  } finally {
    client.close();
    await server.close();
    await fake.close();
  }
});

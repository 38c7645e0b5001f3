import assert from "node:assert/strict";
import { test } from "node:test";
import { CodexError } from "./errors.ts";
import { parseServerEvents, type ServerEvent } from "./sse.ts";

function streamOf(chunks: Uint8Array[], opts: { hang?: boolean } = {}) {
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (const ch of chunks) c.enqueue(ch);
      if (!opts.hang) c.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>, idleTimeoutMs = 1000) {
  const malformed: string[] = [];
  const events: ServerEvent[] = [];
  for await (
    const ev of parseServerEvents(body, {
      idleTimeoutMs,
      onMalformed: (d) => malformed.push(d),
    })
  ) {
    events.push(ev);
  }
  return { events, malformed };
}

const SAMPLE =
  'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"héllo 👋 wörld"}\n\n' +
  'data: {"type":"response.completed","response":{"id":"r1"}}\n\n';

test("sse: every split point, even inside a multi-byte character, parses the same", async () => {
  const bytes = new TextEncoder().encode(SAMPLE);
  for (let cut = 1; cut < bytes.length; cut++) {
    const { events } = await collect(streamOf([bytes.subarray(0, cut), bytes.subarray(cut)]));
    assert.equal(events.length, 2, `split at ${cut}`);
    assert.equal(events[0].delta, "héllo 👋 wörld", `split at ${cut}`);
  }
});

test("sse: one byte per chunk", async () => {
  const bytes = new TextEncoder().encode(SAMPLE);
  const { events } = await collect(streamOf([...bytes].map((b) => new Uint8Array([b]))));
  assert.deepEqual(events.map((e) => e.type), ["response.output_text.delta", "response.completed"]);
});

test("sse: CRLF line endings and comment lines", async () => {
  const text = ": keep-alive\r\n\r\n" + SAMPLE.replaceAll("\n", "\r\n") + ": ping\r\n";
  const { events } = await collect(streamOf([new TextEncoder().encode(text)]));
  assert.equal(events.length, 2);
  assert.equal(events[1].type, "response.completed");
});

test("sse: a malformed data line is skipped and reported; the type comes from data, else event:", async () => {
  const text = "data: {not json\n\n" + 'event: named\ndata: {"x":1}\n\n' + "data: [1,2]\n\n" +
    SAMPLE;
  const { events, malformed } = await collect(streamOf([new TextEncoder().encode(text)]));
  assert.deepEqual(malformed, ["{not json", "[1,2]"]);
  assert.deepEqual(events.map((e) => e.type), [
    "named",
    "response.output_text.delta",
    "response.completed",
  ]);
});

test("sse: silence longer than the idle limit is an idle_timeout error", async () => {
  const body = streamOf([new TextEncoder().encode('data: {"type":"a"}\n\n')], { hang: true });
  await assert.rejects(
    collect(body, 50),
    (e) => e instanceof CodexError && e.code === "idle_timeout",
  );
});

test("sse: bytes that keep arriving (comments) keep the stream alive", async () => {
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      await new Promise((r) => setTimeout(r, 20));
      if (++n > 6) {
        c.enqueue(new TextEncoder().encode('data: {"type":"done"}\n\n'));
        c.close();
      } else c.enqueue(new TextEncoder().encode(": ping\n"));
    },
  });
  const { events } = await collect(body, 60);
  assert.deepEqual(events.map((e) => e.type), ["done"]);
});

test("sse: the abort signal stops reading with an aborted error", async () => {
  const ctl = new AbortController();
  const body = streamOf([], { hang: true });
  const p = (async () => {
    for await (
      const _ of parseServerEvents(body, { idleTimeoutMs: 10_000, signal: ctl.signal })
    ) { /* none */ }
  })();
  setTimeout(() => ctl.abort(), 20);
  await assert.rejects(p, (e) => e instanceof CodexError && e.code === "aborted");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { withWorkspace } from "./_test_helpers.ts";
import { scrubEnv } from "./secrets.ts";
import { HeadTailBuffer } from "./output_buffer.ts";
import { defineTool, type Tool, ToolError } from "./tool.ts";
import { DEFAULT_TOOLS, ToolSet } from "./tool_set.ts";

const boom: Tool = {
  definition: defineTool("boom", "fails", {}, []),
  run: () => Promise.reject(new Error("kaput")),
};
const refuse: Tool = {
  definition: defineTool("refuse", "refuses", {}, []),
  run: () => Promise.reject(new ToolError("not allowed")),
};

test("tool set: the model sees four tools with object schemas", () => {
  const defs = new ToolSet(DEFAULT_TOOLS).definitions();
  assert.deepEqual(defs.map((d) => d.name), ["bash", "read_file", "write_file", "list_files"]);
  for (const d of defs) {
    assert.equal(d.type, "function");
    assert.equal(d.strict, false);
    assert.equal((d.parameters as { type: string }).type, "object");
  }
});

test("tool set: unknown tools, bad JSON and failures come back as tool errors", () =>
  withWorkspace(async (_ws, _dir, ctx) => {
    const set = new ToolSet([...DEFAULT_TOOLS, boom, refuse]);
    const unknown = await set.run("nope", "{}", ctx);
    assert.equal(unknown.ok, false);
    assert.match(unknown.output, /^Error: Unknown tool 'nope'/);
    assert.match((await set.run("read_file", "{oops", ctx)).output, /not valid JSON/);
    assert.match((await set.run("read_file", "[1]", ctx)).output, /must be a JSON object/);
    assert.equal((await set.run("boom", "", ctx)).output, "Error: boom failed: kaput");
    assert.equal((await set.run("refuse", "{}", ctx)).output, "Error: not allowed");
  }));

test("env scrub: names, our prefixes, and values holding a secret", () => {
  const env = scrubEnv({
    PATH: "/bin",
    HOME: "/home/x",
    GITHUB_TOKEN: "t",
    AWS_SECRET_ACCESS_KEY: "s",
    CODEX_HOME: "/h",
    OPENAI_BASE: "u",
    SSH_AUTH_SOCK: "/s",
    COPY: "xx-secretvalue-xx",
  }, ["secretvalue"]);
  assert.deepEqual(env, { PATH: "/bin", HOME: "/home/x" });
});

test("head/tail buffer keeps both ends and counts the cut", () => {
  const b = new HeadTailBuffer(10);
  for (const s of ["01234", "56789", "abcde", "fghij"]) b.push(new TextEncoder().encode(s));
  assert.equal(b.total, 20);
  assert.equal(b.text(), "01234\n\n[… 10 bytes of output cut from the middle …]\n\nfghij");
  const small = new HeadTailBuffer(100);
  small.push(new TextEncoder().encode("short"));
  assert.equal(small.text(), "short");
});

test("tool set: a secret value a tool outputs is redacted, whatever the tool", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    const secret = "eyJhbGciOi.secret-token-value";
    await (await import("node:fs/promises")).writeFile(
      `${dir}/leak.json`,
      `{"access_token":"${secret}"}`,
    );
    const set = new ToolSet(DEFAULT_TOOLS);
    const c = { ...ctx, secrets: [secret] };
    for (
      const [name, args] of [["read_file", { path: "leak.json" }], ["bash", {
        command: "cat leak.json",
      }]]
    ) {
      const r = await set.run(name as string, JSON.stringify(args), c);
      assert.ok(!r.output.includes(secret), name as string);
      assert.match(r.output, /"access_token":"\[redacted secret\]"/);
    }
  }));

import assert from "node:assert/strict";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { withWorkspace } from "./_test_helpers.ts";
import { listFilesTool } from "./list_files.ts";
import { READ_MAX_CHARS, readFileTool } from "./read_file.ts";
import { ToolError } from "./tool.ts";
import { writeFileTool } from "./write_file.ts";

test("read_file: whole file, a range, and the note that says how to continue", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    await writeFile(
      join(dir, "f.txt"),
      Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n") + "\n",
    );
    const all = await readFileTool.run({ path: "f.txt" }, ctx);
    assert.equal(all.output.split("\n").length, 10);
    assert.equal(all.summary, "10 lines");
    const part = await readFileTool.run({ path: "f.txt", offset: 3, limit: 2 }, ctx);
    assert.equal(part.output, "line 3\nline 4\n[lines 3-4 of 10; continue with offset 5]");
    await assert.rejects(readFileTool.run({ path: "f.txt", offset: 50 }, ctx), /past the end/);
  }));

test("read_file: binary files are detected, not dumped", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    await writeFile(join(dir, "b.bin"), new Uint8Array([0x89, 0x50, 0x00, 0x01, 0xff]));
    const r = await readFileTool.run({ path: "b.bin" }, ctx);
    assert.match(r.output, /binary file \(5 bytes\)/);
  }));

test("read_file: output is capped in characters; a giant line is cut", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    await writeFile(join(dir, "big.txt"), ("x".repeat(999) + "\n").repeat(300));
    const r = await readFileTool.run({ path: "big.txt" }, ctx);
    assert.ok(r.output.length <= READ_MAX_CHARS + 100);
    assert.match(r.output, /continue with offset/);
    await writeFile(join(dir, "one.txt"), "y".repeat(READ_MAX_CHARS * 2));
    const one = await readFileTool.run({ path: "one.txt" }, ctx);
    assert.match(one.output, /this line is cut/);
  }));

test("read_file: folders and missing files are clear errors", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    await mkdir(join(dir, "d"));
    await assert.rejects(readFileTool.run({ path: "d" }, ctx), /folder; use list_files/);
    await assert.rejects(readFileTool.run({ path: "missing" }, ctx), /does not exist/);
  }));

test("write_file: creates folders, writes atomically, keeps an existing file's mode", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    const r = await writeFileTool.run({ path: "a/b/c.txt", content: "hello\n" }, ctx);
    assert.equal(r.ok, true);
    assert.equal(await readFile(join(dir, "a/b/c.txt"), "utf8"), "hello\n");
    await writeFile(join(dir, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
    await writeFileTool.run({ path: "run.sh", content: "#!/bin/sh\necho hi\n" }, ctx);
    assert.equal((await stat(join(dir, "run.sh"))).mode & 0o777, 0o755);
    assert.deepEqual((await readdir(join(dir, "a/b"))).filter((n) => n.endsWith(".tmp")), []);
  }));

test("write_file: outside the workspace and through symlinks out is refused", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    await assert.rejects(writeFileTool.run({ path: "../x.txt", content: "" }, ctx), /outside/);
    await symlink(join(dir, ".."), join(dir, "up"));
    await assert.rejects(writeFileTool.run({ path: "up/x.txt", content: "" }, ctx), /outside/);
    await assert.rejects(writeFileTool.run({ path: "a.txt" }, ctx), ToolError);
  }));

test("list_files: recursive, sorted, skips .git and node_modules, marks folders", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    for (const d of [".git/objects", "node_modules/pkg", "src/lib"]) {
      await mkdir(join(dir, d), { recursive: true });
    }
    await writeFile(join(dir, ".git/HEAD"), "");
    await writeFile(join(dir, "node_modules/pkg/i.js"), "");
    await writeFile(join(dir, "src/lib/a.ts"), "");
    await writeFile(join(dir, "README.md"), "");
    const r = await listFilesTool.run({}, ctx);
    assert.deepEqual(r.output.split("\n"), ["README.md", "src/", "src/lib/", "src/lib/a.ts"]);
    const flat = await listFilesTool.run({ recursive: false }, ctx);
    assert.deepEqual(flat.output.split("\n"), ["README.md", "src/"]);
  }));

test("list_files: the limit is said, and symlinked folders are not entered", () =>
  withWorkspace(async (_ws, dir, ctx) => {
    for (let i = 0; i < 20; i++) await writeFile(join(dir, `f${String(i).padStart(2, "0")}`), "");
    await symlink("/", join(dir, "root"));
    const r = await listFilesTool.run({ limit: 5 }, ctx);
    assert.match(r.output, /stopped at 5 entries/);
    const all = await listFilesTool.run({ limit: 100 }, ctx);
    assert.ok(all.output.includes("root@"));
    assert.ok(!all.output.includes("root/etc"));
  }));

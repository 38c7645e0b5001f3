import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { withWorkspace } from "./_test_helpers.ts";
import { ToolError } from "./tool.ts";

const denied = (e: unknown) => e instanceof ToolError && /outside the workspace/.test(e.message);

test("workspace: relative and absolute paths inside resolve", () =>
  withWorkspace(async (ws, dir) => {
    await writeFile(join(dir, "a.txt"), "a");
    assert.equal(await ws.resolve("a.txt", "read"), join(ws.root, "a.txt"));
    assert.equal(await ws.resolve(join(dir, "a.txt"), "read"), join(ws.root, "a.txt"));
    assert.equal(await ws.resolve("new/deep/b.txt", "write"), join(ws.root, "new/deep/b.txt"));
  }));

test("workspace: .. and absolute paths outside are refused", () =>
  withWorkspace(async (ws) => {
    await assert.rejects(ws.resolve("../escape.txt", "write"), denied);
    await assert.rejects(ws.resolve("/etc/passwd", "read"), denied);
    await assert.rejects(ws.resolve("sub/../../x", "read"), denied);
  }));

test("workspace: a symlink pointing outside is refused for read and write", () =>
  withWorkspace(async (ws, dir) => {
    await writeFile(join(dir, "..", "secret.txt"), "s");
    await symlink(join(dir, "..", "secret.txt"), join(dir, "link"));
    await symlink(join(dir, ".."), join(dir, "updir"));
    await assert.rejects(ws.resolve("link", "read"), denied);
    await assert.rejects(ws.resolve("link", "write"), denied);
    await assert.rejects(ws.resolve("updir/secret.txt", "read"), denied);
    await assert.rejects(ws.resolve("updir/new.txt", "write"), denied);
  }));

test("workspace: a dangling symlink cannot be written through", () =>
  withWorkspace(async (ws, dir) => {
    await symlink("/tmp/codex-provider-nonexistent-target", join(dir, "dangling"));
    await assert.rejects(ws.resolve("dangling", "write"), (e) => e instanceof ToolError);
  }));

test("workspace: a symlink inside that points inside is fine", () =>
  withWorkspace(async (ws, dir) => {
    await mkdir(join(dir, "real"));
    await writeFile(join(dir, "real", "f"), "x");
    await symlink(join(dir, "real"), join(dir, "alias"));
    assert.equal(await ws.resolve("alias/f", "read"), join(ws.root, "real", "f"));
  }));

test("workspace: a missing file is a clear error", () =>
  withWorkspace(async (ws) => {
    await assert.rejects(ws.resolve("nope.txt", "read"), /does not exist/);
  }));

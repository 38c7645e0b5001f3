import assert from "node:assert/strict";
import { test } from "node:test";
import { allowedHosts, sandboxFlags } from "./sandbox.ts";

const needs = {
  workspace: "/home/me/project",
  tokenFile: "/home/me/.config/codex-provider/tokens.json",
  codexHome: "/home/me/.codex",
  sessionDir: "/home/me/.config/codex-provider/sessions",
  baseUrl: "https://chatgpt.com/backend-api/codex",
  issuer: "https://auth.openai.com",
};

test("sandbox: network only to the backend, the issuer and loopback; ports kept", () => {
  assert.deepEqual(allowedHosts(needs), [
    "chatgpt.com",
    "auth.openai.com",
    "127.0.0.1",
    "localhost",
  ]);
  assert.deepEqual(
    allowedHosts({
      baseUrl: "http://127.0.0.1:8080/backend-api/codex",
      issuer: "http://127.0.0.1:8080",
    }),
    ["127.0.0.1:8080", "127.0.0.1", "localhost"],
  );
});

test("sandbox: read/write only the workspace, the token folder and sessions; run only bash", () => {
  const flags = sandboxFlags(needs);
  assert.deepEqual(flags, [
    "--allow-net=chatgpt.com,auth.openai.com,127.0.0.1,localhost",
    "--allow-read=/home/me/project,/home/me/.config/codex-provider,/home/me/.codex,/home/me/.config/codex-provider/sessions",
    "--allow-write=/home/me/project,/home/me/.config/codex-provider,/home/me/.config/codex-provider/sessions",
    "--allow-run=bash,bwrap",
    "--allow-env",
  ]);
  assert.ok(
    !flags.some((f) => f === "--allow-all" || f === "--allow-read" || f === "--allow-write"),
  );
});

test("sandbox: a path with a comma cannot be expressed and is refused clearly", () => {
  assert.throws(() => sandboxFlags({ ...needs, workspace: "/tmp/a,b" }), /contains a comma/);
});

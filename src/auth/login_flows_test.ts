import assert from "node:assert/strict";
import { test } from "node:test";
import { noBrowserReason, openCommand } from "./browser.ts";
import { parsePasted } from "./login_flows.ts";
import { errorPage, successPage } from "./pages.ts";

test("paste: a redirect address, a bare query, or a code; anything else is refused", () => {
  const full = parsePasted("  http://localhost:1455/auth/callback?code=ac_1&state=s1&scope=x  ");
  assert.equal(full?.get("code"), "ac_1");
  assert.equal(full?.get("state"), "s1");
  assert.equal(parsePasted("code=ac_2&state=s2")?.get("code"), "ac_2");
  assert.equal(parsePasted("ac_3")?.get("code"), "ac_3");
  assert.equal(parsePasted("ac_3")?.has("state"), false);
  assert.equal(parsePasted(""), undefined);
  assert.equal(parsePasted("hello there"), undefined);
});

test("browser: Windows gets rundll32 (cmd's start would cut the URL at '&'); others their opener", () => {
  const url = "https://auth.openai.com/oauth/authorize?a=1&b=2";
  assert.deepEqual(openCommand(url, {}, "win32"), {
    cmd: "rundll32",
    args: ["url.dll,FileProtocolHandler", url],
  });
  assert.deepEqual(openCommand(url, {}, "darwin"), { cmd: "open", args: [url] });
  assert.deepEqual(openCommand(url, {}, "linux"), { cmd: "xdg-open", args: [url] });
  assert.deepEqual(openCommand(url, { BROWSER: "firefox" }, "linux"), {
    cmd: "firefox",
    args: [url],
  });
});

test("browser: SSH and display-less Linux mean paste mode", () => {
  assert.equal(noBrowserReason({ SSH_CONNECTION: "x" }, "darwin"), "this is an SSH session");
  assert.equal(noBrowserReason({}, "linux"), "there is no graphical display");
  assert.equal(noBrowserReason({ DISPLAY: ":0" }, "linux"), undefined);
  assert.equal(noBrowserReason({}, "darwin"), undefined);
});

test("pages: escaped, self-contained, and they say what happened", () => {
  const ok = successPage({ email: "<b>x@y</b>", plan: "pro" });
  assert.match(ok, /&lt;b&gt;x@y&lt;\/b&gt;/);
  assert.doesNotMatch(ok, /<script|https?:\/\/(?!localhost)/);
  assert.match(
    errorPage("State mismatch", "Start again."),
    /Sign-in failed[\s\S]*State mismatch[\s\S]*Start again\./,
  );
});

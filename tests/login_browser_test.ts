// A real browser: headless Debian Chromium, driven by playwright-core, goes from the sign-in
// URL the login prints, through the fake's sign-in page, to our success page; the token file
// appears; a screenshot of the success page is saved in test-output/. CI must have chromium
// (.ci/run installs it): there a missing browser fails this test instead of skipping it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { test } from "node:test";
import { chromium } from "playwright-core";
import { SIGN_IN_URL, withLogin } from "./_login_cli.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUTPUT = new URL("../test-output/", import.meta.url).pathname;
const missing = !existsSync(CHROMIUM);
const skip = missing && !process.env.CI
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`
  : false;

async function launch() {
  assert.ok(
    !missing,
    `Chromium is required for this test: apt-get install chromium (looked at ${CHROMIUM})`,
  );
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

test(
  "real browser: sign-in page → our success page; tokens saved; screenshot kept",
  { skip },
  () =>
    withLogin(async ({ run, port, home }) => {
      const login = run(["--port", String(port)]);
      const [, url] = await login.waitFor(SIGN_IN_URL);
      const browser = await launch();
      try {
        const page = await browser.newPage();
        await page.goto(url);
        assert.match(await page.title(), /Sign in to continue to Codex \(fake\)/);
        await page.click("#continue");
        await page.waitForURL(new RegExp(`^http://localhost:${port}/auth/callback`));
        await page.getByText("You're signed in").waitFor();
        assert.match(
          await page.textContent("body") ?? "",
          /signed in as person@example\.com \(ChatGPT plus\)/,
        );
        await mkdir(OUTPUT, { recursive: true });
        await page.screenshot({ path: join(OUTPUT, "login-success.png"), fullPage: true });
      } finally {
        await browser.close();
      }
      const r = await login.result();
      assert.equal(r.code, 0, r.stderr);
      const tokens = JSON.parse(await readFile(join(home, "tokens.json"), "utf8"));
      assert.equal(tokens.email, "person@example.com");
      assert.ok((await stat(join(OUTPUT, "login-success.png"))).size > 1000);
    }),
);

test("real browser: the device code typed on the verification page completes a --device login", {
  skip,
}, () =>
  withLogin(async ({ run, fake }) => {
    const login = run(["--device"]);
    const [, spaced] = await login.waitFor(
      /║\s+([A-Z] [A-Z] [A-Z] [A-Z] - [A-Z] [A-Z] [A-Z] [A-Z])\s+║/,
    );
    const browser = await launch();
    try {
      const page = await browser.newPage();
      await page.goto(`${fake.url}/codex/device`);
      await page.fill("input[name=user_code]", spaced.replaceAll(" ", ""));
      await page.click("#continue");
      await page.getByText("Device connected").waitFor();
    } finally {
      await browser.close();
    }
    assert.equal((await login.result()).code, 0);
  }, { deviceIntervalSeconds: 0.1 }));

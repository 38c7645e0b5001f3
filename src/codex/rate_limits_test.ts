import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRateLimits } from "./rate_limits.ts";

test("rate limits: both windows and credits", () => {
  const snap = parseRateLimits(
    new Headers({
      "x-codex-primary-used-percent": "42.5",
      "x-codex-primary-window-minutes": "300",
      "x-codex-primary-reset-at": "1800000000",
      "x-codex-secondary-used-percent": "7",
      "x-codex-secondary-window-minutes": "10080",
      "x-codex-secondary-reset-after-seconds": "120",
      "x-codex-credits-has-credits": "true",
      "x-codex-credits-unlimited": "false",
      "x-codex-credits-balance": "12.50",
    }),
    1_700_000_000_000,
  );
  assert.deepEqual(snap, {
    primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt: 1800000000 },
    secondary: { usedPercent: 7, windowMinutes: 10080, resetsAt: 1_700_000_120 },
    credits: { hasCredits: true, unlimited: false, balance: "12.50" },
  });
});

test("rate limits: none, or garbage, is undefined", () => {
  assert.equal(parseRateLimits(new Headers()), undefined);
  assert.equal(parseRateLimits(new Headers({ "x-codex-primary-used-percent": "n/a" })), undefined);
});

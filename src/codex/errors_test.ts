import assert from "node:assert/strict";
import { test } from "node:test";
import { errorFromFailure, errorFromHttp, parseRetryAfter, parseRetryDelay } from "./errors.ts";

const NOW = Date.parse("2026-11-24T12:00:00Z");
const h = (o: Record<string, string> = {}) => new Headers(o);

test("errors: 429 usage_limit_reached is fatal, with reset time and plan", () => {
  const resets = NOW / 1000 + 5400;
  const e = errorFromHttp(
    429,
    JSON.stringify({
      error: { type: "usage_limit_reached", plan_type: "plus", resets_at: resets },
    }),
    h(),
    NOW,
  );
  assert.equal(e.code, "usage_limit");
  assert.equal(e.retryable, false);
  assert.equal(e.resetsAt, resets);
  assert.equal(e.planType, "plus");
  assert.match(e.message, /plus plan's Codex usage limit/);
  assert.match(e.message, /2026-11-24T13:30:00Z/);
  assert.match(e.message, /90 min/);
});

test("errors: older resets_in_seconds is turned into a reset instant", () => {
  const e = errorFromHttp(
    429,
    JSON.stringify({ error: { type: "usage_limit_reached", resets_in_seconds: 60 } }),
    h(),
    NOW,
  );
  assert.equal(e.resetsAt, NOW / 1000 + 60);
});

test("errors: plain 429 is retryable after Retry-After (seconds or HTTP date)", () => {
  const e = errorFromHttp(429, "{}", h({ "retry-after": "3" }), NOW);
  assert.equal(e.code, "rate_limited");
  assert.equal(e.retryable, true);
  assert.equal(e.retryAfterMs, 3000);
  assert.equal(parseRetryAfter(new Date(NOW + 7000).toUTCString(), NOW), 7000);
  assert.equal(parseRetryAfter("soon", NOW), undefined);
});

test("errors: statuses map to stable codes", () => {
  assert.equal(errorFromHttp(401, "{}", h()).code, "authentication");
  assert.equal(errorFromHttp(403, "{}", h()).code, "authentication");
  assert.equal(errorFromHttp(500, "oops", h()).code, "server");
  assert.equal(errorFromHttp(503, "", h()).retryable, true);
  assert.equal(
    errorFromHttp(400, '{"detail":"Instructions are required"}', h()).code,
    "invalid_request",
  );
  const m = errorFromHttp(
    400,
    JSON.stringify({
      detail: "The 'gpt-4' model is not supported when using Codex with a ChatGPT account.",
    }),
    h(),
  );
  assert.equal(m.code, "model_not_supported");
  // The backend's words; the client adds the models that exist (client_test.ts).
  assert.match(m.message, /The 'gpt-4' model is not supported/);
});

test("errors: the message never echoes an Authorization header, only the body's detail", () => {
  const e = errorFromHttp(401, '{"detail":"bad token"}', h({ authorization: "Bearer SECRET" }));
  assert.doesNotMatch(e.message, /SECRET/);
});

test("errors: response.failed codes", () => {
  assert.equal(errorFromFailure({ code: "context_length_exceeded" }).code, "context_too_long");
  assert.equal(errorFromFailure({ code: "insufficient_quota" }).code, "quota_exceeded");
  assert.equal(errorFromFailure({ code: "usage_not_included" }).code, "quota_exceeded");
  assert.equal(errorFromFailure({ code: "invalid_prompt" }).retryable, false);
  assert.equal(errorFromFailure({ code: "server_is_overloaded" }).retryable, true);
  assert.equal(errorFromFailure({ code: "slow_down" }).code, "server");
  const r = errorFromFailure({ code: "rate_limit_exceeded", message: "Please try again in 1.5s." });
  assert.equal(r.code, "rate_limited");
  assert.equal(r.retryAfterMs, 1500);
  assert.equal(parseRetryDelay("try again in 250ms"), 250);
  assert.equal(parseRetryDelay("nothing here"), undefined);
});

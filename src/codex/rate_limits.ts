/**
 * The rate-limit snapshot the backend sends in headers on every response.
 *
 * @module
 */

import { RATE_LIMIT_HEADER_PREFIX as P } from "./protocol.ts";
import type { RateLimitSnapshot, RateLimitWindow } from "./types.ts";

function num(headers: Headers, name: string): number | undefined {
  const v = headers.get(name);
  if (v === null || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function bool(headers: Headers, name: string): boolean | undefined {
  const v = headers.get(name)?.toLowerCase();
  return v === "true" ? true : v === "false" ? false : undefined;
}

function window(headers: Headers, which: "primary" | "secondary", now: number) {
  const usedPercent = num(headers, `${P}${which}-used-percent`);
  if (usedPercent === undefined) return undefined;
  const w: RateLimitWindow = { usedPercent };
  const minutes = num(headers, `${P}${which}-window-minutes`);
  if (minutes !== undefined) w.windowMinutes = minutes;
  // Newer servers send the reset instant; older ones the seconds until it.
  const resetAt = num(headers, `${P}${which}-reset-at`);
  const after = num(headers, `${P}${which}-reset-after-seconds`);
  if (resetAt !== undefined) w.resetsAt = resetAt;
  else if (after !== undefined) w.resetsAt = Math.floor(now / 1000) + after;
  return w;
}

/**
 * Read the `x-codex-*` rate-limit headers. Returns undefined when there are none.
 *
 * @example
 * ```ts
 * import { parseRateLimits } from "@x/codex-provider";
 * const h = new Headers({ "x-codex-primary-used-percent": "42" });
 * console.log(parseRateLimits(h)?.primary?.usedPercent); // 42
 * ```
 */
export function parseRateLimits(
  headers: Headers,
  now: number = Date.now(),
): RateLimitSnapshot | undefined {
  const snap: RateLimitSnapshot = {};
  const primary = window(headers, "primary", now);
  const secondary = window(headers, "secondary", now);
  if (primary) snap.primary = primary;
  if (secondary) snap.secondary = secondary;
  const hasCredits = bool(headers, `${P}credits-has-credits`);
  const unlimited = bool(headers, `${P}credits-unlimited`);
  const balance = headers.get(`${P}credits-balance`) ?? undefined;
  if (hasCredits !== undefined || unlimited !== undefined || balance !== undefined) {
    snap.credits = { hasCredits, unlimited, balance };
  }
  return Object.keys(snap).length ? snap : undefined;
}

/** The `type` of the WebSocket event that carries the rate limits (PROTOCOL.md §6). */
export const RATE_LIMITS_EVENT = "codex.rate_limits";

function eventWindow(w: unknown): RateLimitWindow | undefined {
  const o = w as { used_percent?: unknown; window_minutes?: unknown; reset_at?: unknown };
  if (typeof o?.used_percent !== "number") return undefined;
  const out: RateLimitWindow = { usedPercent: o.used_percent };
  if (typeof o.window_minutes === "number") out.windowMinutes = o.window_minutes;
  if (typeof o.reset_at === "number") out.resetsAt = o.reset_at;
  return out;
}

/**
 * Read a `codex.rate_limits` event (`{plan_type, rate_limits: {primary, secondary},
 * credits}`), the WebSocket's form of the rate-limit headers. Undefined when it has none.
 */
export function rateLimitsFromEvent(ev: Record<string, unknown>): RateLimitSnapshot | undefined {
  const limits = ev.rate_limits as { primary?: unknown; secondary?: unknown } | undefined;
  const snap: RateLimitSnapshot = {};
  const primary = eventWindow(limits?.primary);
  const secondary = eventWindow(limits?.secondary);
  if (primary) snap.primary = primary;
  if (secondary) snap.secondary = secondary;
  const c = ev.credits as { has_credits?: unknown; unlimited?: unknown; balance?: unknown };
  if (c && typeof c === "object") {
    snap.credits = {
      hasCredits: typeof c.has_credits === "boolean" ? c.has_credits : undefined,
      unlimited: typeof c.unlimited === "boolean" ? c.unlimited : undefined,
      balance: c.balance === undefined || c.balance === null ? undefined : String(c.balance),
    };
  }
  return Object.keys(snap).length ? snap : undefined;
}

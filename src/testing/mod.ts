/**
 * Test support: a scriptable, strict fake of the ChatGPT Codex backend (Responses SSE,
 * model catalog, OAuth refresh) on loopback, and builders for what it answers.
 *
 * @example
 * ```ts
 * import { item, reply, startFakeBackend } from "@x/codex-provider/testing";
 * const fake = await startFakeBackend();
 * fake.enqueue(reply.items([item.call("list_files", {})]), reply.text("done"));
 * await fake.close();
 * ```
 *
 * @module
 */

export * from "./fake_backend.ts";
export * from "./script.ts";
export { fakeSummary, inputTokens, visibleText } from "./fake_context.ts";
export { type FakeIdentity, mintJwt } from "./jwt.ts";
export { FakeAuthority, type FakeDevice, type GrantError, s256 } from "./fake_authority.ts";

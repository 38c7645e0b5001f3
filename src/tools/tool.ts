/**
 * What a tool is: a definition the model sees, and a function that runs it.
 *
 * @module
 */

import type { FunctionToolDefinition } from "../codex/types.ts";
import type { Sandbox } from "./sandbox.ts";
import type { Workspace } from "./workspace.ts";

/** What a running tool may use. */
export interface ToolContext {
  /** The folder every path is confined to. */
  workspace: Workspace;
  /** Fires when the turn is cancelled. */
  signal: AbortSignal;
  /** Secret values that must never reach a tool (scrubbed from the bash environment). */
  secrets: readonly string[];
  /** The OS sandbox commands run in (bash); without one, bash runs unconfined. */
  sandbox?: Sandbox;
}

/** The result of one tool call. */
export interface ToolResult {
  /** Text returned to the model. */
  output: string;
  /** False when the tool failed or refused. */
  ok: boolean;
  /** One line for people (UI). */
  summary: string;
}

/** A tool the model may call. */
export interface Tool {
  /** The schema the model sees. */
  definition: FunctionToolDefinition;
  /** Run it; throw {@link ToolError} for a refusal the model should read. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
}

/** A refusal or failure that is returned to the model as a tool error; the loop goes on. */
export class ToolError extends Error {
  /** Create one with a message that says what went wrong and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "ToolError";
  }
}

/** A required string argument. */
export function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== "string") throw new ToolError(`'${name}' is required and must be a string.`);
  return v;
}

/** An optional whole-number argument within [min, max]. */
export function intArg(
  args: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new ToolError(`'${name}' must be a whole number.`);
  }
  if (v < min || v > max) throw new ToolError(`'${name}' must be between ${min} and ${max}.`);
  return v;
}

/**
 * Define a function tool with the fields the Codex CLI sends. With {@link stringArg},
 * {@link intArg} and {@link ToolError} it makes a custom tool for the agent's `ToolSet`.
 *
 * @example
 * ```ts
 * import { defineTool, stringArg, type Tool, ToolSet, Workspace } from "@x/codex-provider";
 *
 * const shout: Tool = {
 *   definition: defineTool("shout", "Upper-case a text.", { text: { type: "string" } }, [
 *     "text",
 *   ]),
 *   run(args) {
 *     const text = stringArg(args, "text");
 *     return Promise.resolve({ ok: true, output: text.toUpperCase(), summary: "shout" });
 *   },
 * };
 * const tools = new ToolSet([shout]);
 * const ctx = {
 *   workspace: await Workspace.open(Deno.cwd()),
 *   signal: new AbortController().signal,
 *   secrets: [],
 * };
 * const r = await tools.run("shout", '{"text":"hi"}', ctx);
 * if (r.output !== "HI") throw new Error(r.output);
 * const bad = await tools.run("shout", "{}", ctx); // a refusal the model reads, not a throw
 * if (bad.ok || !bad.output.includes("'text' is required")) throw new Error(bad.output);
 * ```
 */
export function defineTool(
  name: string,
  description: string,
  properties: Record<string, unknown>,
  required: string[],
): FunctionToolDefinition {
  return {
    type: "function",
    name,
    description,
    strict: false,
    parameters: { type: "object", properties, required, additionalProperties: false },
  };
}

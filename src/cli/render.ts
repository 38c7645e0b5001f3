/**
 * Showing agent events in a terminal (text streamed, tools one line each, reasoning
 * dimmed, a usage line at the end) or as JSON lines for programs.
 *
 * @module
 */

import type { AgentEvent } from "../agent/agent.ts";
import type { RateLimitSnapshot, Usage } from "../codex/types.ts";

/** Where output goes (stdout-like). */
export interface Sink {
  /** Write text. */
  write(text: string): void;
}

/** What the agent says when a session starts. */
export interface SessionInfo {
  /** Session id (for --resume). */
  id: string;
  /** Whether it continues a saved session. */
  resumed: boolean;
  /** Model in use. */
  model: string;
  /** The workspace. */
  cwd: string;
  /** Whether Deno's permission flags confine this process (see sandbox.ts). */
  sandboxed: boolean;
  /** The agent's process id (a relaunched agent's is not the launcher's). */
  pid?: number;
  /** How bash is confined: `bwrap`, or `none` (then a notice says what is missing). */
  bashSandbox: string;
}

/** Shows events. */
export interface Renderer {
  /** Show one event. */
  event(ev: AgentEvent): void;
  /** Show a session's start. */
  session(info: SessionInfo): void;
  /** Show an error. */
  error(code: string, message: string): void;
  /** Show a notice (for example an effort that was clamped). */
  notice(text: string): void;
  /** Waiting for the model (a terminal shows a spinner with the time spent). */
  busy?(label: string): void;
}

const style = (on: boolean) => ({
  dim: (s: string) => (on ? `\x1b[2m${s}\x1b[22m` : s),
  bold: (s: string) => (on ? `\x1b[1m${s}\x1b[22m` : s),
  red: (s: string) => (on ? `\x1b[31m${s}\x1b[39m` : s),
  green: (s: string) => (on ? `\x1b[32m${s}\x1b[39m` : s),
  cyan: (s: string) => (on ? `\x1b[36m${s}\x1b[39m` : s),
});

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The most telling argument of a tool call, for one line. */
export function describeCall(name: string, args: string): string {
  try {
    const a = JSON.parse(args) as Record<string, unknown>;
    const main = a.command ?? a.path ?? (name === "list_files" ? "." : undefined);
    if (typeof main === "string") return oneLine(main, 100);
  } catch { /* show raw */ }
  return oneLine(args, 100);
}

/** A usage line: tokens, cache share, and the rate-limit windows when known. */
export function usageLine(usage: Usage, rateLimits?: RateLimitSnapshot): string {
  const cached = usage.input_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage.output_tokens_details?.reasoning_tokens ?? 0;
  const parts = [
    `${usage.input_tokens} in${cached ? ` (${cached} cached)` : ""}`,
    `${usage.output_tokens} out${reasoning ? ` (${reasoning} reasoning)` : ""}`,
  ];
  if (rateLimits?.primary) parts.push(`5h limit ${Math.round(rateLimits.primary.usedPercent)}%`);
  if (rateLimits?.secondary) {
    parts.push(`weekly ${Math.round(rateLimits.secondary.usedPercent)}%`);
  }
  return `tokens: ${parts.join(" · ")}`;
}

/** Human output for a terminal. */
export class TerminalRenderer implements Renderer {
  #out: Sink;
  #err: Sink;
  #s: ReturnType<typeof style>;
  #mode: "none" | "text" | "reasoning" = "none";
  #rate?: RateLimitSnapshot;
  #color: boolean;
  #ticker?: ReturnType<typeof setInterval>;
  #spinner?: { timer: ReturnType<typeof setInterval>; drawn: boolean };
  #running = new Map<string, string>();

  /** Render to `out` (and notices/errors to `err`), coloured when `color`. */
  constructor(out: Sink, err: Sink, color: boolean) {
    this.#out = out;
    this.#err = err;
    this.#s = style(color);
    this.#color = color;
  }

  /** A wait of some seconds counts down on a terminal (one line rewritten each second). */
  #countdown(delayMs: number, reason: string) {
    const line = (ms: number) =>
      this.#s.dim(`… retrying in ${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s (${reason})`);
    if (!this.#color || delayMs < 2000) return this.#err.write(`${line(delayMs)}\n`);
    const until = Date.now() + delayMs;
    this.#err.write(line(delayMs));
    this.#ticker = setInterval(() => {
      const left = until - Date.now();
      if (left <= 0) return this.#stopCountdown();
      this.#err.write(`\r\x1b[K${line(left)}`);
    }, 1000);
  }

  #stopCountdown() {
    if (!this.#ticker) return;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#err.write("\n");
  }

  /**
   * A spinner with the time spent, on a terminal only, after a moment (a quick answer shows
   * none); any output takes it away first.
   */
  busy(label: string): void {
    this.#idle();
    if (!this.#color) return;
    const since = Date.now();
    const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    let n = 0;
    const spinner = {
      drawn: false,
      timer: setInterval(() => {
        const s = (Date.now() - since) / 1000;
        if (s < 0.3) return;
        spinner.drawn = true;
        this.#err.write(
          `\r\x1b[K${this.#s.dim(`${frames[n++ % frames.length]} ${label} ${s.toFixed(0)}s`)}`,
        );
      }, 100),
    };
    this.#spinner = spinner;
  }

  #idle() {
    if (!this.#spinner) return;
    clearInterval(this.#spinner.timer);
    if (this.#spinner.drawn) this.#err.write("\r\x1b[K");
    this.#spinner = undefined;
  }

  #switch(mode: "none" | "text" | "reasoning") {
    if (this.#mode !== mode && this.#mode !== "none") this.#out.write("\n");
    this.#mode = mode;
  }

  session(i: SessionInfo): void {
    const sandbox = `${i.sandboxed ? "sandboxed" : "not sandboxed"}, bash: ${
      i.bashSandbox === "none" ? "unconfined" : i.bashSandbox
    }`;
    this.#err.write(
      this.#s.dim(
        `${i.resumed ? "resumed" : "session"} ${i.id} · ${i.model} · ${i.cwd} · ${sandbox}\n`,
      ),
    );
  }

  notice(text: string): void {
    this.#err.write(this.#s.dim(`${text}\n`));
  }

  error(code: string, message: string): void {
    this.#idle();
    this.#running.clear();
    this.#stopCountdown();
    this.#switch("none");
    if (code === "aborted") return this.#err.write(this.#s.dim("cancelled\n"));
    this.#err.write(`${this.#s.red("error")}${this.#s.dim(` (${code})`)}: ${message}\n`);
  }

  event(ev: AgentEvent): void {
    const s = this.#s;
    this.#idle();
    this.#stopCountdown();
    switch (ev.type) {
      case "text_delta":
        this.#switch("text");
        this.#out.write(ev.delta);
        break;
      case "reasoning_delta":
        this.#switch("reasoning");
        this.#out.write(s.dim(ev.delta));
        break;
      case "reasoning_break":
        if (this.#mode === "reasoning") this.#out.write("\n");
        break;
      case "tool_start":
        this.#switch("none");
        this.#out.write(
          `${s.cyan("▸")} ${s.bold(ev.name)} ${s.dim(describeCall(ev.name, ev.arguments))}\n`,
        );
        this.#running.set(ev.callId, ev.name);
        this.busy(`running ${[...new Set(this.#running.values())].join(", ")}`);
        break;
      case "tool_end":
        this.#out.write(
          `  ${ev.ok ? s.green("✓") : s.red("✗")} ${s.dim(`${ev.name}: ${ev.summary}`)}\n`,
        );
        this.#running.delete(ev.callId);
        this.busy(
          this.#running.size
            ? `running ${[...new Set(this.#running.values())].join(", ")}`
            : "thinking",
        );
        break;
      case "usage":
        this.#rate = ev.rateLimits ?? this.#rate;
        break;
      case "retry": {
        // Text already shown came from an attempt that failed: say it does not count.
        const partial = this.#mode !== "none";
        this.#switch("none");
        if (partial) this.#err.write(s.dim("[the answer above was cut off; asking again]\n"));
        this.#countdown(ev.delayMs, oneLine(ev.reason, 120));
        break;
      }
      case "done":
        this.#switch("none");
        if (ev.stopReason === "round_limit") {
          this.#err.write(s.red(`stopped after ${ev.rounds} model responses (round limit)\n`));
        }
        this.#err.write(s.dim(`${usageLine(ev.usage, this.#rate)}\n`));
        break;
      case "notice":
        this.#switch("none");
        this.notice(ev.text);
        break;
      case "compacted":
        this.#switch("none");
        this.notice(compactionLine(ev));
        break;
      case "message":
        break;
    }
  }
}

/** One line about a compaction. */
export function compactionLine(ev: Extract<AgentEvent, { type: "compacted" }>): string {
  const k = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));
  const why = ev.trigger === "manual"
    ? ""
    : ev.trigger === "auto"
    ? " (near the limit)"
    : " (over the limit)";
  return `context compacted${why}: ~${k(ev.tokensBefore)} → ~${k(ev.tokensAfter)} tokens, ${
    ev.mode === "remote" ? "by the backend" : "summarised locally"
  }`;
}

/** One JSON object per line, for programs (`--json`). */
export class JsonRenderer implements Renderer {
  #out: Sink;
  /** Render to `out`. */
  constructor(out: Sink) {
    this.#out = out;
  }
  #line(obj: unknown) {
    this.#out.write(JSON.stringify(obj) + "\n");
  }
  event(ev: AgentEvent): void {
    this.#line(ev);
  }
  session(i: SessionInfo): void {
    this.#line({ type: "session", ...i });
  }
  error(code: string, message: string): void {
    this.#line({ type: "error", code, message });
  }
  notice(text: string): void {
    this.#line({ type: "notice", text });
  }
}

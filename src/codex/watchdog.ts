/**
 * One idle watchdog per stream: each event only bumps a counter (no timer per event); the
 * watchdog looks four times per idle limit and fires once the counter has not moved for that
 * long. Shared by the SSE parser and the WebSocket transport.
 *
 * @module
 */

import { CodexError } from "./errors.ts";

/** The error a silent stream ends with. */
export function idleError(idleTimeoutMs: number): CodexError {
  return new CodexError(
    "idle_timeout",
    `The backend sent nothing for ${Math.round(idleTimeoutMs / 1000)} s; the stream was given up.`,
  );
}

/** The error of a request the backend took and never answered. */
export function noAnswerError(ms: number, cause?: unknown): CodexError {
  return new CodexError(
    "network",
    `The backend sent no answer within ${
      ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`
    } of the request.`,
    { cause },
  );
}

/** Watches a stream for silence; {@link IdleWatchdog.bump} on every event. */
export class IdleWatchdog {
  #seen = 0;
  #seenAtCheck = 0;
  #quietSince = Date.now();
  #timer: ReturnType<typeof setTimeout>;
  #step: number;

  /** Start watching: `onIdle` runs once, after `idleTimeoutMs` without a bump. */
  constructor(private readonly idleTimeoutMs: number, private readonly onIdle: () => void) {
    this.#step = Math.max(1, Math.floor(idleTimeoutMs / 4));
    this.#timer = setTimeout(this.#check, this.#step);
  }

  /** Something arrived. */
  bump(): void {
    this.#seen++;
  }

  /** Stop watching. */
  stop(): void {
    clearTimeout(this.#timer);
  }

  #check = () => {
    const now = Date.now();
    if (this.#seen !== this.#seenAtCheck) {
      this.#seenAtCheck = this.#seen;
      this.#quietSince = now;
    }
    const wait = this.#quietSince + this.idleTimeoutMs - now;
    if (wait > 0) this.#timer = setTimeout(this.#check, Math.min(this.#step, wait));
    else this.onIdle();
  };
}

/**
 * What every response stream watches for, whatever its transport: silence past the idle
 * limit (one {@link IdleWatchdog}) and the caller's abort. The first of them stops the
 * stream once (`stopped` holds why, `onStop` lets go of the source); `finish` ends the watch.
 */
export class StreamGuard {
  /** Why the stream was stopped, once it was. */
  stopped?: CodexError;
  #watchdog: IdleWatchdog;
  #signal?: AbortSignal;
  #onStop: (e: CodexError) => void;
  #finished = false;

  /** Watch from now on; `onStop` is only ever called after the constructor returns. */
  constructor(o: { idleTimeoutMs: number; signal?: AbortSignal; onStop: (e: CodexError) => void }) {
    this.#onStop = o.onStop;
    this.#signal = o.signal;
    this.#watchdog = new IdleWatchdog(o.idleTimeoutMs, () => this.stop(idleError(o.idleTimeoutMs)));
    this.#signal?.addEventListener("abort", this.#onAbort);
    if (this.#signal?.aborted) queueMicrotask(this.#onAbort);
  }

  /** Something arrived. */
  bump(): void {
    this.#watchdog.bump();
  }

  /** Whether the watch has ended. */
  get finished(): boolean {
    return this.#finished;
  }

  /** Stop the stream with `e` (the first reason wins). */
  stop(e: CodexError): void {
    if (this.stopped || this.#finished) return;
    this.stopped = e;
    this.#onStop(e);
  }

  /** End the watch; true only the first time. */
  finish(): boolean {
    if (this.#finished) return false;
    this.#finished = true;
    this.#watchdog.stop();
    this.#signal?.removeEventListener("abort", this.#onAbort);
    return true;
  }

  #onAbort = () => this.stop(new CodexError("aborted", "The request was cancelled."));
}

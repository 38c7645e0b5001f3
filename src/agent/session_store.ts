/**
 * Sessions as append-only JSONL: one header line, then one line per committed round of
 * the conversation. A line is written whole with O_APPEND and flushed, so a crash loses at
 * most the round being written; a torn last line is cut off when the session is reopened.
 * A compaction is a line holding the history that replaces everything before it: the old
 * lines stay in the file for the record, and a resumed session continues from the new one.
 *
 * @module
 */

import { mkdir, open, readdir, readFile, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { InputItem, Usage } from "../codex/types.ts";
import { type CompactionMode, type CompactionTrigger, pairedCalls } from "./compaction.ts";

/** A line of a session file. */
export type SessionRecord =
  | { type: "session"; id: string; created_at: string; model?: string; cwd?: string }
  | { type: "items"; at: string; items: InputItem[] }
  /** `items`: the history's length when the response ended (what `usage` counted). */
  | { type: "usage"; at: string; usage: Usage; items?: number }
  | {
    type: "compaction";
    at: string;
    mode: CompactionMode;
    trigger: CompactionTrigger;
    items: InputItem[];
  }
  /** The model changed (the service retired the one in use). */
  | { type: "model"; at: string; model: string };

/** The last response's usage and the history length it covered. */
export interface UsageMark {
  /** Tokens of the history up to and including that response's output. */
  tokens: number;
  /** How many history items that was. */
  items: number;
}

/** What a new session records about itself. */
export interface SessionMeta {
  /** Model it started with. */
  model?: string;
  /** Workspace it ran in. */
  cwd?: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const ITEM_TYPES = new Set([
  "message",
  "reasoning",
  "function_call",
  "function_call_output",
  "compaction",
]);

function validItems(items: unknown): items is InputItem[] {
  return Array.isArray(items) &&
    items.every((i) =>
      i && typeof i === "object" && ITEM_TYPES.has((i as { type?: unknown }).type as string) &&
      ((i as { type: string }).type !== "message" ||
        Array.isArray((i as { content?: unknown }).content))
    );
}

/** Whether a parsed line is a record this store wrote (shape-checked, not trusted blindly). */
function validRecord(rec: unknown): rec is SessionRecord {
  if (!rec || typeof rec !== "object") return false;
  const r = rec as Record<string, unknown>;
  switch (r.type) {
    case "session":
      return typeof r.id === "string" && typeof r.created_at === "string";
    case "items":
    case "compaction":
      return validItems(r.items);
    case "usage":
      return !!r.usage && typeof (r.usage as Usage).total_tokens === "number";
    case "model":
      return typeof r.model === "string";
    default:
      return false;
  }
}

/** Thrown for a session id that is malformed or unknown. */
export class SessionError extends Error {
  /** Create one with an actionable message. */
  constructor(message: string) {
    super(message);
    this.name = "SessionError";
  }
}

/** One conversation: its history, and appending to it. */
export class Session {
  /** Session id (also the conversation id / prompt cache key). */
  readonly id: string;
  /** Its file. */
  readonly path: string;
  /** The header. */
  readonly meta: SessionMeta & { created_at: string };
  /** The committed history, in order (after the last compaction). */
  readonly items: InputItem[];
  /** Compactions so far. */
  compactions: number;
  /** The last recorded usage, if it still describes {@link items}. */
  lastUsage?: UsageMark;
  /** Lines skipped when the session was opened (damaged or not ours), to tell the person. */
  readonly warnings: string[] = [];

  /** Use {@link SessionStore} to get one. */
  constructor(
    id: string,
    path: string,
    meta: SessionMeta & { created_at: string },
    items: InputItem[],
    state: { compactions?: number; lastUsage?: UsageMark } = {},
  ) {
    this.id = id;
    this.path = path;
    this.meta = meta;
    this.items = items;
    this.compactions = state.compactions ?? 0;
    this.lastUsage = state.lastUsage;
  }

  /** Commit items (one round) to the file, then to {@link items}. */
  async append(items: InputItem[]): Promise<void> {
    if (!items.length) return;
    await appendLine(this.path, { type: "items", at: new Date().toISOString(), items });
    this.items.push(...items);
  }

  /** Record a response's usage, which counted the first `items` history items. */
  async recordUsage(usage: Usage, items: number = this.items.length): Promise<void> {
    await appendLine(this.path, { type: "usage", at: new Date().toISOString(), usage, items });
    this.lastUsage = { tokens: usage.total_tokens, items };
  }

  /** Replace the history with its compacted form (the file keeps the old lines). */
  async compact(
    items: InputItem[],
    info: { mode: CompactionMode; trigger: CompactionTrigger },
  ): Promise<void> {
    await appendLine(this.path, {
      type: "compaction",
      at: new Date().toISOString(),
      ...info,
      items,
    });
    this.items.splice(0, this.items.length, ...items);
    this.compactions++;
    this.lastUsage = undefined;
  }

  /** Record that the conversation continues on another model. */
  async recordModel(model: string): Promise<void> {
    await appendLine(this.path, { type: "model", at: new Date().toISOString(), model });
    this.meta.model = model;
  }
}

async function appendLine(path: string, record: SessionRecord, flag = "a"): Promise<void> {
  const fh = await open(path, flag, 0o600);
  try {
    await fh.write(JSON.stringify(record) + "\n");
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Sessions in a folder, one `<id>.jsonl` file each.
 *
 * @example
 * ```ts
 * import { SessionStore } from "@x/codex-provider";
 * const dir = await Deno.makeTempDir();
 * const store = new SessionStore(dir);
 * const s = await store.create({ cwd: "." });
 * await s.append([{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }]);
 * console.log((await store.open(s.id)).items.length); // 1
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SessionStore {
  /** The folder. */
  readonly dir: string;

  /** Sessions live in `dir` (created 0700 on first use). */
  constructor(dir: string) {
    this.dir = dir;
  }

  #path(id: string): string {
    if (!ID.test(id)) {
      throw new SessionError(
        `'${id}' is not a session id (letters, digits, '-', '_', '.'; as printed by the agent).`,
      );
    }
    return join(this.dir, `${id}.jsonl`);
  }

  /** Start a new session, optionally with a chosen id. */
  async create(meta: SessionMeta = {}, id: string = crypto.randomUUID()): Promise<Session> {
    const path = this.#path(id);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const created_at = new Date().toISOString();
    try {
      await appendLine(path, { type: "session", id, created_at, ...meta }, "wx");
    } catch (e) {
      if ((e as { code?: string }).code === "EEXIST") {
        throw new SessionError(`A session '${id}' already exists; resume it instead.`);
      }
      throw e;
    }
    return new Session(id, path, { ...meta, created_at }, []);
  }

  /** Reopen a session; a torn last line (from a crash) is cut off first. */
  async open(id: string): Promise<Session> {
    const path = this.#path(id);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") {
        throw new SessionError(
          `No session '${id}' in ${this.dir}. Check the id, or start a new session.`,
        );
      }
      throw e;
    }
    const whole = text.lastIndexOf("\n") + 1;
    if (whole < text.length) {
      await truncate(path, new TextEncoder().encode(text.slice(0, whole)).length);
      text = text.slice(0, whole);
    }
    let items: InputItem[] = [];
    let meta: (SessionMeta & { created_at: string }) | undefined;
    let compactions = 0;
    let lastUsage: UsageMark | undefined;
    const skipped: number[] = [];
    text.split("\n").forEach((line, n) => {
      if (!line) return;
      let rec: SessionRecord;
      try {
        rec = JSON.parse(line);
      } catch {
        rec = undefined as unknown as SessionRecord;
      }
      if (!validRecord(rec)) {
        skipped.push(n + 1);
        return;
      }
      if (rec.type === "session") {
        meta = { model: rec.model, cwd: rec.cwd, created_at: rec.created_at };
      } else if (rec.type === "items") items.push(...rec.items);
      else if (rec.type === "compaction") {
        items = [...rec.items];
        compactions++;
        lastUsage = undefined;
      } else if (rec.type === "usage" && typeof rec.items === "number") {
        lastUsage = { tokens: rec.usage.total_tokens, items: rec.items };
      } else if (rec.type === "model" && meta) meta.model = rec.model;
    });
    if (!meta) throw new SessionError(`${path} has no session header; it cannot be resumed.`);
    if (skipped.length) {
      // A skipped line may have held one half of a tool call: keep the rest consistent.
      items = pairedCalls(items);
      lastUsage = undefined;
    }
    if (lastUsage && lastUsage.items > items.length) lastUsage = undefined;
    const session = new Session(id, path, meta, items, { compactions, lastUsage });
    if (skipped.length) {
      session.warnings.push(
        `${path}: skipped ${skipped.length} damaged line${skipped.length === 1 ? "" : "s"} (${
          skipped.slice(0, 5).join(", ")
        }${skipped.length > 5 ? ", …" : ""}); the rest of the conversation continues.`,
      );
    }
    return session;
  }

  /** Session ids, most recently changed first. */
  async list(): Promise<{ id: string; updatedAt: Date }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out = await Promise.all(
      names.filter((n) => n.endsWith(".jsonl")).map(async (n) => ({
        id: n.slice(0, -".jsonl".length),
        updatedAt: (await stat(join(this.dir, n))).mtime,
      })),
    );
    return out.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
  }
}

/**
 * The model catalog the service announces (`GET {base}/models`), read the way the Codex
 * CLI reads it: kept for a few minutes, cached on disk with its ETag and asked for again
 * with `If-None-Match`, refetched when a response names another ETag, and, when the
 * endpoint cannot be reached, the cached copy (however old) or the built-in table.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic_write.ts";
import { BUILTIN_MODELS } from "./builtin_catalog.ts";
import { CODEX_CLIENT_VERSION, MODELS_CACHE_TTL_MS } from "./protocol.ts";
import type { ModelInfo } from "./types.ts";

/** One answer of the catalog endpoint. */
export type FetchedCatalog =
  | { status: "ok"; models: ModelInfo[]; etag?: string }
  | { status: "not_modified" }
  /** 404: the backend has no catalog (the CLI then uses its built-in one). */
  | { status: "absent" };

/** Where a catalog is fetched from (the {@link ResponsesClient}). */
export interface CatalogSource {
  /** Fetch the catalog, conditionally when `etag` is given. Throws when it cannot. */
  fetchModels(etag: string | undefined, signal?: AbortSignal): Promise<FetchedCatalog>;
}

/** Where the models in use came from. */
export type CatalogOrigin = "live" | "cache" | "builtin";

/** Options of {@link ModelCatalog}. */
export interface ModelCatalogOptions {
  /** The endpoint. */
  source: CatalogSource;
  /** The on-disk cache (written atomically); none when undefined. */
  cacheFile?: string;
  /** How long a fetched catalog is fresh (default 300 s, the CLI's). */
  ttlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** The cache file, in the Codex CLI's `models_cache.json` shape. */
interface CacheFile {
  fetched_at: string;
  etag?: string;
  client_version: string;
  models: ModelInfo[];
}

interface Entry {
  models: ModelInfo[];
  etag?: string;
  fetchedAt: number;
}

/**
 * The catalog of one backend, shared by everything that names a model.
 *
 * @example
 * ```ts
 * import { BUILTIN_MODELS, ModelCatalog } from "@x/codex-provider";
 * const catalog = new ModelCatalog({
 *   source: { fetchModels: () => Promise.resolve({ status: "absent" }) },
 * });
 * console.log((await catalog.load()).length === BUILTIN_MODELS.length, catalog.origin); // true "builtin"
 * ```
 */
export class ModelCatalog {
  #o: ModelCatalogOptions;
  #entry?: Entry;
  #diskRead = false;
  #stale = false;
  #origin: CatalogOrigin = "builtin";
  #warning?: string;
  #loading?: Promise<readonly ModelInfo[]>;
  /** Every entry seen in this process, so a retired model's upgrade is still known. */
  #seen = new Map<string, ModelInfo>();

  /** A catalog over `options.source`. */
  constructor(options: ModelCatalogOptions) {
    this.#o = options;
  }

  /** The models last loaded (the built-in table before the first load). */
  get models(): readonly ModelInfo[] {
    return this.#entry?.models ?? BUILTIN_MODELS;
  }

  /** Where {@link models} came from. */
  get origin(): CatalogOrigin {
    return this.#origin;
  }

  /** Why the live catalog is not in use, after a load that could not reach it. */
  get warning(): string | undefined {
    return this.#warning;
  }

  /** The ETag of the catalog in use. */
  get etag(): string | undefined {
    return this.#entry?.etag;
  }

  /** The entry for `slug` in the models last loaded. */
  find(slug: string): ModelInfo | undefined {
    return this.models.find((m) => m.slug === slug);
  }

  /**
   * The last entry any loaded catalog (or the built-in table) gave `slug`, even if the
   * current one dropped it: what names a retired model's upgrade.
   */
  lastKnown(slug: string): ModelInfo | undefined {
    return this.find(slug) ?? this.#seen.get(slug) ?? BUILTIN_MODELS.find((m) => m.slug === slug);
  }

  /**
   * A response named the catalog's current ETag (`X-Models-Etag`): when it differs from
   * ours, the next {@link load} asks again. Returns whether it differed.
   */
  noteEtag(etag: string | null | undefined): boolean {
    if (!etag || !this.#entry || etag === this.#entry.etag) return false;
    this.#stale = true;
    return true;
  }

  /**
   * The models: from memory while fresh, else from the disk cache while fresh, else from
   * the endpoint (conditionally); a failure falls back to the last copy, then the built-in
   * table. `refresh` asks the endpoint whatever the age.
   */
  load(options: { refresh?: boolean; signal?: AbortSignal } = {}): Promise<readonly ModelInfo[]> {
    // One load at a time: concurrent callers share the answer.
    this.#loading ??= this.#load(options).then((models) => {
      for (const m of models) this.#seen.set(m.slug, m);
      return models;
    }).finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  async #load(o: { refresh?: boolean; signal?: AbortSignal }): Promise<readonly ModelInfo[]> {
    const now = this.#o.now ?? Date.now;
    if (!this.#diskRead) {
      this.#diskRead = true;
      const cached = await this.#readCache();
      if (cached && !this.#entry) {
        this.#entry = cached;
        this.#origin = "cache";
      }
    }
    const ttl = this.#o.ttlMs ?? MODELS_CACHE_TTL_MS;
    const fresh = this.#entry && now() - this.#entry.fetchedAt < ttl;
    if (fresh && !o.refresh && !this.#stale) return this.#entry!.models;
    let answer: FetchedCatalog;
    try {
      answer = await this.#o.source.fetchModels(this.#entry?.etag, o.signal);
    } catch (e) {
      this.#warning = `The model catalog could not be read (${(e as Error).message}); using ${
        this.#entry ? "the cached copy" : "the built-in list"
      }.`;
      return this.models;
    }
    this.#warning = undefined;
    this.#stale = false;
    if (answer.status === "absent") {
      // No catalog here (the CLI then uses its embedded one): asked again after the TTL.
      this.#entry = { models: [...BUILTIN_MODELS], fetchedAt: now() };
      this.#origin = "builtin";
      return this.#entry.models;
    }
    if (answer.status === "ok") {
      this.#entry = { models: answer.models, etag: answer.etag, fetchedAt: now() };
    } else if (this.#entry) {
      this.#entry = { ...this.#entry, fetchedAt: now() }; // 304: ours is current
    } else {
      return this.models; // a 304 we did not ask for: nothing to keep
    }
    this.#origin = "live";
    await this.#writeCache(this.#entry);
    return this.#entry.models;
  }

  async #readCache(): Promise<Entry | undefined> {
    if (!this.#o.cacheFile) return undefined;
    try {
      const c = JSON.parse(await readFile(this.#o.cacheFile, "utf8")) as Partial<CacheFile>;
      const fetchedAt = Date.parse(String(c.fetched_at));
      if (
        c.client_version !== CODEX_CLIENT_VERSION || !Array.isArray(c.models) ||
        !c.models.length || Number.isNaN(fetchedAt) ||
        !c.models.every((m) => m && typeof m.slug === "string")
      ) return undefined;
      return { models: c.models, etag: c.etag, fetchedAt };
    } catch {
      return undefined; // absent or damaged: fetch instead
    }
  }

  async #writeCache(entry: Entry): Promise<void> {
    if (!this.#o.cacheFile) return;
    const file: CacheFile = {
      fetched_at: new Date(entry.fetchedAt).toISOString(),
      etag: entry.etag,
      client_version: CODEX_CLIENT_VERSION,
      models: entry.models,
    };
    try {
      await writeFileAtomic(this.#o.cacheFile, JSON.stringify(file), {
        mode: 0o600,
        mkdirMode: 0o700,
      });
    } catch {
      // A read-only or sandboxed folder only costs a fetch next time.
    }
  }
}

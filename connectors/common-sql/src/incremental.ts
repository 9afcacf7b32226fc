import { createHash } from "node:crypto";
import type { StreamPage, Value, ValueObject } from "faucet-core";

/** The SQL an incremental read runs and the values bound to it. */
export interface ReadPlan {
  sql: string;
  params: Value[];
}

/** Options of {@link incrementalQuery}. */
export interface IncrementalQueryOptions {
  /** The user's query (or `SELECT * FROM <table>`). */
  base: string;
  /** The user's own parameters, bound before the bookmark. */
  params: readonly Value[];
  /** The replication key, already quoted for the dialect. */
  quotedKey: string;
  /** The placeholder of parameter `n` (1-based): `$n` for Postgres, `?` for MySQL and DuckDB. */
  placeholder: (n: number) => string;
  /** The bookmark to resume after, if any. */
  bookmark: Value | undefined;
  /** The inclusive start for a first run, if any. */
  start: Value | undefined;
}

/**
 * Wraps a query for incremental replication: `SELECT * FROM (<query>) AS src WHERE key > ?
 * ORDER BY key` with the bookmark bound as a parameter (`>=` the start on a first run, `IS NOT
 * NULL` with neither), so the source filters and orders itself and users write no placeholder.
 *
 * @example
 * incrementalQuery({ base: "SELECT * FROM t", params: [], quotedKey: "`id`", placeholder: () => "?", bookmark: 5, start: undefined });
 * // { sql: "SELECT * FROM (SELECT * FROM t\n) AS src WHERE src.`id` > ? ORDER BY src.`id`", params: [5] }
 */
export function incrementalQuery(options: IncrementalQueryOptions): ReadPlan {
  const params = [...options.params];
  const key = `src.${options.quotedKey}`;
  // The newline ends a trailing `--` comment in the user's query.
  const wrap = (where: string) => `SELECT * FROM (${options.base}\n) AS src WHERE ${where} ORDER BY ${key}`;
  if (options.bookmark !== undefined) {
    params.push(options.bookmark);
    return { sql: wrap(`${key} > ${options.placeholder(params.length)}`), params };
  }
  if (options.start !== undefined) {
    params.push(options.start);
    return { sql: wrap(`${key} >= ${options.placeholder(params.length)}`), params };
  }
  return { sql: wrap(`${key} IS NOT NULL`), params };
}

/** A user's query without trailing semicolons and whitespace, ready to be wrapped. */
export function trimQuery(query: string): string {
  return query.trim().replace(/;+\s*$/, "");
}

/** Whether two replication key values are the same key (a page never ends between two such rows). */
export function sameKey(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Cuts a stream of rows into pages of `pageSize` (0: one page). With a replication key every
 * page carries its last key as the bookmark, and a page never ends inside a run of equal keys
 * (the next run reads `key > bookmark`, which would skip the rest of the run).
 *
 * @example
 * const pages = new PageAssembler(1000, "id");
 * for (const row of rows) { const page = pages.push(row); if (page) yield page; }
 * const last = pages.finish(); if (last) yield last;
 */
export class PageAssembler {
  readonly #pageSize: number;
  readonly #key: string | undefined;
  #page: ValueObject[] = [];
  #bookmark: Value | undefined;

  constructor(pageSize: number, key?: string) {
    this.#pageSize = pageSize;
    this.#key = key;
  }

  /** The bookmark of the last page handed out. */
  get bookmark(): Value | undefined {
    return this.#bookmark;
  }

  /** Rows held for the next page. */
  get pending(): number {
    return this.#page.length;
  }

  /** Adds a row; returns a full page when one is ready (before or after the row). */
  push(row: ValueObject): StreamPage | undefined {
    const size = this.#pageSize;
    const key = this.#key;
    let out: StreamPage | undefined;
    if (key !== undefined) {
      const page = this.#page;
      if (size > 0 && page.length >= size && !sameKey(row[key], (page[page.length - 1] as ValueObject)[key])) {
        out = this.#take();
      }
      this.#page.push(row);
      return out;
    }
    this.#page.push(row);
    return size > 0 && this.#page.length >= size ? this.#take() : undefined;
  }

  /** The last page: what is left, or an empty page when `pageSize` is 0 and nothing came. */
  finish(): StreamPage | undefined {
    if (this.#page.length > 0) return this.#take();
    return this.#pageSize === 0 ? { records: [] } : undefined;
  }

  #take(): StreamPage {
    const records = this.#page;
    this.#page = [];
    if (this.#key === undefined || records.length === 0) return { records };
    const bookmark = (records[records.length - 1] as ValueObject)[this.#key] as Value;
    this.#bookmark = bookmark;
    return { records, bookmark };
  }
}

/**
 * A short stable fingerprint of the parts that identify a read, for default state keys:
 * `<prefix>:<12 hex digits>`.
 *
 * @example
 * stateKeyFor("mysql:127.0.0.1:3306/test", ["SELECT * FROM t", "id", "[]"]); // "mysql:127.0.0.1:3306/test:3f2a…"
 */
export function stateKeyFor(prefix: string, parts: readonly string[]): string {
  return `${prefix}:${createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 12)}`;
}

import {
  type CheckReport,
  cancelledError,
  FaucetError,
  probe,
  type SourceCapabilities,
  type StreamPage,
  type Value,
  type ValueObject,
} from "faucet-core";
import { type IncrementalConfig, type IncrementalSettings, incrementalSettings } from "./config.js";
import { incrementalQuery, PageAssembler, type ReadPlan, stateKeyFor, trimQuery } from "./incremental.js";
import { missingKeyError } from "./read-errors.js";

/** The read settings of a SQL source's config (`queryFields` and `incrementalFields`). */
export interface ReadCursorConfig extends IncrementalConfig {
  query?: string | undefined;
  table?: string | undefined;
  params: readonly unknown[];
  state_key?: string | undefined;
}

/** What a dialect tells a {@link ReadCursor}. */
export interface ReadCursorOptions {
  /** Names the connector in errors. */
  connector: string;
  /** Quotes an identifier (the replication key in the wrapped query). */
  quoteIdent: (name: string) => string;
  /** `table` as SQL, quoted and qualified; may throw an Error whose message says what is wrong. */
  qualifyTable: (table: string) => string;
  /** The placeholder of parameter `n` (1-based) in a query built on `base`. */
  placeholder: (n: number, base: string) => string;
}

/**
 * Where a SQL source's read stands and what its read config implies: the base query (`query`,
 * or `SELECT * FROM` the `table`), the incremental plan after the bookmark, the state key, the
 * pages cut from the rows it reads (each bookmarked, the cursor following them), and the
 * replication-key checks. The source keeps the I/O; the cursor holds no connection.
 *
 * @example
 * const cursor = new ReadCursor(config, { connector: "source-x", quoteIdent, qualifyTable, placeholder: () => "?" });
 * const plan = cursor.plan();
 * yield* cursor.pages(rowChunks(await run(plan)), 1000, signal);
 */
export class ReadCursor {
  /** The incremental settings, or undefined for a full read. */
  readonly incremental: IncrementalSettings | undefined;
  /** The bookmark the next read resumes after. */
  bookmark: Value | undefined;
  readonly #config: ReadCursorConfig;
  readonly #options: ReadCursorOptions;

  constructor(config: ReadCursorConfig, options: ReadCursorOptions) {
    this.#config = config;
    this.#options = options;
    this.incremental = incrementalSettings(config);
  }

  /** The replication key, if the read is incremental. */
  get key(): string | undefined {
    return this.incremental?.key;
  }

  /** A SQL source's capabilities: incremental (and replayable) with a replication key; discover. */
  capabilities(): SourceCapabilities {
    const incremental = this.incremental !== undefined;
    return { incremental, deterministicReplay: incremental, discover: true };
  }

  /** The user's query, or `SELECT * FROM` the table; a table name that is not one is a `config` error. */
  baseQuery(): string {
    const table = this.#config.table;
    if (table === undefined) return trimQuery(this.#config.query as string);
    let name: string;
    try {
      name = this.#options.qualifyTable(table);
    } catch (error) {
      throw new FaucetError("config", (error as Error).message, { connector: this.#options.connector });
    }
    return `SELECT * FROM ${name}`;
  }

  /** `state_key`, else (incremental only) a key derived from `server()`, the query and the key. */
  stateKey(server: () => string): string | undefined {
    if (this.#config.state_key) return this.#config.state_key;
    if (!this.incremental) return undefined;
    return stateKeyFor(server(), [this.baseQuery(), this.incremental.key, JSON.stringify(this.#config.params)]);
  }

  /** The SQL the next read runs: the query wrapped with the bookmark filter and key order. */
  plan(): ReadPlan {
    const base = this.baseQuery();
    const params = this.#config.params as Value[];
    const inc = this.incremental;
    if (!inc) return { sql: base, params: [...params] };
    return incrementalQuery({
      base,
      params,
      quotedKey: this.#options.quoteIdent(inc.key),
      placeholder: (n) => this.#options.placeholder(n, base),
      bookmark: this.bookmark,
      start: inc.start,
    });
  }

  /** Fails with a clear `config` error unless the replication key is one of `columns`. */
  requireKey(columns: readonly string[]): void {
    const key = this.key;
    if (key !== undefined && !columns.includes(key)) throw missingKeyError(key, this.#options.connector);
  }

  /**
   * Cuts chunks of rows into pages of `pageSize` (0: one page), each with its bookmark, which the
   * cursor takes as it hands the page out; checks `signal` after every chunk.
   */
  async *pages(
    chunks: AsyncIterable<readonly ValueObject[]>,
    pageSize: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<StreamPage> {
    const pages = new PageAssembler(pageSize, this.key);
    for await (const chunk of chunks) {
      for (const row of chunk) {
        const page = pages.push(row);
        if (page) yield this.#bookmarked(page);
      }
      if (signal?.aborted) throw cancelledError();
    }
    const last = pages.finish();
    if (last) yield this.#bookmarked(last);
  }

  /**
   * A source's `check`: the `connect` probe, then (when it passed) a `query` probe that reads the
   * query's columns and checks the replication key among them.
   */
  async check(
    connect: { name: string; run: () => Promise<unknown> },
    columns: () => Promise<readonly string[]>,
  ): Promise<CheckReport> {
    const probes = [await probe(connect.name, connect.run)];
    if (probes[0]?.status === "pass") {
      probes.push(await probe("query", async () => this.requireKey(await columns())));
    }
    return { probes };
  }

  #bookmarked(page: StreamPage): StreamPage {
    if (page.bookmark !== undefined) this.bookmark = page.bookmark;
    return page;
  }
}

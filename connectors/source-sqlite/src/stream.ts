import {
  type Database,
  fromSqlite,
  openDatabase,
  parseDatabaseUrl,
  quoteIdentifier,
  sqliteError,
  toSqlite,
} from "faucet-common-sqlite";
import {
  type CheckReport,
  compileRecordBuilder,
  type DatasetDescriptor,
  FaucetError,
  type FetchContext,
  fetchAll,
  type JsonSchema,
  parseConfig,
  probe,
  type RowRecordBuilder,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
} from "faucet-core";
import { SqliteSourceConfig, type SqliteSourceInput } from "./config.js";

const CONNECTOR = "source-sqlite";

/** The part of a libsql statement the source uses. */
interface Cursor {
  readonly reader: boolean;
  raw(on?: boolean): Cursor;
  safeIntegers(on?: boolean): Cursor;
  columns(): { name: string }[];
  iterate(...params: unknown[]): IterableIterator<unknown>;
  get(...params: unknown[]): unknown;
}

/** Options of {@link SqliteSource} that are not part of its config. */
export interface SqliteSourceOptions {
  /** A relative database path resolves against this directory. Default: the working directory. */
  baseDir?: string;
}

/**
 * Streams the rows of a SQLite query a page at a time, from a statement iterator: never the
 * whole result at once. Integers beyond ±2^53 arrive as strings, blobs as base64 text. The
 * connection is read-only (`PRAGMA query_only`) and opened on first use.
 *
 * @example
 * import { SqliteSource } from "faucet-source-sqlite";
 *
 * const source = new SqliteSource({ database_url: "sqlite:app.db", query: "SELECT * FROM orders WHERE total > ?", params: [100] });
 */
export class SqliteSource implements Source {
  readonly config: SqliteSourceConfig;
  readonly #path: string;
  readonly #memory: boolean;
  #db: Promise<Database> | undefined;
  /** Statements still being iterated: an abandoned cursor would keep the file locked. */
  readonly #active = new Set<Cursor>();
  #closed = false;

  constructor(config: SqliteSourceInput, options: SqliteSourceOptions = {}) {
    this.config = parseConfig(SqliteSourceConfig, config, { connector: CONNECTOR });
    const location = parseDatabaseUrl(this.config.database_url, options.baseDir);
    this.#path = location.path;
    this.#memory = location.memory;
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(SqliteSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return { incremental: false, deterministicReplay: false, discover: true };
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  async *streamPages(_ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const db = await this.#database();
    const size = this.config.batch_size ?? batchSize;
    const max = size > 0 ? size : Number.POSITIVE_INFINITY;
    let rows: Iterator<unknown>;
    let build: RowRecordBuilder;
    let statement: Cursor;
    try {
      statement = db.prepare(this.config.query) as unknown as Cursor;
      if (!statement.reader) {
        throw new FaucetError("config", "`query` must return rows (a SELECT, or a statement with RETURNING)", {
          connector: CONNECTOR,
          hint: "the source only reads; write statements are refused",
        });
      }
      statement.raw(true).safeIntegers(true);
      build = compileRecordBuilder(columnNames(statement.columns().map((c) => c.name)));
      const params = this.config.params;
      rows = (params === undefined ? statement.iterate() : statement.iterate(bindable(params)))[Symbol.iterator]();
    } catch (error) {
      throw this.#error(error, "run the query");
    }
    let page: Value[] = [];
    let done = false;
    this.#active.add(statement);
    try {
      while (true) {
        let step: IteratorResult<unknown>;
        try {
          step = rows.next();
        } catch (error) {
          throw this.#error(error, "read the query's rows");
        }
        if (step.done) break;
        const row = step.value as unknown[];
        for (let i = 0; i < row.length; i++) row[i] = fromSqlite(row[i]);
        page.push(build(row as Value[]));
        if (page.length >= max) {
          yield { records: page };
          page = [];
          if (signal?.aborted) return;
        }
      }
      done = true;
    } finally {
      this.#active.delete(statement);
      if (!done) release(statement);
    }
    if (page.length > 0) yield { records: page };
  }

  async discover(): Promise<DatasetDescriptor[]> {
    const db = await this.#database();
    try {
      const rows = db
        .prepare(
          "SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .raw(true)
        .all() as [string, string][];
      return rows.map(([name, type]) => ({
        name,
        kind: type,
        configPatch: { query: `SELECT * FROM ${quoteIdentifier(name)}` },
      }));
    } catch (error) {
      throw this.#error(error, "list tables");
    }
  }

  async check(): Promise<CheckReport> {
    const probes = [await probe("database opens", () => this.#database(), "check database_url")];
    probes.push(
      await probe(
        "query prepares",
        async () => {
          if (probes[0]?.status !== "pass") return { skip: "the database did not open" };
          (await this.#database()).prepare(this.config.query);
        },
        "check the SQL of `query`",
      ),
    );
    return { probes };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const statement of this.#active) release(statement);
    this.#active.clear();
    const db = await this.#db?.catch(() => undefined);
    db?.close();
  }

  #database(): Promise<Database> {
    if (this.#closed)
      return Promise.reject(new FaucetError("source", "the source is closed", { connector: CONNECTOR }));
    this.#db ??= openDatabase(
      { path: this.#path, memory: this.#memory },
      {
        connector: CONNECTOR,
        kind: "source",
        create: false,
        busyTimeoutMs: this.config.busy_timeout_ms,
        queryOnly: true,
      },
    );
    // A failed open is retried on the next call rather than remembered.
    this.#db.catch(() => {
      this.#db = undefined;
    });
    return this.#db;
  }

  #error(error: unknown, action: string): FaucetError {
    if (error instanceof FaucetError) return error;
    const mapped = sqliteError(error, { connector: CONNECTOR, kind: "source", path: this.#path, action });
    if (/syntax error|no such (table|column)/i.test(mapped.detail)) {
      return new FaucetError("source", mapped.detail, {
        cause: error,
        connector: CONNECTOR,
        hint: "check the SQL of `query` against the database's tables",
      });
    }
    return mapped;
  }
}

/**
 * Ends a statement that was not read to the end. Closing the connection is not enough: an
 * unfinished cursor keeps its read lock, blocking writers, until it is reset. libsql resets a
 * statement only when it runs again, so it runs once more to its first row (measured: neither
 * `interrupt()` nor a ROLLBACK releases the lock).
 */
function release(statement: Cursor): void {
  try {
    statement.get();
  } catch {
    // Whatever the query does now, running it reset the statement and released its lock.
  }
}

function bindable(params: NonNullable<SqliteSourceConfig["params"]>): unknown {
  if (Array.isArray(params)) return params.map((p) => toSqlite(p, true));
  const named: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) named[key.replace(/^[:@$]/, "")] = toSqlite(value, true);
  return named;
}

/** The query's column names; a name twice (a join) is an error rather than a silently lost value. */
function columnNames(names: string[]): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new FaucetError("config", `the query returns the column ${JSON.stringify(name)} twice`, {
        connector: CONNECTOR,
        hint: "give the columns distinct names with AS (e.g. `SELECT a.id AS order_id, b.id AS customer_id …`)",
      });
    }
    seen.add(name);
  }
  return names;
}

import type { DuckDBConnection, DuckDBInstance, DuckDBResult, DuckDBValue } from "@duckdb/node-api";
import {
  type DatabaseLocation,
  databaseLocation,
  type IncrementalSettings,
  incrementalQuery,
  incrementalSettings,
  LossyNumberError,
  PageAssembler,
  type ReadPlan,
  stateKeyFor,
  trimQuery,
} from "faucet-common-sql";
import {
  type CheckReport,
  cancelledError,
  type DatasetDescriptor,
  FaucetError,
  type FetchContext,
  type JsonSchema,
  type Logger,
  parseConfig,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  silentLogger,
  type Value,
  type ValueObject,
} from "faucet-core";
import { DuckdbSourceConfig, type DuckdbSourceConfigInput } from "./config.js";
import { jsonSchemaForType, readerFor, type ValueReader } from "./values.js";

const CONNECTOR = "source-duckdb";

/** Options of {@link DuckdbSource} beyond its config. */
export interface DuckdbSourceOptions {
  logger?: Logger;
  /** A relative `database` resolves against this directory. Default: the working directory. */
  baseDir?: string;
}

/**
 * Streams a DuckDB query page by page from a streaming result, one vector chunk (2,048 rows) at
 * a time, so memory stays at a page whatever the result's size. The database is a file or
 * `:memory:`; DuckDB's readers make `read_csv`, `read_parquet` and `read_json` queries work too.
 * With a replication key it reads only rows after the bookmark, in key order, and bookmarks
 * every page.
 *
 * @example
 * const source = new DuckdbSource({ database: ":memory:", query: "SELECT * FROM read_parquet('data/*.parquet')" });
 * for await (const page of source.streamPages({}, 1000)) console.log(page.records.length);
 */
export class DuckdbSource implements Source {
  readonly config: DuckdbSourceConfig;
  readonly #location: DatabaseLocation;
  readonly #incremental: IncrementalSettings | undefined;
  readonly #logger: Logger;
  #instance: Promise<DuckDBInstance> | undefined;
  #bookmark: Value | undefined;
  #closed = false;

  constructor(config: DuckdbSourceConfigInput, options: DuckdbSourceOptions = {}) {
    this.config = parseConfig(DuckdbSourceConfig, config, { connector: CONNECTOR });
    this.#location = databaseLocation(this.config.database, ["duckdb"], options.baseDir);
    this.#incremental = incrementalSettings(this.config);
    this.#logger = options.logger ?? silentLogger;
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(DuckdbSourceConfig);
  }

  capabilities(): SourceCapabilities {
    const incremental = this.#incremental !== undefined;
    return { incremental, deterministicReplay: incremental, discover: true };
  }

  stateKey(): string | undefined {
    if (this.config.state_key) return this.config.state_key;
    if (!this.#incremental) return undefined;
    return stateKeyFor(`duckdb:${this.#location.path}`, [
      this.#baseQuery(),
      this.#incremental.key,
      JSON.stringify(this.config.params),
    ]);
  }

  applyStartBookmark(bookmark: Value): void {
    this.#bookmark = bookmark;
  }

  /** The SQL the next read runs: the query wrapped with the bookmark filter and key order. */
  plan(): ReadPlan {
    const base = this.#baseQuery();
    const params = this.config.params as Value[];
    const inc = this.#incremental;
    if (!inc) return { sql: base, params: [...params] };
    // `?` and `$n` cannot be mixed in one statement: follow the user's style.
    const numbered = /\$\d/.test(base);
    return incrementalQuery({
      base,
      params,
      quotedKey: quoteIdent(inc.key),
      placeholder: (n) => (numbered ? `$${n}` : "?"),
      bookmark: this.#bookmark,
      start: inc.start,
    });
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    const all: Value[] = [];
    for await (const page of this.streamPages(ctx, 0, ctx.signal)) {
      for (const record of page.records) all.push(record);
    }
    return all;
  }

  async *streamPages(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const abort = signal ?? ctx.signal;
    const pageSize = this.config.batch_size ?? batchSize;
    const key = this.#incremental?.key;
    const connection = await this.#connect();
    try {
      if (key !== undefined && !(await this.#columnNames(connection)).includes(key)) throw missingKey(key);
      const plan = this.plan();
      let result: DuckDBResult;
      try {
        result = await connection.stream(plan.sql, plan.params.map(bindable));
      } catch (error) {
        throw queryFailed(error, "the query failed");
      }
      const names = result.columnNames();
      const readers = result.columnTypes().map((type) =>
        readerFor(type, {
          jsonBigNumbers: this.config.json_big_numbers,
          onBigNumber: (token) =>
            this.#logger.warn("a JSON number a double cannot hold was read as a string (json_big_numbers: string)", {
              connector: CONNECTOR,
              number: token.slice(0, 40),
            }),
        }),
      );
      const pages = new PageAssembler(pageSize, key);
      for (;;) {
        let rows: ValueObject[];
        try {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          rows = toRows(chunk.getColumns(), names, readers, chunk.rowCount);
        } catch (error) {
          throw readFailed(error);
        }
        for (const row of rows) {
          const page = pages.push(row);
          if (page) {
            if (page.bookmark !== undefined) this.#bookmark = page.bookmark;
            yield page;
          }
        }
        if (abort?.aborted) throw cancelledError();
      }
      const last = pages.finish();
      if (last) {
        if (last.bookmark !== undefined) this.#bookmark = last.bookmark;
        yield last;
      }
    } finally {
      connection.closeSync();
    }
  }

  /** Every table and view of the database, with column schemas. */
  async discover(): Promise<DatasetDescriptor[]> {
    const connection = await this.#connect();
    try {
      const reader = await connection.runAndReadAll(DISCOVER_SQL);
      const out = new Map<string, DatasetDescriptor & { schema: JsonSchema }>();
      for (const row of reader.getRowObjectsJson() as unknown as DiscoverRow[]) {
        const name = `${row.schema}.${row.name}`;
        let entry = out.get(name);
        if (!entry) {
          entry = {
            name,
            kind: row.kind === "VIEW" ? "view" : "table",
            schema: { type: "object", properties: {}, required: [] },
            configPatch: { table: `${quoteIdent(row.schema)}.${quoteIdent(row.name)}` },
          };
          if (row.estimate !== null) entry.estimatedRows = Number(row.estimate);
          out.set(name, entry);
        }
        (entry.schema.properties as Record<string, JsonSchema>)[row.column] = jsonSchemaForType(
          row.dataType,
          row.nullable === "YES",
        );
        (entry.schema.required as string[]).push(row.column);
      }
      return [...out.values()];
    } catch (error) {
      throw queryFailed(error, "listing tables failed");
    } finally {
      connection.closeSync();
    }
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    const probes = [await probe("open", async () => (await this.#connect()).closeSync())];
    if (probes[0]?.status === "pass") {
      probes.push(
        await probe("query", async () => {
          const connection = await this.#connect();
          try {
            const names = await this.#columnNames(connection);
            const key = this.#incremental?.key;
            if (key !== undefined && !names.includes(key)) throw missingKey(key);
          } finally {
            connection.closeSync();
          }
        }),
      );
    }
    return { probes };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pending = this.#instance;
    this.#instance = undefined;
    if (pending) (await pending.catch(() => undefined))?.closeSync();
  }

  async #connect(): Promise<DuckDBConnection> {
    if (this.#closed) throw new FaucetError("connection", "the source is closed", { connector: CONNECTOR });
    this.#instance ??= openInstance(this.#location, this.config.read_only);
    const instance = await this.#instance.catch((error: unknown) => {
      this.#instance = undefined;
      throw error;
    });
    return await instance.connect();
  }

  /** The base query's output columns, from a prepared statement (nothing runs). */
  async #columnNames(connection: DuckDBConnection): Promise<string[]> {
    try {
      const prepared = await connection.prepare(this.#baseQuery());
      return Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
    } catch (error) {
      throw queryFailed(error, "the query failed");
    }
  }

  #baseQuery(): string {
    if (this.config.table !== undefined) {
      return `SELECT * FROM ${this.config.table.includes('"') ? this.config.table : this.config.table.split(".").map(quoteIdent).join(".")}`;
    }
    return trimQuery(this.config.query as string);
  }
}

async function openInstance(location: DatabaseLocation, readOnly: boolean): Promise<DuckDBInstance> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  try {
    if (location.memory) return await DuckDBInstance.create(":memory:");
    // The process-wide cache lets a source and a sink in one process share a database file
    // (a second plain instance could not lock it); each handle is released on its own.
    return await DuckDBInstance.fromCache(location.path, readOnly ? { access_mode: "READ_ONLY" } : {});
  } catch (error) {
    const message = (error as Error).message;
    const locked = /lock/i.test(message);
    throw new FaucetError("connection", `could not open DuckDB database ${location.path}: ${message}`, {
      cause: error,
      connector: CONNECTOR,
      retryable: locked,
      hint: locked
        ? "another process holds the database open for writing; set read_only: true to read beside it"
        : "check `database` (a file path or :memory:) and that its directory exists",
    });
  }
}

/** Double-quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A chunk's columns turned into row objects. */
function toRows(
  columns: DuckDBValue[][],
  names: readonly string[],
  readers: readonly ValueReader[],
  count: number,
): ValueObject[] {
  const rows = new Array<ValueObject>(count);
  for (let r = 0; r < count; r++) rows[r] = {};
  for (let c = 0; c < names.length; c++) {
    const name = names[c] as string;
    const read = readers[c] as ValueReader;
    const values = columns[c] as DuckDBValue[];
    for (let r = 0; r < count; r++) {
      const value = values[r];
      (rows[r] as ValueObject)[name] = value === null || value === undefined ? null : read(value);
    }
  }
  return rows;
}

/** A JSON parameter as DuckDB binds it: objects and arrays as JSON text. */
function bindable(value: Value): DuckDBValue {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : (value as DuckDBValue);
}

function queryFailed(error: unknown, what: string): FaucetError {
  if (FaucetError.is(error)) return error;
  const message = (error as Error).message;
  const missing = /does not exist|not found|No files found/i.test(message);
  return new FaucetError("source", `${what}: ${message}`, {
    cause: error,
    connector: CONNECTOR,
    hint: missing ? "check the table or file names in the query" : "check the query",
  });
}

function readFailed(error: unknown): FaucetError {
  if (FaucetError.is(error)) return error;
  if (error instanceof LossyNumberError) {
    return new FaucetError("source", `${error.message} (read as a double it would change)`, {
      cause: error,
      connector: CONNECTOR,
      hint: "set json_big_numbers: string to read such numbers as strings of their exact digits",
    });
  }
  return queryFailed(error, "reading the query failed");
}

function missingKey(key: string): FaucetError {
  return new FaucetError("config", `replication_key \`${key}\` is not a column of the query's result`, {
    connector: CONNECTOR,
    hint: "name an output column of the query (check its spelling and case)",
  });
}

interface DiscoverRow {
  schema: string;
  name: string;
  kind: string;
  estimate: string | number | null;
  column: string;
  dataType: string;
  nullable: string;
}

const DISCOVER_SQL = `
SELECT t.table_schema AS schema, t.table_name AS name, t.table_type AS kind,
       (SELECT d.estimated_size FROM duckdb_tables() d WHERE d.schema_name = t.table_schema AND d.table_name = t.table_name AND d.database_name = t.table_catalog) AS estimate,
       c.column_name AS "column", c.data_type AS "dataType", c.is_nullable AS nullable
FROM information_schema.tables t
JOIN information_schema.columns c
  ON c.table_catalog = t.table_catalog AND c.table_schema = t.table_schema AND c.table_name = t.table_name
WHERE t.table_catalog = current_database() AND t.table_schema NOT IN ('information_schema', 'pg_catalog')
ORDER BY t.table_schema, t.table_name, c.ordinal_position`;

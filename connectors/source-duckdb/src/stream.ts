import type { DuckDBConnection, DuckDBInstance, DuckDBResult, DuckDBValue } from "@duckdb/node-api";
import {
  bigNumberWarning,
  collectDatasets,
  type DatabaseLocation,
  databaseLocation,
  decodeFailure,
  LazyResource,
  openDatabaseError,
  quoteIdentifier,
  ReadCursor,
  type ReadPlan,
} from "faucet-common-sql";
import {
  type CheckReport,
  type DatasetDescriptor,
  FaucetError,
  type FetchContext,
  fetchAll,
  type JsonSchema,
  type Logger,
  parseConfig,
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
  readonly #cursor: ReadCursor;
  readonly #logger: Logger;
  readonly #instance: LazyResource<DuckDBInstance>;

  constructor(config: DuckdbSourceConfigInput, options: DuckdbSourceOptions = {}) {
    this.config = parseConfig(DuckdbSourceConfig, config, { connector: CONNECTOR });
    const location = databaseLocation(this.config.database, ["duckdb"], options.baseDir);
    this.#location = location;
    this.#cursor = new ReadCursor(this.config, {
      connector: CONNECTOR,
      quoteIdent,
      qualifyTable: (table) => (table.includes('"') ? table : table.split(".").map(quoteIdent).join(".")),
      // `?` and `$n` cannot be mixed in one statement: follow the user's style.
      placeholder: (n, base) => (/\$\d/.test(base) ? `$${n}` : "?"),
    });
    this.#logger = options.logger ?? silentLogger;
    const readOnly = this.config.read_only;
    this.#instance = new LazyResource({
      open: () => openInstance(location, readOnly),
      end: (instance) => instance.closeSync(),
      connector: CONNECTOR,
      closedMessage: "the source is closed",
    });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(DuckdbSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return this.#cursor.capabilities();
  }

  stateKey(): string | undefined {
    return this.#cursor.stateKey(() => `duckdb:${this.#location.path}`);
  }

  applyStartBookmark(bookmark: Value): void {
    this.#cursor.bookmark = bookmark;
  }

  /** The SQL the next read runs: the query wrapped with the bookmark filter and key order. */
  plan(): ReadPlan {
    return this.#cursor.plan();
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  async *streamPages(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const abort = signal ?? ctx.signal;
    const pageSize = this.config.batch_size ?? batchSize;
    const connection = await this.#connect();
    try {
      if (this.#cursor.key !== undefined) this.#cursor.requireKey(await this.#columnNames(connection));
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
          onBigNumber: bigNumberWarning(this.#logger, CONNECTOR),
        }),
      );
      async function* chunks(): AsyncGenerator<ValueObject[]> {
        for (;;) {
          let rows: ValueObject[];
          try {
            const chunk = await result.fetchChunk();
            if (!chunk || chunk.rowCount === 0) return;
            rows = toRows(chunk.getColumns(), names, readers, chunk.rowCount);
          } catch (error) {
            throw decodeFailure(error, CONNECTOR) ?? queryFailed(error, "reading the query failed");
          }
          yield rows;
        }
      }
      yield* this.#cursor.pages(chunks(), pageSize, abort);
    } finally {
      connection.closeSync();
    }
  }

  /** Every table and view of the database, with column schemas. */
  async discover(): Promise<DatasetDescriptor[]> {
    const connection = await this.#connect();
    try {
      const reader = await connection.runAndReadAll(DISCOVER_SQL);
      return collectDatasets(reader.getRowObjectsJson() as unknown as DiscoverRow[], (row) => ({
        dataset: `${row.schema}.${row.name}`,
        kind: row.kind === "VIEW" ? "view" : "table",
        table: `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`,
        estimatedRows: row.estimate !== null ? Number(row.estimate) : undefined,
        column: row.column,
        schema: jsonSchemaForType(row.dataType, row.nullable === "YES"),
      }));
    } catch (error) {
      throw queryFailed(error, "listing tables failed");
    } finally {
      connection.closeSync();
    }
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return await this.#cursor.check(
      { name: "open", run: async () => (await this.#connect()).closeSync() },
      async () => {
        const connection = await this.#connect();
        try {
          return await this.#columnNames(connection);
        } finally {
          connection.closeSync();
        }
      },
    );
  }

  async close(): Promise<void> {
    await this.#instance.close();
  }

  async #connect(): Promise<DuckDBConnection> {
    return await (await this.#instance.get()).connect();
  }

  /** The base query's output columns, from a prepared statement (nothing runs). */
  async #columnNames(connection: DuckDBConnection): Promise<string[]> {
    try {
      const prepared = await connection.prepare(this.#cursor.baseQuery());
      return Array.from({ length: prepared.columnCount }, (_, i) => prepared.columnName(i));
    } catch (error) {
      throw queryFailed(error, "the query failed");
    }
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
    throw openDatabaseError(error, location, {
      engine: "DuckDB",
      connector: CONNECTOR,
      lockedHint: "another process holds the database open for writing; set read_only: true to read beside it",
      hint: "check `database` (a file path or :memory:) and that its directory exists",
    });
  }
}

/** Double-quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return quoteIdentifier(name, '"');
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

import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import {
  COLUMN_TYPES,
  COMMIT_TOKEN_TABLE,
  checkSinkTable,
  createTableSql,
  type DatabaseLocation,
  databaseLocation,
  ensureSinkTable,
  inTransaction,
  LazyResource,
  openDatabaseError,
  pageColumns,
  RowError,
  rowFailure,
  writePageOnce,
} from "faucet-common-sql";
import {
  type CheckReport,
  FaucetError,
  type FetchContext,
  type JsonSchema,
  type Logger,
  parseConfig,
  type SchemaChange,
  type Sink,
  type SinkCapabilities,
  type SinkSchema,
  schemaFor,
  silentLogger,
  type Value,
  type ValueObject,
} from "faucet-core";
import { type CellAppender, cellAppender, ValueError } from "./append.js";
import { DuckdbSinkConfig, type DuckdbSinkConfigInput, jsonColumn } from "./config.js";

const CONNECTOR = "sink-duckdb";

/** Options of {@link DuckdbSink} beyond its config. */
export interface DuckdbSinkOptions {
  logger?: Logger;
  /** A relative `database` resolves against this directory. Default: the working directory. */
  baseDir?: string;
}

/** One column of the destination table. */
interface Column {
  name: string;
  type: string;
  nullable: boolean;
}

/** Double-quotes an identifier for DuckDB. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Appends pages to a DuckDB table with the appender API, one transaction per page (a page that
 * fails leaves nothing behind), creating the table from the first page when asked. With
 * `delivery: exactly_once` the page and its commit token commit together.
 *
 * @example
 * const sink = new DuckdbSink({ database: "out/warehouse.duckdb", table_name: "orders", column_mapping: "auto_map" });
 * await sink.writeBatch([{ id: 1, total: "9.99" }]);
 * await sink.close();
 */
export class DuckdbSink implements Sink {
  readonly config: DuckdbSinkConfig;
  readonly #location: DatabaseLocation;
  readonly #logger: Logger;
  readonly #schema: string | undefined;
  readonly #name: string;
  readonly #json: string | undefined;
  readonly #database: LazyResource<OpenDatabase>;
  #columns: Map<string, Column> | undefined;
  #tokenTableReady = false;

  constructor(config: DuckdbSinkConfigInput, options: DuckdbSinkOptions = {}) {
    this.config = parseConfig(DuckdbSinkConfig, config, { connector: CONNECTOR });
    this.#location = databaseLocation(this.config.database, ["duckdb"], options.baseDir);
    this.#logger = options.logger ?? silentLogger;
    const dot = this.config.table_name.indexOf(".");
    this.#schema = dot > 0 ? this.config.table_name.slice(0, dot) : undefined;
    this.#name = dot > 0 ? this.config.table_name.slice(dot + 1) : this.config.table_name;
    this.#json = jsonColumn(this.config);
    this.#database = new LazyResource({
      open: () => this.#open(),
      end: ({ instance, connection }) => {
        connection.closeSync();
        instance.closeSync();
      },
      connector: CONNECTOR,
      closedMessage: "the sink is closed",
    });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(DuckdbSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return {
      writeModes: ["append"],
      replaySafeWrites: false,
      atomicWatermark: true,
      dedupsByKey: false,
      schemaEvolution: this.#json === undefined,
      // The appender flushes into the page's transaction: a writeBatch that fails is rolled back whole.
      atomicBatches: true,
    };
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.length === 0) return 0;
    const connection = await this.#connect();
    await this.#ensureTable(connection, records);
    return await this.#transaction(connection, () => this.#append(connection, records));
  }

  /** Appends the page and records `token` as `scope`'s last commit in one transaction. */
  async writeBatchIdempotent(records: readonly Value[], scope: string, token: string): Promise<number> {
    const connection = await this.#connect();
    await this.#ensureTokenTable(connection);
    if (records.length > 0) await this.#ensureTable(connection, records);
    return await this.#transaction(connection, () =>
      writePageOnce({
        rows: records.length,
        scope,
        token,
        connector: CONNECTOR,
        logger: this.#logger,
        committed: () => this.#token(connection, scope),
        write: () => this.#append(connection, records),
        save: () =>
          connection.run(
            `INSERT OR REPLACE INTO ${this.#tokenTable()} (scope, token, updated_at) VALUES ($1, $2, now())`,
            [scope, token],
          ),
      }),
    );
  }

  async lastCommittedToken(scope: string): Promise<string | undefined> {
    const connection = await this.#connect();
    await this.#ensureTokenTable(connection);
    return await this.#token(connection, scope);
  }

  async currentSchema(): Promise<SinkSchema | undefined> {
    if (this.#json !== undefined) return undefined;
    const columns = await this.#loadColumns(await this.#connect());
    return columns
      ? { columns: [...columns.values()].map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })) }
      : undefined;
  }

  async evolveSchema(change: SchemaChange): Promise<void> {
    const connection = await this.#connect();
    const table = this.#tableSql();
    try {
      for (const column of change.addColumns) {
        await connection.run(
          `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${COLUMN_TYPES.duckdb[column.type]}`,
        );
      }
      for (const name of change.relaxColumns ?? []) {
        await connection.run(`ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(name)} DROP NOT NULL`);
      }
    } catch (error) {
      throw sinkError(error, `evolving ${table} failed`);
    }
    this.#columns = undefined;
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return await checkSinkTable({
      connect: async () => {
        await this.#connect();
      },
      connectProbe: "open",
      table: this.#tableSql(),
      createTable: this.config.create_table,
      exists: async () => (await this.#loadColumns(await this.#connect())) !== undefined,
    });
  }

  async close(): Promise<void> {
    await this.#database.close();
  }

  /** Appends a page on the open transaction; a value DuckDB refuses fails with its record's index. */
  async #append(connection: DuckDBConnection, input: readonly Value[]): Promise<number> {
    const byName = this.#columns as Map<string, Column>;
    const columns = [...byName.values()];
    const json = this.#json;
    const records = json === undefined ? input : input.map((r) => ({ [json]: r }));
    let appender: DuckDBAppender | undefined;
    try {
      pageColumns(records, byName, { ignoreUnknown: this.config.ignore_unknown, tableName: this.#tableSql() });
      appender = await connection.createAppender(this.#name, this.#schema ?? null);
      const cells: CellAppender[] = columns.map((c, i) =>
        cellAppender((appender as DuckDBAppender).columnType(i), c.name === json),
      );
      const flushEvery = this.config.batch_size;
      for (let index = 0; index < records.length; index++) {
        const record = records[index] as ValueObject;
        for (let c = 0; c < columns.length; c++) {
          const name = (columns[c] as Column).name;
          const value = record[name];
          try {
            if (value === undefined) appender.appendDefault();
            else if (value === null) appender.appendNull();
            else (cells[c] as CellAppender)(appender, value);
          } catch (error) {
            throw new RowError(
              index,
              name,
              `record ${index}, column "${name}" (${(columns[c] as Column).type}) does not fit ${this.#tableSql()}: ${(error as Error).message}`,
            );
          }
        }
        appender.endRow();
        if (flushEvery > 0 && (index + 1) % flushEvery === 0) appender.flushSync();
      }
      appender.closeSync();
      appender = undefined;
      return records.length;
    } catch (error) {
      if (error instanceof RowError) throw rowFailure(error, CONNECTOR);
      throw sinkError(error, `appending to ${this.#tableSql()} failed (the page was not written)`);
    } finally {
      try {
        appender?.closeSync();
      } catch {
        // A half-appended row cannot be flushed; the transaction is rolled back anyway.
      }
    }
  }

  async #ensureTable(connection: DuckDBConnection, records: readonly Value[]): Promise<void> {
    this.#columns ??= await ensureSinkTable({
      connector: CONNECTOR,
      logger: this.#logger,
      dialect: "duckdb",
      config: this.config,
      jsonColumn: this.#json,
      jsonHint: "name an existing column in column_mapping: { json: { column } }, or use auto_map",
      table: this.#tableSql(),
      target: this.#tableSql(),
      records,
      load: () => this.#loadColumns(connection),
      create: async (columns, key) => {
        try {
          if (this.#schema) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#schema)}`);
          await connection.run(createTableSql(this.#tableSql(), columns, key, quoteIdent));
        } catch (error) {
          throw sinkError(error, `creating ${this.#tableSql()} failed`);
        }
      },
    });
  }

  async #loadColumns(connection: DuckDBConnection): Promise<Map<string, Column> | undefined> {
    try {
      const reader = await connection.runAndReadAll(
        "SELECT column_name AS name, data_type AS type, is_nullable = 'YES' AS nullable FROM information_schema.columns " +
          "WHERE table_catalog = current_database() AND table_schema = coalesce($1, current_schema()) AND table_name = $2 " +
          "ORDER BY ordinal_position",
        [this.#schema ?? null, this.#name],
      );
      const rows = reader.getRowObjectsJson() as unknown as Column[];
      return rows.length > 0 ? new Map(rows.map((c) => [c.name, c])) : undefined;
    } catch (error) {
      throw sinkError(error, "reading the table's columns failed");
    }
  }

  async #ensureTokenTable(connection: DuckDBConnection): Promise<void> {
    if (this.#tokenTableReady) return;
    try {
      if (this.#schema) await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.#schema)}`);
      await connection.run(
        `CREATE TABLE IF NOT EXISTS ${this.#tokenTable()} (scope VARCHAR PRIMARY KEY, token VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
    } catch (error) {
      throw sinkError(error, `creating ${COMMIT_TOKEN_TABLE} failed`);
    }
    this.#tokenTableReady = true;
  }

  async #token(connection: DuckDBConnection, scope: string): Promise<string | undefined> {
    try {
      const reader = await connection.runAndReadAll(`SELECT token FROM ${this.#tokenTable()} WHERE scope = $1`, [
        scope,
      ]);
      return (reader.getRowObjectsJson()[0] as { token?: string } | undefined)?.token;
    } catch (error) {
      throw sinkError(error, "reading the commit token failed");
    }
  }

  #tokenTable(): string {
    return this.#schema
      ? `${quoteIdent(this.#schema)}.${quoteIdent(COMMIT_TOKEN_TABLE)}`
      : quoteIdent(COMMIT_TOKEN_TABLE);
  }

  #tableSql(): string {
    return this.#schema ? `${quoteIdent(this.#schema)}.${quoteIdent(this.#name)}` : quoteIdent(this.#name);
  }

  /** Runs `fn` between BEGIN and COMMIT; any failure rolls the whole page back. */
  async #transaction<T>(connection: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
    return await inTransaction((sql) => connection.run(sql), fn, {
      begin: "BEGIN TRANSACTION",
      wrap: (error) => sinkError(error, "the transaction failed"),
    });
  }

  async #connect(): Promise<DuckDBConnection> {
    return (await this.#database.get()).connection;
  }

  async #open(): Promise<OpenDatabase> {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const { mkdir } = await import("node:fs/promises");
    const { dirname } = await import("node:path");
    const location = this.#location;
    let instance: DuckDBInstance | undefined;
    try {
      if (!location.memory) await mkdir(dirname(location.path), { recursive: true });
      // The process-wide cache lets a source and a sink in one process share a database file.
      instance = location.memory
        ? await DuckDBInstance.create(":memory:")
        : await DuckDBInstance.fromCache(location.path);
      return { instance, connection: await instance.connect() };
    } catch (error) {
      // The next write opens afresh: release a handle this attempt got before it failed.
      instance?.closeSync();
      throw openDatabaseError(error, location, {
        engine: "DuckDB",
        connector: CONNECTOR,
        lockedHint: "another process holds the database open; stop it, or write to another file",
        hint: "check `database` (a file path or :memory:) and that its directory can be written",
      });
    }
  }
}

/** The sink's database handle and its one connection, opened together on first use. */
interface OpenDatabase {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
}

function sinkError(error: unknown, what: string): FaucetError {
  if (FaucetError.is(error)) return error;
  if (error instanceof ValueError)
    return new FaucetError("sink", `${what}: ${error.message}`, { cause: error, connector: CONNECTOR });
  const message = (error as Error).message;
  return new FaucetError("sink", `${what}: ${message}`, {
    cause: error,
    connector: CONNECTOR,
    retryable: /conflict/i.test(message),
    ...(/does not exist/i.test(message) ? { hint: "check the table name (and create_table)" } : {}),
  });
}

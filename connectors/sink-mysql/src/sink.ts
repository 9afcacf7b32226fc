import {
  COLUMNS_SQL,
  type LiteralEncoder,
  literalFor,
  type MysqlColumn,
  MysqlPool,
  queryError,
  quoteIdent,
  splitQualifiedName,
  ValueError,
} from "faucet-common-mysql";
import {
  COLUMN_TYPES,
  checkSinkTable,
  createTableSql,
  ensureSinkTable,
  inTransaction,
  keyColumnsOf,
  OverwriteTarget,
  type PackedStatement,
  packStatements,
  pageColumns,
  planKeyedWrites,
  RowError,
  rowFailure,
  type TableOps,
  transactionalSinkCapabilities,
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
import type { PoolConnection, RowDataPacket } from "mysql2/promise";
import { jsonColumn, MysqlSinkConfig, type MysqlSinkConfigInput } from "./config.js";
import {
  DATA_ERRNOS,
  deleteHead,
  EXISTS_SQL,
  errorColumn,
  insertHead,
  onDuplicateSql,
  retiredTable,
  SINK_SQL_MODE,
  sqlName,
  stagingTable,
  statementRow,
  type TableRef,
  tokenTable,
  tokenTableSql,
} from "./sql.js";

const CONNECTOR = "sink-mysql";
/** Bytes kept free under max_allowed_packet for the protocol's own framing. */
const PACKET_HEADROOM = 64 * 1024;

/** Options of {@link MysqlSink} beyond its config. */
export interface MysqlSinkOptions {
  logger?: Logger;
}

type Columns = Map<string, MysqlColumn>;

/** A column of a page with the encoder of its values. */
interface PageColumn {
  column: MysqlColumn;
  encode: LiteralEncoder;
}

/**
 * Writes pages to a MySQL/MariaDB table, one transaction per page, as multi-row INSERTs packed
 * under the server's `max_allowed_packet`: upsert with `ON DUPLICATE KEY UPDATE`, delete by key,
 * overwrite through a staging table swapped in with one atomic `RENAME TABLE`, schema evolution,
 * and exactly-once commits that write a page and its commit token together. The session is
 * strict, so a value that does not fit fails its page (naming the record) instead of being cut.
 *
 * @example
 * const sink = new MysqlSink({ connection_url: "mysql://root@127.0.0.1:3306/test", table_name: "orders", column_mapping: "auto_map" });
 * await sink.writeBatch([{ id: 1, total: "9.99" }]);
 * await sink.close();
 */
export class MysqlSink implements Sink {
  readonly config: MysqlSinkConfig;
  readonly #pool: MysqlPool;
  readonly #logger: Logger;
  readonly #table: TableRef;
  readonly #json: string | undefined;
  readonly #overwrite: OverwriteTarget<TableRef, TableOps<TableRef>>;
  #columns: Columns | undefined;
  #tokenTableReady = false;

  constructor(config: MysqlSinkConfigInput, options: MysqlSinkOptions = {}) {
    this.config = parseConfig(MysqlSinkConfig, config, { connector: CONNECTOR });
    this.#logger = options.logger ?? silentLogger;
    this.#pool = new MysqlPool(this.config, {
      connector: CONNECTOR,
      maxConnections: this.config.max_connections,
      logger: this.#logger,
      session: [SINK_SQL_MODE],
    });
    let parts: ReturnType<typeof splitQualifiedName>;
    try {
      parts = splitQualifiedName(this.config.table_name);
    } catch (error) {
      throw new FaucetError("config", (error as Error).message, { connector: CONNECTOR });
    }
    this.#table = { database: parts.database, name: parts.table };
    this.#json = jsonColumn(this.config);
    this.#overwrite = new OverwriteTarget<TableRef, TableOps<TableRef>>({
      table: this.#table,
      staging: stagingTable(this.#table),
      withTables: (fn) => this.#pool.withConnection((connection) => fn(this.#tables(connection))),
      createLikeSql: (staging, table) => `CREATE TABLE ${staging} LIKE ${table}`,
      swap: (tables, staging) => this.#swap(tables, staging),
      onRetarget: () => {
        this.#columns = undefined;
      },
    });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(MysqlSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return transactionalSinkCapabilities(this.config, this.#json);
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.length === 0) return 0;
    return await this.#pool.withConnection(async (connection) => {
      await this.#ensureTable(connection, records);
      return await this.#transaction(connection, () => this.#writeRows(connection, records));
    });
  }

  /**
   * Writes the page and records `token` as `scope`'s last commit in one transaction. A token whose
   * sequence is not beyond the one already committed is a replay: nothing is written.
   */
  async writeBatchIdempotent(records: readonly Value[], scope: string, token: string): Promise<number> {
    return await this.#pool.withConnection(async (connection) => {
      await this.#ensureTokenTable(connection);
      if (records.length > 0) await this.#ensureTable(connection, records);
      const tokens = sqlName(tokenTable(this.#table.database));
      return await this.#transaction(connection, () =>
        writePageOnce({
          rows: records.length,
          scope,
          token,
          connector: CONNECTOR,
          logger: this.#logger,
          committed: async () => {
            // FOR UPDATE serializes writers of one scope until this page commits.
            const [rows] = await connection.query<RowDataPacket[]>(
              `SELECT token FROM ${tokens} WHERE scope = ? FOR UPDATE`,
              [scope],
            );
            return rows[0]?.token as string | undefined;
          },
          write: () => this.#writeRows(connection, records),
          save: () =>
            connection.query(
              `INSERT INTO ${tokens} (scope, token, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP(6)) ` +
                "ON DUPLICATE KEY UPDATE token = VALUES(token), updated_at = VALUES(updated_at)",
              [scope, token],
            ),
        }),
      );
    });
  }

  async lastCommittedToken(scope: string): Promise<string | undefined> {
    return await this.#pool.withConnection(async (connection) => {
      await this.#ensureTokenTable(connection);
      const [rows] = await this.#run<RowDataPacket[]>(
        connection,
        `SELECT token FROM ${sqlName(tokenTable(this.#table.database))} WHERE scope = ?`,
        [scope],
        "reading the commit token failed",
      );
      return rows[0]?.token as string | undefined;
    });
  }

  async currentSchema(): Promise<SinkSchema | undefined> {
    if (this.#json !== undefined) return undefined;
    const target = this.#overwrite.target;
    const columns = await this.#pool.withConnection((connection) => this.#loadColumns(connection, target));
    if (!columns) return undefined;
    return {
      columns: [...columns.values()].map((c) => ({ name: c.name, type: c.columnType, nullable: c.nullable })),
    };
  }

  async evolveSchema(change: SchemaChange): Promise<void> {
    const target = this.#overwrite.target;
    const table = sqlName(target);
    await this.#pool.withConnection(async (connection) => {
      const existing = (await this.#loadColumns(connection, target)) ?? new Map<string, MysqlColumn>();
      const actions = [
        ...change.addColumns
          .filter((c) => !existing.has(c.name))
          .map((c) => `ADD COLUMN ${quoteIdent(c.name)} ${COLUMN_TYPES.mysql[c.type]} NULL`),
        ...(change.relaxColumns ?? [])
          .map((name) => existing.get(name))
          .filter((c): c is MysqlColumn => c !== undefined && !c.nullable)
          .map((c) => `MODIFY COLUMN ${quoteIdent(c.name)} ${c.columnType} NULL`),
      ];
      if (actions.length === 0) return;
      await this.#run(connection, `ALTER TABLE ${table} ${actions.join(", ")}`, [], `evolving ${table} failed`);
    });
    this.#columns = undefined;
  }

  /** write_mode: overwrite — later writes go to a fresh staging table shaped like the target. */
  async beginOverwrite(): Promise<void> {
    if (this.config.write_mode === "overwrite") await this.#overwrite.begin();
  }

  /** Swaps the staging table in for the target with one atomic `RENAME TABLE`. */
  async commitOverwrite(): Promise<void> {
    await this.#overwrite.commit();
  }

  /** Drops the staging table; the target is untouched. */
  async abortOverwrite(): Promise<void> {
    await this.#overwrite.abort();
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return await checkSinkTable({
      connect: () => this.#pool.query("SELECT 1", [], "connection"),
      table: sqlName(this.#table),
      createTable: this.config.create_table,
      exists: () => this.#pool.withConnection((connection) => this.#exists(connection, this.#table)),
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  /** The table writes go to: the staging table during an overwrite. */
  get #target(): TableRef {
    return this.#overwrite.target;
  }

  /** One connection's table operations, for the overwrite. */
  #tables(connection: PoolConnection): TableOps<TableRef> {
    return {
      name: sqlName,
      exists: (table) => this.#exists(connection, table),
      run: (sql, what) => this.#run(connection, sql, [], what),
    };
  }

  /** Puts the staging table in the target's place with one atomic `RENAME TABLE`. */
  async #swap(tables: TableOps<TableRef>, staging: TableRef): Promise<void> {
    const target = sqlName(this.#table);
    if (!(await tables.exists(this.#table))) {
      await tables.run(`RENAME TABLE ${sqlName(staging)} TO ${target}`, "swapping in the table failed");
      return;
    }
    const retired = retiredTable(this.#table);
    await tables.run(`DROP TABLE IF EXISTS ${sqlName(retired)}`, "dropping an old table failed");
    await tables.run(
      `RENAME TABLE ${target} TO ${sqlName(retired)}, ${sqlName(staging)} TO ${target}`,
      "swapping in the table failed",
    );
    await tables.run(`DROP TABLE ${sqlName(retired)}`, "dropping the old table failed");
  }

  /** Writes one page on `connection` (inside the caller's transaction). */
  async #writeRows(connection: PoolConnection, input: readonly Value[]): Promise<number> {
    const columns = this.#columns as Columns;
    const json = this.#json;
    const records = json === undefined ? input : input.map((r) => ({ [json]: r }));
    const mode = this.config.write_mode;
    const tableName = sqlName(this.#target);
    const maxBytes = (await this.#pool.maxAllowedPacket()) - PACKET_HEADROOM;
    const offset = this.#pool.target.offsetMinutes;
    const encoded = (list: readonly MysqlColumn[]): PageColumn[] =>
      list.map((column) => ({ column, encode: literalFor(column, offset) }));
    try {
      if (mode === "delete" || mode === "upsert") {
        const keys = encoded(keyColumnsOf(columns, this.config.key, tableName, CONNECTOR));
        const plan = planKeyedWrites(records, {
          mode,
          key: this.config.key,
          marker: this.config.delete_marker,
        });
        if (plan.deletes.length > 0) {
          const head = deleteHead(this.#target, this.config.key);
          const tuple = keys.length === 1 ? cellsOf(keys, "") : cellsOf(keys, "()");
          await this.#statements(connection, plan.deletes, plan.deleteIndex, tuple, { head, tail: ")", maxBytes });
        }
        if (plan.upserts.length > 0) {
          const page = encoded(
            pageColumns(plan.upserts, columns, {
              ignoreUnknown: this.config.ignore_unknown,
              skip: this.config.delete_marker?.field,
              tableName,
            }),
          );
          const head = insertHead(
            this.#target,
            page.map((c) => c.column),
          );
          const tail = onDuplicateSql(
            page.map((c) => c.column),
            this.config.key,
          );
          await this.#statements(connection, plan.upserts, plan.upsertIndex, cellsOf(page, "()"), {
            head,
            tail,
            maxBytes,
          });
        }
        return plan.upserts.length + plan.deletes.length;
      }
      const page = encoded(pageColumns(records, columns, { ignoreUnknown: this.config.ignore_unknown, tableName }));
      if (page.length === 0) throw new RowError(0, undefined, `the page has no key that is a column of ${tableName}`);
      const head = insertHead(
        this.#target,
        page.map((c) => c.column),
      );
      await this.#statements(connection, records, undefined, cellsOf(page, "()"), { head, tail: "", maxBytes });
      return records.length;
    } catch (error) {
      if (error instanceof RowError) throw rowFailure(error, CONNECTOR);
      throw FaucetError.is(error)
        ? error
        : queryError(error, "sink", CONNECTOR, `writing to ${tableName} failed (the page was not written)`);
    }
  }

  /**
   * Runs `records` as multi-row statements packed under the packet limit and `batch_size`. A data
   * error names the page's record: from the server's `at row N` when it says, else by bisecting
   * the failed statement under a savepoint (the page's transaction is rolled back either way).
   */
  async #statements(
    connection: PoolConnection,
    records: readonly Value[],
    indexMap: readonly number[] | undefined,
    tuple: (record: ValueObject, index: number) => string,
    options: { head: string; tail: string; maxBytes: number },
  ): Promise<void> {
    const render = (i: number) => tuple(records[i] as ValueObject, indexMap?.[i] ?? i);
    const packed = packStatements(records.length, render, { ...options, maxRows: this.config.batch_size });
    for (const statement of packed) {
      try {
        await connection.query(statement.sql);
      } catch (error) {
        const errno = (error as { errno?: number }).errno ?? 0;
        if (!DATA_ERRNOS.has(errno)) throw error;
        const row = statementRow(error) ?? (await this.#locate(connection, statement, render, options));
        if (row === undefined) throw error;
        const index = indexMap?.[statement.from + row] ?? statement.from + row;
        const column = errorColumn(error);
        throw new RowError(
          index,
          column,
          `record ${index}${column ? `, column "${column}"` : ""} does not fit ${sqlName(this.#target)}: ${(error as { sqlMessage?: string }).sqlMessage ?? String(error)}`,
        );
      }
    }
  }

  /** The 0-based row of a failed statement that fails alone, found by bisection under a savepoint. */
  async #locate(
    connection: PoolConnection,
    statement: PackedStatement,
    render: (i: number) => string,
    options: { head: string; tail: string },
  ): Promise<number | undefined> {
    const fails = async (from: number, to: number): Promise<boolean> => {
      const parts: string[] = [];
      for (let i = from; i < to; i++) parts.push(render(i));
      try {
        await connection.query(options.head + parts.join(",") + options.tail);
        await connection.query("ROLLBACK TO SAVEPOINT faucet_locate");
        return false;
      } catch {
        return true;
      }
    };
    await connection.query("SAVEPOINT faucet_locate");
    let from = statement.from;
    let to = statement.to;
    while (to - from > 1) {
      const middle = from + Math.floor((to - from) / 2);
      if (await fails(from, middle)) to = middle;
      else if (await fails(middle, to)) from = middle;
      else return undefined; // only the rows together fail (e.g. a duplicate key between them)
    }
    return from - statement.from;
  }

  /** Makes sure the write target exists (creating it when allowed) and knows its columns. */
  async #ensureTable(connection: PoolConnection, records: readonly Value[]): Promise<void> {
    this.#columns ??= await ensureSinkTable({
      connector: CONNECTOR,
      logger: this.#logger,
      dialect: "mysql",
      config: this.config,
      jsonColumn: this.#json,
      jsonHint: "name an existing JSON column in column_mapping: { json: { column } }, or use auto_map",
      table: sqlName(this.#table),
      target: sqlName(this.#target),
      records,
      load: () => this.#loadColumns(connection, this.#target),
      create: async (columns, key) => {
        const sql = createTableSql(
          sqlName(this.#target),
          columns,
          key,
          quoteIdent,
          " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        );
        await this.#run(connection, sql, [], `creating ${sqlName(this.#target)} failed`);
      },
    });
  }

  async #loadColumns(connection: PoolConnection, table: TableRef): Promise<Columns | undefined> {
    const [rows] = await this.#run<RowDataPacket[]>(
      connection,
      COLUMNS_SQL,
      [table.database ?? null, table.name],
      "reading the table's columns failed",
    );
    if (rows.length === 0) return undefined;
    const columns: Columns = new Map();
    for (const row of rows) {
      columns.set(row.name as string, {
        name: row.name as string,
        dataType: row.dataType as string,
        columnType: row.columnType as string,
        nullable: Boolean(Number(row.nullable)),
        generated: Boolean(Number(row.generated)),
        json: Boolean(Number(row.json)),
      });
    }
    return columns;
  }

  async #exists(connection: PoolConnection, table: TableRef): Promise<boolean> {
    const [rows] = await this.#run<RowDataPacket[]>(
      connection,
      EXISTS_SQL,
      [table.database ?? null, table.name],
      "looking up the table failed",
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async #ensureTokenTable(connection: PoolConnection): Promise<void> {
    if (this.#tokenTableReady) return;
    await this.#run(connection, tokenTableSql(this.#table.database), [], "creating _faucet_commit_token failed");
    this.#tokenTableReady = true;
  }

  async #run<T extends RowDataPacket[] = RowDataPacket[]>(
    connection: PoolConnection,
    sql: string,
    params: unknown[],
    what: string,
  ): Promise<[T, unknown]> {
    try {
      return (await connection.query<T>(sql, params)) as [T, unknown];
    } catch (error) {
      throw queryError(error, "sink", CONNECTOR, what);
    }
  }

  /** Runs `fn` between START TRANSACTION and COMMIT; any failure rolls the whole page back. */
  async #transaction<T>(connection: PoolConnection, fn: () => Promise<T>): Promise<T> {
    return await inTransaction((sql, what) => this.#run(connection, sql, [], what), fn, {
      begin: "START TRANSACTION",
      wrap: (error) => queryError(error, "sink", CONNECTOR, "the transaction failed"),
    });
  }
}

/**
 * Renders a record's cells: `(a,b)` with `()`, or bare `a` for a single key in `IN (…)`. A value
 * the column cannot take fails with the record's page index.
 */
function cellsOf(columns: readonly PageColumn[], brackets: "" | "()"): (record: ValueObject, index: number) => string {
  const last = columns.length - 1;
  return (record, index) => {
    let out = brackets === "" ? "" : "(";
    for (let c = 0; c <= last; c++) {
      const { column, encode } = columns[c] as PageColumn;
      try {
        out += encode(record[column.name]);
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        throw new RowError(
          index,
          column.name,
          `record ${index}, column "${column.name}" (${column.columnType}): ${error.message}`,
        );
      }
      if (c < last) out += ",";
    }
    return brackets === "" ? out : `${out})`;
  };
}

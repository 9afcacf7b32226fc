import {
  COLUMN_TYPES,
  COMMIT_TOKEN_TABLE,
  createTableSql,
  planKeyedWrites,
  plannedColumns,
  type RowError,
  rowsPerStatement,
} from "faucet-common-sql";
import {
  checkpoint,
  type Database,
  MAX_VARIABLES,
  needsIntegerBinding,
  openDatabase,
  parseDatabaseUrl,
  quoteIdentifier,
  sqliteError,
  toSqlite,
} from "faucet-common-sqlite";
import {
  type CheckReport,
  FaucetError,
  isValueObject,
  type JsonSchema,
  type PartialWriteResult,
  parseConfig,
  probe,
  type RowFailure,
  type SchemaChange,
  type Sink,
  type SinkCapabilities,
  type SinkSchema,
  schemaFor,
  type Value,
  type ValueObject,
} from "faucet-core";
import { jsonColumn, SqliteSinkConfig, type SqliteSinkInput } from "./config.js";

const CONNECTOR = "sink-sqlite";

type Statement = ReturnType<Database["prepare"]>;

/** A column of the destination table. */
interface Column {
  name: string;
  type: string;
  notNull: boolean;
  /** Bind integers as INTEGER, not REAL (TEXT and untyped columns). */
  integerBinding: boolean;
}

/** Options of {@link SqliteSink} that are not part of its config. */
export interface SqliteSinkOptions {
  /** A relative database path resolves against this directory. Default: the working directory. */
  baseDir?: string;
}

/**
 * Writes records into a SQLite table (on `libsql`): one `BEGIN IMMEDIATE … COMMIT` transaction
 * per page with multi-row INSERTs kept under SQLite's variable limit, WAL journaling and a busy
 * timeout. `column_mapping: auto_map` maps keys to columns (creating the table from the first
 * page when it is missing), `json` stores each record as JSON text. `write_mode: upsert` and
 * `delete` work by `key`; a page is all-or-nothing, so nothing is ever half-written.
 *
 * @example
 * import { SqliteSink } from "faucet-sink-sqlite";
 *
 * const sink = new SqliteSink({ database_url: "out/app.db", table_name: "orders", column_mapping: "auto_map", write_mode: "upsert", key: ["id"] });
 */
export class SqliteSink implements Sink {
  readonly config: SqliteSinkConfig;
  readonly #path: string;
  readonly #memory: boolean;
  readonly #table: string;
  #db: Promise<Database> | undefined;
  /** The table's columns once known; undefined while not loaded, null when the table is missing. */
  #columns: Map<string, Column> | null | undefined;
  #statements = new Map<string, Statement>();
  #closed = false;
  /** Pages committed since the last flush. */
  #dirty = false;

  constructor(config: SqliteSinkInput, options: SqliteSinkOptions = {}) {
    this.config = parseConfig(SqliteSinkConfig, config, { connector: CONNECTOR });
    const location = parseDatabaseUrl(this.config.database_url, options.baseDir);
    this.#path = location.path;
    this.#memory = location.memory;
    this.#table = quoteIdentifier(this.config.table_name);
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(SqliteSinkConfig);
  }

  capabilities(): SinkCapabilities {
    const keyed = this.config.write_mode !== "append";
    const auto = this.config.column_mapping === "auto_map";
    return {
      writeModes: auto ? ["append", "upsert", "delete"] : ["append"],
      replaySafeWrites: keyed,
      atomicWatermark: true,
      dedupsByKey: keyed,
      schemaEvolution: auto,
      // One BEGIN IMMEDIATE … COMMIT per page: a writeBatch that fails is rolled back whole.
      atomicBatches: true,
    };
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    return (await this.#write(records, false)).written;
  }

  async writeBatchPartial(records: readonly Value[]): Promise<PartialWriteResult> {
    return await this.#write(records, true);
  }

  async writeBatchIdempotent(records: readonly Value[], scope: string, token: string): Promise<number> {
    return (await this.#write(records, false, { scope, token })).written;
  }

  async lastCommittedToken(scope: string): Promise<string | undefined> {
    const db = await this.#database();
    return this.#run("read the commit token", () => {
      const exists = db
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?")
        .raw(true)
        .get(COMMIT_TOKEN_TABLE);
      if (!exists) return undefined;
      const row = db.prepare(`SELECT token FROM ${COMMIT_TOKEN_TABLE} WHERE scope = ?`).raw(true).get(scope) as
        | [string]
        | undefined;
      return row?.[0];
    });
  }

  async currentSchema(): Promise<SinkSchema | undefined> {
    if (this.config.column_mapping !== "auto_map") return undefined;
    const db = await this.#database();
    const columns = this.#loadColumns(db);
    if (!columns) return undefined;
    return { columns: [...columns.values()].map((c) => ({ name: c.name, type: c.type, nullable: !c.notNull })) };
  }

  async evolveSchema(change: SchemaChange): Promise<void> {
    if (this.config.column_mapping !== "auto_map") {
      throw new FaucetError("schema_drift", "schema evolution needs column_mapping: auto_map", {
        connector: CONNECTOR,
      });
    }
    if (change.addColumns.length === 0) return;
    const db = await this.#database();
    const columns = this.#loadColumns(db);
    if (!columns) {
      throw new FaucetError("schema_drift", `table ${this.config.table_name} does not exist, so it cannot evolve`, {
        connector: CONNECTOR,
      });
    }
    // SQLite cannot drop NOT NULL in place; relaxations are left as they are.
    const fresh = change.addColumns.filter((c) => !columns.has(c.name));
    if (fresh.length === 0) return;
    this.#run("add columns", () => {
      for (const column of fresh)
        db.exec(
          `ALTER TABLE ${this.#table} ADD COLUMN ${quoteIdentifier(column.name)} ${COLUMN_TYPES.sqlite[column.type]}`,
        );
    });
    this.#columns = undefined;
    this.#statements.clear();
    this.#loadColumns(db);
  }

  async check(): Promise<CheckReport> {
    const probes = [await probe("database opens", () => this.#database(), "check database_url")];
    probes.push(
      await probe("table usable", async () => {
        if (probes[0]?.status !== "pass") return { skip: "the database did not open" };
        const columns = this.#loadColumns(await this.#database());
        if (!columns && !this.config.create_table) throw this.#missingTable();
        return columns ? undefined : { skip: "the table does not exist yet; the first page creates it" };
      }),
    );
    return { probes };
  }

  /** Makes every committed page durable (a WAL checkpoint syncs the log): called before a bookmark is saved. */
  async flush(): Promise<void> {
    if (this.#closed || this.#memory || !this.#db || !this.#dirty) return;
    const db = await this.#database();
    this.#run("make the written pages durable", () => checkpoint(db));
    this.#dirty = false;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    const db = await this.#db?.catch(() => undefined);
    db?.close();
  }

  // -- writing ---------------------------------------------------------------------------------

  async #write(
    records: readonly Value[],
    partial: boolean,
    watermark?: { scope: string; token: string },
  ): Promise<PartialWriteResult> {
    const db = await this.#database();
    if (records.length === 0 && !watermark) return { written: 0, failures: [] };
    const auto = this.config.column_mapping === "auto_map";
    const failures: RowFailure[] = [];
    let rows: Value[];
    let rowIndex: number[] | undefined;
    let deletes: Value[][] = [];
    let deleteIndex: number[] = [];
    if (this.config.write_mode === "append") {
      rows = auto ? [] : (records as Value[]);
      if (auto) {
        rowIndex = [];
        for (let i = 0; i < records.length; i++) {
          const record = records[i];
          if (isValueObject(record)) {
            rows.push(record);
            rowIndex.push(i);
          } else failures.push({ index: i, error: notObject(i, record) });
        }
      }
    } else {
      const key = this.config.key;
      const plan = planKeyedWrites(records, {
        mode: this.config.write_mode,
        key,
        marker: this.config.delete_marker,
        // Keys compare by their JSON (1 and "1" are two keys), as SQLite's untyped columns keep them.
        keyText: (_column, value) => JSON.stringify(value),
        stripMarker: true,
        onRowError: (error) => failures.push({ index: error.index, error: keyError(error, key) }),
      });
      rows = plan.upserts;
      rowIndex = plan.upsertIndex;
      deletes = plan.deletes.map((record) => key.map((column) => record[column] as Value));
      deleteIndex = plan.deleteIndex;
    }
    if (failures.length > 0 && !partial) throw pageError(failures, records.length);
    // A page with nothing to write (an exactly-once page of only a bookmark) needs no table.
    const touches = rows.length > 0 || deletes.length > 0;
    const columns = touches ? this.#prepareTable(db, rows as ValueObject[]) : undefined;
    const insert = auto && columns ? this.#insertColumns(rows as ValueObject[], columns) : [];

    this.#run("begin a transaction", () => db.exec("BEGIN IMMEDIATE"));
    try {
      if (auto) this.#insertRows(db, rows as ValueObject[], insert, rowIndex, partial ? failures : undefined);
      else this.#insertJson(db, rows, partial ? failures : undefined);
      if (deletes.length > 0) this.#deleteKeys(db, deletes, deleteIndex, partial ? failures : undefined);
      if (watermark) this.#saveToken(db, watermark.scope, watermark.token);
      this.#run("commit the page", () => db.exec("COMMIT"));
      this.#dirty = true;
    } catch (error) {
      if (db.inTransaction) db.exec("ROLLBACK");
      throw this.#error(error, `write a page to ${this.config.table_name}`);
    }
    failures.sort((a, b) => a.index - b.index);
    return { written: records.length - failures.length, failures };
  }

  /** Loads the table, creating it from `rows` when it is missing; returns its columns. */
  #prepareTable(db: Database, rows: ValueObject[]): Map<string, Column> {
    let columns = this.#loadColumns(db);
    if (!columns) {
      if (!this.config.create_table) throw this.#missingTable();
      this.#run(`create table ${this.config.table_name}`, () => db.exec(this.#createTableSql(rows)));
      this.#columns = undefined;
      columns = this.#loadColumns(db) as Map<string, Column>;
    }
    const json = jsonColumn(this.config);
    if (json !== undefined && !columns.has(json)) {
      throw new FaucetError(
        "sink",
        `table ${this.config.table_name} has no column ${JSON.stringify(json)} to hold the JSON records`,
        {
          connector: CONNECTOR,
          hint: `add the column, or set column_mapping: { json: { column: <an existing TEXT column> } }`,
        },
      );
    }
    return columns;
  }

  #createTableSql(rows: ValueObject[]): string {
    const json = jsonColumn(this.config);
    const key = json === undefined ? this.config.key : [];
    const columns = plannedColumns(rows, { dialect: "sqlite", jsonColumn: json, key });
    if (columns.length === 0) {
      throw new FaucetError(
        "sink",
        `cannot create table ${this.config.table_name}: the first page has no keys to make columns of`,
        {
          connector: CONNECTOR,
          hint: "create the table yourself, or send records with at least one key",
        },
      );
    }
    // A key makes a PRIMARY KEY (upsert and delete need one; with append it guards against duplicates).
    return createTableSql(this.#table, columns, key, quoteIdentifier);
  }

  /** The table's columns (cached), or null when it does not exist. Checks upsert's key constraint. */
  #loadColumns(db: Database): Map<string, Column> | null {
    if (this.#columns !== undefined) return this.#columns;
    const info = this.#run("read the table's columns", () =>
      db.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').raw(true).all(this.config.table_name),
    ) as [string, string, number, number][];
    if (info.length === 0) {
      this.#columns = null;
      return null;
    }
    const columns = new Map<string, Column>();
    for (const [name, type, notNull] of info) {
      columns.set(name, { name, type, notNull: notNull === 1, integerBinding: needsIntegerBinding(type) });
    }
    if (this.config.write_mode === "upsert") this.#checkUpsertKey(db, info);
    this.#columns = columns;
    return columns;
  }

  /** Upsert needs a PRIMARY KEY or UNIQUE constraint on exactly the key columns. */
  #checkUpsertKey(db: Database, info: [string, string, number, number][]): void {
    const key = [...this.config.key].sort().join("\u0000");
    const primary = info
      .filter((c) => c[3] > 0)
      .map((c) => c[0])
      .sort()
      .join("\u0000");
    if (primary === key) return;
    const indexes = this.#run("read the table's indexes", () =>
      db.prepare('SELECT name FROM pragma_index_list(?) WHERE "unique" = 1').raw(true).all(this.config.table_name),
    ) as [string][];
    for (const [index] of indexes) {
      const cols = (db.prepare("SELECT name FROM pragma_index_info(?)").raw(true).all(index) as [string][])
        .map((r) => r[0])
        .sort();
      if (cols.join("\u0000") === key) return;
    }
    const list = this.config.key.join(", ");
    throw new FaucetError(
      "sink",
      `write_mode: upsert on (${list}) needs a PRIMARY KEY or UNIQUE constraint on exactly those columns, and table ${this.config.table_name} has none`,
      {
        connector: CONNECTOR,
        hint: `create one: CREATE UNIQUE INDEX ${this.config.table_name}_key ON ${this.#table} (${this.config.key.map(quoteIdentifier).join(", ")})`,
      },
    );
  }

  /** The table columns this page writes, in table order; a key that is not a column is drift. */
  #insertColumns(rows: ValueObject[], columns: Map<string, Column>): Column[] {
    const used = new Set<string>();
    const unknown = new Set<string>();
    for (const row of rows) {
      for (const key in row) {
        if (row[key] === undefined) continue;
        if (columns.has(key)) used.add(key);
        else unknown.add(key);
      }
    }
    if (unknown.size > 0) {
      throw new FaucetError(
        "schema_drift",
        `records carry keys that are not columns of table ${this.config.table_name}: ${[...unknown].join(", ")}`,
        {
          connector: CONNECTOR,
          hint: "set schema.on_drift: evolve to add them (ALTER TABLE ADD COLUMN), add the columns yourself, or drop the keys with a transform",
        },
      );
    }
    return [...columns.values()].filter((c) => used.has(c.name));
  }

  #insertRows(
    db: Database,
    rows: ValueObject[],
    columns: Column[],
    index: number[] | undefined,
    failures: RowFailure[] | undefined,
  ): void {
    if (rows.length === 0) return;
    if (columns.length === 0) {
      const statement = this.#statement(db, `INSERT INTO ${this.#table} DEFAULT VALUES`);
      for (let i = 0; i < rows.length; i++) statement.run([]);
      return;
    }
    const names = columns.map((c) => c.name);
    const bigints = columns.map((c) => c.integerBinding);
    const per = rowsPerStatement(columns.length, MAX_VARIABLES, this.config.batch_size);
    const conflict = this.#conflictClause(names);
    const bind = (chunk: ValueObject[]): unknown[] => {
      const params: unknown[] = new Array(chunk.length * names.length);
      let p = 0;
      for (const row of chunk)
        for (let c = 0; c < names.length; c++) params[p++] = toSqlite(row[names[c] as string], bigints[c]);
      return params;
    };
    const sql = (n: number) =>
      `INSERT INTO ${this.#table} (${names.map(quoteIdentifier).join(", ")}) VALUES ${tuples(n, names.length)}${conflict}`;
    this.#chunks(db, rows, per, sql, bind, index, failures);
  }

  #insertJson(db: Database, rows: Value[], failures: RowFailure[] | undefined): void {
    if (rows.length === 0) return;
    const column = quoteIdentifier(jsonColumn(this.config) as string);
    const sql = (n: number) => `INSERT INTO ${this.#table} (${column}) VALUES ${tuples(n, 1)}`;
    this.#chunks(
      db,
      rows,
      rowsPerStatement(1, MAX_VARIABLES, this.config.batch_size),
      sql,
      (chunk) => chunk.map((r) => JSON.stringify(r) ?? null),
      undefined,
      failures,
    );
  }

  #deleteKeys(db: Database, keys: Value[][], index: number[], failures: RowFailure[] | undefined): void {
    const columns = this.#columns as Map<string, Column>;
    const key = this.config.key;
    const bigints = key.map((k) => columns.get(k)?.integerBinding ?? false);
    const target = key.length === 1 ? quoteIdentifier(key[0] as string) : `(${key.map(quoteIdentifier).join(", ")})`;
    const sql = (n: number) =>
      key.length === 1
        ? `DELETE FROM ${this.#table} WHERE ${target} IN (${new Array(n).fill("?").join(", ")})`
        : `DELETE FROM ${this.#table} WHERE ${target} IN (VALUES ${tuples(n, key.length)})`;
    const bind = (chunk: Value[][]) => chunk.flatMap((tuple) => tuple.map((v, i) => toSqlite(v, bigints[i])));
    this.#chunks(
      db,
      keys,
      rowsPerStatement(key.length, MAX_VARIABLES, this.config.batch_size),
      sql,
      bind,
      index,
      failures,
    );
  }

  /**
   * Runs `items` in statements of at most `per` rows. With `failures` (writeBatchPartial), a
   * statement that fails is retried row by row inside savepoints, and the rows SQLite refuses
   * are reported instead of failing the page.
   */
  #chunks<T>(
    db: Database,
    items: T[],
    per: number,
    sql: (n: number) => string,
    bind: (chunk: T[]) => unknown[],
    index: number[] | undefined,
    failures: RowFailure[] | undefined,
  ): void {
    for (let start = 0; start < items.length; start += per) {
      const chunk = items.slice(start, start + per);
      const statement = this.#statement(db, sql(chunk.length));
      if (!failures) {
        statement.run(bind(chunk));
        continue;
      }
      db.exec("SAVEPOINT faucet_chunk");
      try {
        statement.run(bind(chunk));
        db.exec("RELEASE faucet_chunk");
        continue;
      } catch (error) {
        db.exec("ROLLBACK TO faucet_chunk");
        db.exec("RELEASE faucet_chunk");
        if (isFatal(error)) throw error;
      }
      const single = this.#statement(db, sql(1));
      for (let i = 0; i < chunk.length; i++) {
        db.exec("SAVEPOINT faucet_row");
        try {
          single.run(bind([chunk[i] as T]));
          db.exec("RELEASE faucet_row");
        } catch (error) {
          db.exec("ROLLBACK TO faucet_row");
          db.exec("RELEASE faucet_row");
          if (isFatal(error)) throw error;
          const at = index ? (index[start + i] as number) : start + i;
          failures.push({ index: at, error: this.#error(error, `write record ${at} to ${this.config.table_name}`) });
        }
      }
    }
  }

  #conflictClause(names: string[]): string {
    if (this.config.write_mode !== "upsert") return "";
    const key = new Set(this.config.key);
    const target = `(${this.config.key.map(quoteIdentifier).join(", ")})`;
    const updates = names
      .filter((n) => !key.has(n))
      .map((n) => `${quoteIdentifier(n)} = excluded.${quoteIdentifier(n)}`);
    return updates.length === 0
      ? ` ON CONFLICT ${target} DO NOTHING`
      : ` ON CONFLICT ${target} DO UPDATE SET ${updates.join(", ")}`;
  }

  #saveToken(db: Database, scope: string, token: string): void {
    db.exec(`CREATE TABLE IF NOT EXISTS ${COMMIT_TOKEN_TABLE} (scope TEXT PRIMARY KEY, token TEXT NOT NULL)`);
    this.#statement(
      db,
      `INSERT INTO ${COMMIT_TOKEN_TABLE} (scope, token) VALUES (?, ?) ON CONFLICT (scope) DO UPDATE SET token = excluded.token`,
    ).run([scope, token]);
  }

  #statement(db: Database, sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= 64) this.#statements.clear();
      statement = db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  // -- plumbing --------------------------------------------------------------------------------

  #database(): Promise<Database> {
    if (this.#closed) return Promise.reject(new FaucetError("sink", "the sink is closed", { connector: CONNECTOR }));
    this.#db ??= openDatabase(
      { path: this.#path, memory: this.#memory },
      { connector: CONNECTOR, kind: "sink", create: true, busyTimeoutMs: this.config.busy_timeout_ms, wal: true },
    );
    this.#db.catch(() => {
      this.#db = undefined;
    });
    return this.#db;
  }

  #run<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw this.#error(error, action);
    }
  }

  #error(error: unknown, action: string): FaucetError {
    return sqliteError(error, { connector: CONNECTOR, kind: "sink", path: this.#path, action });
  }

  #missingTable(): FaucetError {
    return new FaucetError("sink", `table ${this.config.table_name} does not exist in ${this.#path}`, {
      connector: CONNECTOR,
      hint: "create the table, or set create_table: true to create it from the first page",
    });
  }
}

/** `(?, ?), (?, ?)`: `rows` tuples of `width` placeholders. */
function tuples(rows: number, width: number): string {
  const one = `(${new Array(width).fill("?").join(", ")})`;
  return new Array(rows).fill(one).join(", ");
}

/** Failures that no row-by-row retry can get around: a lock, a full disk, a broken file. */
function isFatal(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? "");
  return /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CORRUPT|NOTADB|READONLY|NOMEM|INTERRUPT)/.test(code);
}

/** A record whose key cannot be read, as the failure of that record. */
function keyError(error: RowError, key: readonly string[]): FaucetError {
  return new FaucetError("sink", error.message, {
    cause: error,
    connector: CONNECTOR,
    hint: `every record needs a non-null value for each key column (${key.join(", ")}); configure a dlq to set such records aside`,
  });
}

function notObject(index: number, record: Value | undefined): FaucetError {
  return new FaucetError(
    "sink",
    `record ${index} is ${Array.isArray(record) ? "an array" : record === null ? "null" : typeof record}, not a JSON object`,
    {
      connector: CONNECTOR,
      hint: "column_mapping: auto_map needs objects; use column_mapping: json to store any JSON value",
    },
  );
}

/** The error for a page with refused records when no dead-letter path takes them. */
function pageError(failures: RowFailure[], total: number): FaucetError {
  const first = failures[0] as RowFailure;
  if (failures.length === 1) return first.error;
  return new FaucetError(
    "sink",
    `${failures.length} of ${total} records in the page cannot be written; the first: ${first.error.detail}`,
    {
      cause: first.error,
      connector: CONNECTOR,
      ...(first.error.hint ? { hint: first.error.hint } : {}),
    },
  );
}

import { createHash } from "node:crypto";
import { once } from "node:events";
import { finished } from "node:stream/promises";
import { COPY_TEXT_ENCODING, isCreateRace, PostgresPool, queryError, quoteIdent } from "faucet-common-postgres";
import {
  COLUMN_TYPES,
  COMMIT_TOKEN_TABLE,
  checkSinkTable,
  createTableSql,
  ensureSinkTable,
  inTransaction,
  keyColumnsOf,
  OverwriteTarget,
  pageColumns,
  RowError,
  rowFailure,
  rowsPerStatement,
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
  type NativeFormat,
  parseConfig,
  type SchemaChange,
  type Sink,
  type SinkCapabilities,
  type SinkSchema,
  schemaFor,
  silentLogger,
  type Value,
} from "faucet-core";
import type { PoolClient } from "pg";
import { jsonbColumn, PostgresSinkConfig, type PostgresSinkConfigInput } from "./config.js";
import { CopyTextArrays, onlyNullEscapes } from "./copy-text-arrays.js";
import { CopyWriter, type WriterMode } from "./copy-writer.js";
import { encodeRows, lastPerKey, type PageColumn, type TargetColumn, withSerializers } from "./encode.js";
import { HeldTransaction, MAX_HELD_PAGES, MAX_HELD_SECONDS } from "./held-transaction.js";
import {
  COLUMNS_SQL,
  copyFromSql,
  deleteSql,
  insertLinesSql,
  insertUnnestSql,
  insertValuesSql,
  MAX_PARAMETERS,
  onConflictSql,
  retiredTable,
  sqlName,
  stagingTable,
  type TableRef,
  tokenTableSql,
} from "./sql.js";

const CONNECTOR = "sink-postgres";
/** Rows encoded per COPY write: big enough to be a bulk write, small enough to overlap. */
const COPY_CHUNK_ROWS = 2000;
/** Bytes of a native page sent per CopyData message, so the server starts parsing early. */
const NATIVE_CHUNK_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/** Options of {@link PostgresSink} beyond its config. */
export interface PostgresSinkOptions {
  logger?: Logger;
  /**
   * How `write_method: insert` binds rows: `unnest` (default; one text[] parameter per column, so
   * the server parses one short statement) or `values` (multi-row VALUES, one parameter per value,
   * under the 65,535-parameter limit). Kept for benchmarks.
   */
  insertStyle?: "unnest" | "values";
  /**
   * Most pages held in one transaction without a flush (default {@link MAX_HELD_PAGES}); 1 commits
   * each page as soon as it is written.
   */
  maxHeldPages?: number;
  /** Most seconds a transaction is held without a flush (default {@link MAX_HELD_SECONDS}). */
  maxHeldSeconds?: number;
}

type Columns = Map<string, TargetColumn>;

/** One client's table operations; the swap also needs the client itself. */
interface PostgresTables extends TableOps<TableRef> {
  client: PoolClient;
}

/**
 * Writes pages to a PostgreSQL table: COPY (default for append), or INSERT with array parameters;
 * upsert with `ON CONFLICT`, delete by key, overwrite through a staging table swapped in
 * atomically, and exactly-once commits that write a page and its commit token together.
 *
 * Plain pages (every mode but exactly-once) go into one transaction held open across pages, each
 * page under a savepoint so a failing page rolls back alone; `flush()` and `close()` commit it
 * (see {@link HeldTransaction}). Exactly-once pages are each one transaction with their token.
 *
 * @example
 * const sink = new PostgresSink({
 *   connection_url: "postgres://postgres@127.0.0.1:5432/test",
 *   table_name: "orders",
 *   column_mapping: "auto_map",
 * });
 * await sink.writeBatch([{ id: 1, total: "9.99" }]);
 * await sink.close();
 */
export class PostgresSink implements Sink {
  readonly config: PostgresSinkConfig;
  readonly #pool: PostgresPool;
  readonly #logger: Logger;
  readonly #table: TableRef;
  readonly #jsonb: string | undefined;
  readonly #method: "copy" | "insert";
  readonly #insertStyle: "unnest" | "values";
  readonly #overwrite: OverwriteTarget<TableRef, PostgresTables>;
  #columns: Columns | undefined;
  #tokenTableReady = false;
  #writer: CopyWriter | undefined;
  readonly #held: HeldTransaction;
  /** The target columns of native pages, in their order, once `acceptNative` took them. */
  #native: TargetColumn[] | undefined;

  constructor(config: PostgresSinkConfigInput, options: PostgresSinkOptions = {}) {
    this.config = parseConfig(PostgresSinkConfig, config, { connector: CONNECTOR });
    this.#logger = options.logger ?? silentLogger;
    this.#pool = new PostgresPool(this.config, {
      connector: CONNECTOR,
      maxConnections: this.config.max_connections,
      logger: this.#logger,
    });
    this.#table = { schema: this.config.schema, name: this.config.table_name };
    this.#held = new HeldTransaction(this.#pool, {
      connector: CONNECTOR,
      table: () => sqlName(this.#target),
      maxPages: options.maxHeldPages ?? MAX_HELD_PAGES,
      maxSeconds: options.maxHeldSeconds ?? MAX_HELD_SECONDS,
    });
    this.#jsonb = jsonbColumn(this.config);
    const mode = this.config.write_mode;
    const keyed = mode === "upsert" || mode === "delete";
    this.#method = keyed ? "insert" : (this.config.write_method ?? "copy");
    this.#insertStyle = options.insertStyle ?? "unnest";
    this.#overwrite = new OverwriteTarget<TableRef, PostgresTables>({
      table: this.#table,
      staging: stagingTable(this.#table),
      withTables: (fn) => this.#pool.withClient((client) => fn(this.#tables(client))),
      createLikeSql: (staging, table) => `CREATE TABLE ${staging} (LIKE ${table} INCLUDING ALL)`,
      swap: (tables, staging) => this.#swap(tables.client, staging),
      onRetarget: () => {
        this.#columns = undefined;
      },
    });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(PostgresSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return transactionalSinkCapabilities(this.config, this.#jsonb);
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.length === 0) return 0;
    // Outside the page's savepoint: a first page that fails must not roll the new table back.
    if (!this.#columns) await this.#held.aside((client) => this.#ensureTable(client, records));
    return await this.#held.page(records.length, async (client) => {
      await this.#ensureTable(client, records);
      return await this.#writeRows(client, records);
    });
  }

  /**
   * Takes the postgres source's COPY text as it is (docs/concepts.md, "Native pass-through") when
   * the table exists and nothing between could change a value: `auto_map`, append or overwrite,
   * every source column a writable column of the table of the same type (or its unmodified form:
   * `numeric(38,10)` into `numeric`; a domain over it; or json into jsonb). Anything else declines, and the pipeline
   * writes records as usual (creating the table, ignoring unknown keys, or failing as it would);
   * the reason is logged at debug level.
   */
  async acceptNative(format: NativeFormat): Promise<true | string> {
    const decline = (reason: string) => `${CONNECTOR}: ${reason}`;
    if (format.encoding !== COPY_TEXT_ENCODING) return decline(`the encoding ${format.encoding}`);
    if (this.#jsonb !== undefined) return decline("column_mapping: jsonb writes whole records");
    const mode = this.config.write_mode;
    if (mode !== "append" && mode !== "overwrite") return decline(`write_mode: ${mode}`);
    if (this.#method === "insert" && this.#insertStyle !== "unnest") return decline("INSERT with VALUES");
    this.#columns ??= await this.#held.aside((client) => this.#loadColumns(client));
    const columns = this.#columns;
    if (!columns) return decline(`${sqlName(this.#target)} does not exist (create_table infers it from records)`);
    const targets: TargetColumn[] = [];
    for (const { name, type } of format.columns) {
      const target = columns.get(name);
      if (!target || target.generated) return decline(`"${name}" is not a writable column of ${sqlName(this.#target)}`);
      if (targets.includes(target)) return decline(`the source has two columns named "${name}"`);
      if (!sameType(type, target.sqlType) && !sameType(type, target.baseType)) {
        return decline(`"${name}" is ${type} in the source, ${target.sqlType} here`);
      }
      targets.push(target);
    }
    if (targets.length === 0) return decline("the source has no columns");
    this.#native = targets;
    return true;
  }

  /**
   * Writes a native page (COPY text rows in the accepted column order) as `writeBatch` writes
   * records: in the held transaction under the page's savepoint, by COPY or INSERT.
   */
  async writeNative(bytes: Uint8Array, records: number): Promise<number> {
    const targets = this.#acceptedColumns();
    if (records === 0) return 0;
    return await this.#held.page(records, async (client) => {
      await this.#writeBytes(client, targets, bytes, records);
      return records;
    });
  }

  /** The columns `acceptNative` took; writing native pages before it did is a contract error. */
  #acceptedColumns(): TargetColumn[] {
    if (this.#native) return this.#native;
    throw new FaucetError("contract", "a native page was written before acceptNative accepted a format", {
      connector: CONNECTOR,
    });
  }

  /** One native page by COPY or INSERT, inside the caller's transaction. */
  async #writeBytes(client: PoolClient, targets: TargetColumn[], bytes: Uint8Array, records: number): Promise<void> {
    try {
      if (this.#method === "copy") await this.#copyBytes(client, this.#target, targets, bytes);
      else {
        await this.#attempt(
          client,
          undefined,
          (probe) => this.#copyBytes(client, probe, targets, bytes),
          () => this.#insertBytes(client, targets, bytes, records),
        );
      }
    } catch (error) {
      throw this.#pageError(error);
    }
  }

  /** Commits the pages written since the last flush: only now are they durable. */
  async flush(): Promise<void> {
    await this.#held.commit();
  }

  /**
   * Writes the page and records `token` as `scope`'s last commit in one transaction. A token whose
   * sequence is not beyond the one already committed is a replay: nothing is written.
   */
  async writeBatchIdempotent(records: readonly Value[], scope: string, token: string): Promise<number> {
    return await this.#writeOnce(
      records.length,
      scope,
      token,
      (client) => this.#ensureTable(client, records),
      (client) => this.#writeRows(client, records),
    );
  }

  /** {@link writeBatchIdempotent} for a native page (see {@link writeNative}). */
  async writeNativeIdempotent(bytes: Uint8Array, records: number, scope: string, token: string): Promise<number> {
    const targets = this.#acceptedColumns();
    return await this.#writeOnce(
      records,
      scope,
      token,
      async () => undefined,
      async (client) => {
        await this.#writeBytes(client, targets, bytes, records);
        return records;
      },
    );
  }

  /** One page and its commit token in one transaction of its own (after the held pages commit). */
  async #writeOnce(
    rows: number,
    scope: string,
    token: string,
    ensure: (client: PoolClient) => Promise<void>,
    write: (client: PoolClient) => Promise<number>,
  ): Promise<number> {
    await this.#held.commit();
    return await this.#pool.withClient(async (client) => {
      await this.#ensureTokenTable(client);
      if (rows > 0) await ensure(client);
      const tokens = this.#tokenTable();
      return await this.#transaction(client, () =>
        writePageOnce({
          rows,
          scope,
          token,
          connector: CONNECTOR,
          logger: this.#logger,
          committed: async () => {
            await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
              JSON.stringify([tokens, scope]),
            ]);
            const { rows } = await client.query<{ token: string }>(`SELECT token FROM ${tokens} WHERE scope = $1`, [
              scope,
            ]);
            return rows[0]?.token;
          },
          write: () => write(client),
          save: () =>
            client.query(
              `INSERT INTO ${tokens} (scope, token, updated_at) VALUES ($1, $2, now()) ` +
                "ON CONFLICT (scope) DO UPDATE SET token = EXCLUDED.token, updated_at = EXCLUDED.updated_at",
              [scope, token],
            ),
        }),
      );
    });
  }

  async lastCommittedToken(scope: string): Promise<string | undefined> {
    return await this.#held.aside(async (client) => {
      await this.#ensureTokenTable(client);
      const { rows } = await this.#run(
        client,
        `SELECT token FROM ${this.#tokenTable()} WHERE scope = $1`,
        [scope],
        "reading the commit token failed",
      );
      return (rows[0] as { token: string } | undefined)?.token;
    });
  }

  async currentSchema(): Promise<SinkSchema | undefined> {
    if (this.#jsonb !== undefined) return undefined;
    const columns = await this.#held.aside((client) => this.#loadColumns(client));
    if (!columns) return undefined;
    return { columns: [...columns.values()].map((c) => ({ name: c.name, type: c.sqlType, nullable: c.nullable })) };
  }

  async evolveSchema(change: SchemaChange): Promise<void> {
    const table = sqlName(this.#target);
    const actions = [
      ...change.addColumns.map(
        (c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${COLUMN_TYPES.postgres[c.type]}`,
      ),
      ...(change.relaxColumns ?? []).map((name) => `ALTER COLUMN ${quoteIdent(name)} DROP NOT NULL`),
    ];
    if (actions.length === 0) return;
    await this.#held.commit();
    await this.#pool.withClient((client) =>
      this.#run(client, `ALTER TABLE ${table} ${actions.join(", ")}`, [], `evolving ${table} failed`),
    );
    this.#columns = undefined;
  }

  /** write_mode: overwrite — later writes go to a fresh staging table shaped like the target. */
  async beginOverwrite(): Promise<void> {
    if (this.config.write_mode !== "overwrite") return;
    await this.#held.commit();
    await this.#overwrite.begin();
  }

  /** Swaps the staging table in for the target in one transaction. */
  async commitOverwrite(): Promise<void> {
    await this.#held.commit();
    await this.#overwrite.commit();
  }

  /** Drops the staging table; the target is untouched. */
  async abortOverwrite(): Promise<void> {
    await this.#held.rollback();
    await this.#overwrite.abort();
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return await checkSinkTable({
      connect: () => this.#pool.query("SELECT 1", [], "connection"),
      table: sqlName(this.#table),
      createTable: this.config.create_table,
      exists: () => this.#pool.withClient((client) => this.#exists(client, this.#table)),
      writable: async () => {
        const { rows } = await this.#pool.query<{ ok: boolean }>(
          "SELECT has_table_privilege($1, 'INSERT') AS ok",
          [sqlName(this.#table)],
          "sink",
        );
        if (!rows[0]?.ok) throw new Error(`the user may not insert into ${sqlName(this.#table)}`);
      },
      hint: "create the table, set create_table: true, or grant INSERT",
    });
  }

  /** Commits what is held, then ends every connection. Idempotent. */
  async close(): Promise<void> {
    try {
      // Held pages already lost were reported to the write or flush that found out.
      if (!this.#held.lost) await this.#held.commit();
    } finally {
      await this.#pool.close();
    }
  }

  /** The table writes go to: the staging table during an overwrite. */
  get #target(): TableRef {
    return this.#overwrite.target;
  }

  /** One client's table operations, for the overwrite. */
  #tables(client: PoolClient): PostgresTables {
    return {
      client,
      name: sqlName,
      exists: (table) => this.#exists(client, table),
      run: (sql, what) => this.#run(client, sql, [], what),
    };
  }

  /**
   * Puts the staging table in the target's place in one transaction; when views depend on the
   * target, keeps the table itself and replaces its rows instead.
   */
  async #swap(client: PoolClient, staging: TableRef): Promise<void> {
    await this.#transaction(client, async () => {
      const target = sqlName(this.#table);
      if (!(await this.#exists(client, this.#table))) {
        await client.query(`ALTER TABLE ${sqlName(staging)} RENAME TO ${quoteIdent(this.#table.name)}`);
        return;
      }
      await client.query("SAVEPOINT faucet_swap");
      try {
        const retired = retiredTable(this.#table);
        await client.query(`DROP TABLE IF EXISTS ${sqlName(retired)}`);
        await client.query(`ALTER TABLE ${target} RENAME TO ${quoteIdent(retired.name)}`);
        await client.query(`ALTER TABLE ${sqlName(staging)} RENAME TO ${quoteIdent(this.#table.name)}`);
        await client.query(`DROP TABLE ${sqlName(retired)}`);
      } catch (error) {
        if ((error as { code?: string }).code !== "2BP01") throw error;
        // Views depend on the target: keep the table itself and replace its rows instead.
        await client.query("ROLLBACK TO SAVEPOINT faucet_swap");
        await client.query(`TRUNCATE ${target}`);
        await client.query(`INSERT INTO ${target} SELECT * FROM ${sqlName(staging)}`);
        await client.query(`DROP TABLE ${sqlName(staging)}`);
      }
    });
  }

  /** Writes one page on `client` (inside the caller's transaction). */
  async #writeRows(client: PoolClient, input: readonly Value[]): Promise<number> {
    const columns = this.#columns as Columns;
    const records = this.#jsonb === undefined ? input : input.map((r) => ({ [this.#jsonb as string]: r }));
    const mode = this.config.write_mode;
    const tableName = sqlName(this.#target);
    const columnsOf = (page: readonly Value[], skip?: string) =>
      withSerializers(pageColumns(page, columns, { ignoreUnknown: this.config.ignore_unknown, skip, tableName }));
    try {
      if (mode === "delete") {
        const keys = this.#keyColumns(columns);
        await this.#attempt(
          client,
          undefined,
          (probe) => this.#copyInto(client, probe, keys, records),
          () => this.#deleteKeys(client, keys, records),
        );
        return records.length;
      }
      if (mode === "upsert") {
        const keys = this.#keyColumns(columns);
        const marker = this.config.delete_marker;
        const { upserts, upsertIndex, deletes, deleteIndex } = lastPerKey(records, keys, marker);
        if (deletes.length > 0) {
          await this.#attempt(
            client,
            deleteIndex,
            (probe) => this.#copyInto(client, probe, keys, deletes),
            () => this.#deleteKeys(client, keys, deletes),
          );
        }
        if (upserts.length > 0) {
          const page = columnsOf(upserts, marker?.field);
          const conflict = onConflictSql(
            page.map((c) => c.column),
            this.config.key,
          );
          await this.#attempt(
            client,
            upsertIndex,
            (probe) => this.#copyInto(client, probe, page, upserts),
            () => this.#insert(client, page, upserts, conflict),
          );
        }
        return upserts.length + deletes.length;
      }
      const page = columnsOf(records);
      if (page.length === 0) throw new RowError(0, undefined, `the page has no key that is a column of ${tableName}`);
      if (this.#method === "copy") await this.#copy(client, page, records);
      else {
        await this.#attempt(
          client,
          undefined,
          (probe) => this.#copyInto(client, probe, page, records),
          () => this.#insert(client, page, records, ""),
        );
      }
      return records.length;
    } catch (error) {
      throw this.#pageError(error);
    }
  }

  /**
   * Runs a multi-row statement under a savepoint; when the server rejects a value it does not say
   * which row, so the rows are replayed with COPY into a scratch copy of the table (rolled back)
   * whose error names the line.
   */
  async #attempt(
    client: PoolClient,
    indexMap: readonly number[] | undefined,
    replay: (probe: TableRef) => Promise<void>,
    write: () => Promise<void>,
  ): Promise<void> {
    await client.query("SAVEPOINT faucet_page");
    try {
      await write();
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      if (!(code.startsWith("22") || code === "23502" || code === "23514")) throw error;
      await client.query("ROLLBACK TO SAVEPOINT faucet_page");
      let located: unknown;
      try {
        await client.query(
          `CREATE TEMP TABLE faucet_probe (LIKE ${sqlName(this.#target)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) ON COMMIT DROP`,
        );
        await replay({ schema: undefined, name: "faucet_probe" });
      } catch (probeError) {
        located = probeError;
      }
      await client.query("ROLLBACK TO SAVEPOINT faucet_page");
      const line = copyLine(located);
      if (!line) throw error;
      const index = indexMap?.[line.index] ?? line.index;
      throw new RowError(
        index,
        line.column,
        `record ${index}${line.column ? `, column "${line.column}"` : ""} does not fit ${sqlName(this.#target)}: ${(error as Error).message}`,
      );
    }
  }

  async #copy(client: PoolClient, page: PageColumn[], records: readonly Value[]): Promise<void> {
    await this.#copyInto(client, this.#target, page, records);
  }

  /**
   * COPY a page in chunks of {@link COPY_CHUNK_ROWS} rows: the server parses and inserts one
   * chunk while the next is encoded, and the socket's backpressure paces the writes. The page is
   * still one statement inside the page's transaction.
   */
  async #copyInto(client: PoolClient, table: TableRef, page: PageColumn[], records: readonly Value[]): Promise<void> {
    const { from: copyFrom } = await import("pg-copy-streams");
    const writer = this.#writerFor(page, "copy");
    const first = writer.encode(records, 0, Math.min(records.length, COPY_CHUNK_ROWS));
    const stream = client.query(
      copyFrom(
        copyFromSql(
          table,
          page.map((c) => c.column.name),
        ),
      ),
    );
    const done = finished(stream);
    done.catch(() => undefined); // observed below; never an unhandled rejection
    try {
      let chunk = first;
      for (let from = COPY_CHUNK_ROWS; ; from += COPY_CHUNK_ROWS) {
        if (!stream.write(chunk)) await Promise.race([once(stream, "drain"), done]);
        if (from >= records.length) break;
        chunk = writer.encode(records, from, Math.min(records.length, from + COPY_CHUNK_ROWS));
      }
    } catch (error) {
      // A record that cannot be encoded: CopyFail makes the server abandon the COPY.
      stream.destroy(error as Error);
      await done.catch(() => undefined);
      throw error;
    }
    stream.end();
    await done;
  }

  /** COPY of a native page's bytes as they are, in messages of {@link NATIVE_CHUNK_BYTES}. */
  async #copyBytes(client: PoolClient, table: TableRef, targets: TargetColumn[], bytes: Uint8Array): Promise<void> {
    const { from: copyFrom } = await import("pg-copy-streams");
    const stream = client.query(
      copyFrom(
        copyFromSql(
          table,
          targets.map((c) => c.name),
        ),
      ),
    );
    const done = finished(stream);
    done.catch(() => undefined); // observed below; never an unhandled rejection
    for (let from = 0; from < bytes.length; from += NATIVE_CHUNK_BYTES) {
      if (!stream.write(bytes.subarray(from, from + NATIVE_CHUNK_BYTES)))
        await Promise.race([once(stream, "drain"), done]);
    }
    stream.end();
    await done;
  }

  /**
   * INSERT of a native page, `batch_size` rows a statement. Rows with no escapes but `\N` go as
   * they are, one text parameter a statement that the server splits (`insertLinesSql`: no client
   * work at all); other pages are unescaped into one text[] parameter per column, the next
   * statement's arrays built while the server runs the one before.
   */
  async #insertBytes(client: PoolClient, targets: TargetColumn[], bytes: Uint8Array, records: number): Promise<void> {
    const chunk = this.config.batch_size > 0 ? this.config.batch_size : records;
    if (targets.length > 1 && onlyNullEscapes(bytes)) {
      const text = insertLinesSql(this.#target, targets);
      const name = statementName(text);
      const page = bytes as Buffer;
      for (let start = 0; start < page.length; ) {
        let end = start;
        for (let row = 0; row < chunk && end < page.length; row++) {
          const newline = page.indexOf(NEWLINE, end);
          end = newline < 0 ? page.length + 1 : newline + 1;
        }
        await client.query({ name, text, values: [page.subarray(start, end - 1)] });
        start = end;
      }
      return;
    }
    const text = insertUnnestSql(this.#target, targets);
    const name = statementName(text);
    const arrays = new CopyTextArrays(targets.length);
    let at = 0;
    let row = 0;
    await pipelined(client, name, text, () => {
      if (at >= bytes.length) return undefined;
      const taken = arrays.take(bytes, at, chunk, row);
      at = taken.next;
      row += taken.rows;
      return taken.values;
    });
  }

  /** The encoder for a page's columns, compiled again only when they (or the mode) change. */
  #writerFor(page: readonly PageColumn[], mode: WriterMode): CopyWriter {
    if (this.#writer?.fits(page, mode)) return this.#writer;
    this.#writer = new CopyWriter(page, mode);
    return this.#writer;
  }

  async #insert(client: PoolClient, page: PageColumn[], records: readonly Value[], suffix: string): Promise<void> {
    const targets = page.map((c) => c.column);
    const chunk = this.config.batch_size > 0 ? this.config.batch_size : records.length;
    if (this.#insertStyle === "unnest") {
      const text = insertUnnestSql(this.#target, targets) + (suffix ? ` ${suffix}` : "");
      const name = statementName(text);
      const writer = this.#writerFor(page, "array");
      const encode = (from: number) =>
        page.map((_, c) => writer.encodeArray(records, from, Math.min(records.length, from + chunk), c));
      let from = 0;
      await pipelined(client, name, text, () => {
        if (from >= records.length) return undefined;
        const values = encode(from);
        from += chunk;
        return values;
      });
      return;
    }
    const perStatement = rowsPerStatement(targets.length, MAX_PARAMETERS, this.config.batch_size);
    for (let from = 0; from < records.length; from += perStatement) {
      const to = Math.min(records.length, from + perStatement);
      const text = insertValuesSql(this.#target, targets, to - from) + (suffix ? ` ${suffix}` : "");
      await client.query({ name: statementName(text), text, values: encodeRows(records, page, from, to) });
    }
  }

  async #deleteKeys(client: PoolClient, keys: PageColumn[], records: readonly Value[]): Promise<void> {
    const text = deleteSql(
      this.#target,
      keys.map((k) => k.column),
    );
    const writer = new CopyWriter(keys, "array");
    const values = keys.map((_, c) => writer.encodeArray(records, 0, records.length, c));
    await client.query({ name: statementName(text), text, values });
  }

  #keyColumns(columns: Columns): PageColumn[] {
    return withSerializers(keyColumnsOf(columns, this.config.key, sqlName(this.#target), CONNECTOR));
  }

  /** Turns a failed page into a FaucetError that names the record that did not fit. */
  #pageError(error: unknown): FaucetError {
    if (FaucetError.is(error)) return error;
    const table = sqlName(this.#target);
    if (error instanceof RowError) return rowFailure(error, CONNECTOR);
    const line = copyLine(error);
    if (line) {
      return new FaucetError(
        "sink",
        `the page was not written: record ${line.index}${line.column ? `, column "${line.column}"` : ""} does not fit ${table}: ${(error as Error).message}`,
        { cause: error, connector: CONNECTOR, retryable: false, hint: "fix or drop the record with a transform" },
      );
    }
    return queryError(error, "sink", CONNECTOR, `writing to ${table} failed (the page was not written)`);
  }

  /** Makes sure the write target exists (creating it when allowed) and knows its columns. */
  async #ensureTable(client: PoolClient, records: readonly Value[]): Promise<void> {
    const target = this.#target;
    this.#columns ??= await ensureSinkTable({
      connector: CONNECTOR,
      logger: this.#logger,
      dialect: "postgres",
      config: this.config,
      jsonColumn: this.#jsonb,
      jsonHint: "name an existing jsonb column in column_mapping: { jsonb: { column } }, or use auto_map",
      table: sqlName(this.#table),
      target: sqlName(target),
      records,
      load: () => this.#loadColumns(client),
      create: async (columns, key) => {
        if (target.schema) {
          await this.#run(
            client,
            `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(target.schema)}`,
            [],
            "creating the schema failed",
          );
        }
        const sql = createTableSql(sqlName(target), columns, key, quoteIdent);
        await this.#run(client, sql, [], `creating ${sqlName(target)} failed`).catch(ignoreCreateRace);
      },
    });
  }

  async #loadColumns(client: PoolClient): Promise<Columns | undefined> {
    if (!(await this.#exists(client, this.#target))) return undefined;
    const { rows } = await this.#run(
      client,
      COLUMNS_SQL,
      [sqlName(this.#target)],
      "reading the table's columns failed",
    );
    const columns: Columns = new Map();
    for (const row of rows as TargetColumn[]) columns.set(row.name, row);
    return columns;
  }

  async #exists(client: PoolClient, table: TableRef): Promise<boolean> {
    const { rows } = await this.#run(
      client,
      "SELECT to_regclass($1) IS NOT NULL AS exists",
      [sqlName(table)],
      "looking up the table failed",
    );
    return (rows[0] as { exists: boolean }).exists;
  }

  async #ensureTokenTable(client: PoolClient): Promise<void> {
    if (this.#tokenTableReady) return;
    if (this.config.schema) {
      await this.#run(client, `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.config.schema)}`, [], "creating schema");
    }
    await this.#run(client, tokenTableSql(this.config.schema), [], `creating ${COMMIT_TOKEN_TABLE} failed`).catch(
      ignoreCreateRace,
    );
    this.#tokenTableReady = true;
  }

  #tokenTable(): string {
    return sqlName({ schema: this.config.schema, name: COMMIT_TOKEN_TABLE });
  }

  async #run(client: PoolClient, sql: string, params: unknown[], what: string) {
    try {
      return await client.query(sql, params);
    } catch (error) {
      throw queryError(error, "sink", CONNECTOR, what);
    }
  }

  /** Runs `fn` between BEGIN and COMMIT; any failure rolls the whole page back. */
  async #transaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
    return await inTransaction((sql, what) => this.#run(client, sql, [], what), fn, {
      wrap: (error) => queryError(error, "sink", CONNECTOR, "the transaction failed"),
    });
  }
}

/**
 * Runs one prepared statement per parameter set `next()` gives (until undefined), building each
 * set while the server runs the statement before. A set that cannot be built fails after the
 * running statement settles.
 */
async function pipelined(
  client: PoolClient,
  name: string,
  text: string,
  next: () => unknown[] | undefined,
): Promise<void> {
  let values = next();
  while (values) {
    const running = client.query({ name, text, values });
    let following: unknown[] | undefined;
    try {
      following = next();
    } catch (error) {
      await running.catch(() => undefined);
      throw error;
    }
    await running;
    values = following;
  }
}

/** Another writer created the table (or schema) at the same moment: that is fine. */
function ignoreCreateRace(error: FaucetError): void {
  if (!isCreateRace(error)) throw error;
}

/** The 0-based record a COPY error points at (`COPY t, line 3, column amount: …`). */
function copyLine(error: unknown): { index: number; column: string | undefined } | undefined {
  const where = (error as { where?: string } | undefined)?.where;
  const match = /COPY [^,]+, line (\d+)(?:, column ([^:]+))?/.exec(where ?? "");
  if (!match) return undefined;
  return { index: Number(match[1]) - 1, column: match[2] ?? (error as { column?: string }).column };
}

/**
 * A source column's type can be written into a target column as text when they are the same type,
 * the target is the same type without a modifier (it holds every value of the modified one), or
 * json goes into jsonb.
 */
function sameType(source: string, target: string): boolean {
  if (source === target || unmodifiedType(source) === target) return true;
  return unmodifiedType(source) === "json" && target === "jsonb";
}

/** A SQL type without its modifiers: `numeric(38,10)` → `numeric`, `timestamp(3) with time zone` → `timestamp with time zone`. */
function unmodifiedType(type: string): string {
  return type.replace(/\(\s*\d+\s*(?:,\s*\d+\s*)?\)/g, "");
}

/** A prepared-statement name per distinct SQL text, so each connection parses it once. */
function statementName(text: string): string {
  return `faucet_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
}

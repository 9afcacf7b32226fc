import {
  COPY_TEXT_ENCODING,
  jsonSchemaForType,
  PostgresPool,
  qualifiedName,
  queryError,
  quoteIdent,
  splitQualifiedName,
} from "faucet-common-postgres";
import { bigNumberWarning, collectDatasets, decodeFailure, ReadCursor, type ReadPlan } from "faucet-common-sql";
import {
  type CheckReport,
  cancelledError,
  type DatasetDescriptor,
  FaucetError,
  type FetchContext,
  fetchAll,
  type JsonSchema,
  type Logger,
  type NativeFormat,
  type NativePage,
  parseConfig,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  silentLogger,
  type Value,
  type ValueObject,
} from "faucet-core";
import type { FieldDef, PoolClient } from "pg";
import { PostgresSourceConfig, type PostgresSourceConfigInput } from "./config.js";
import { CopyOutStream } from "./copy-out.js";
import { CopyPageCutter, KeyedCopyPages } from "./copy-pages.js";
import { CopyTextDecoder } from "./copy-text.js";
import { inlineParams } from "./placeholders.js";

const CONNECTOR = "source-postgres";

/** Each result column's SQL type with its modifier (`numeric(38,10)`), in column order. */
const COLUMN_TYPES_SQL =
  "SELECT format_type(t.oid, t.mod) AS type FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS t(oid, mod, i) ORDER BY t.i";

/** Options of {@link PostgresSource} beyond its config. */
export interface PostgresSourceOptions {
  logger?: Logger;
}

/**
 * Streams a PostgreSQL query or table page by page with `COPY (…) TO STDOUT` (measured faster
 * than a portal cursor: the server keeps sending while pages are decoded), never holding more
 * than a page. With a replication key it reads only rows after the bookmark, in key order,
 * and bookmarks every page (a page never ends inside a run of equal keys), so a killed run
 * resumes exactly where it stopped.
 *
 * @example
 * const source = new PostgresSource({
 *   connection_url: "postgres://postgres@127.0.0.1:5432/test",
 *   table: "orders",
 *   replication_key: "id",
 * });
 * for await (const page of source.streamPages({}, 1000)) console.log(page.records.length, page.bookmark);
 */
export class PostgresSource implements Source {
  readonly config: PostgresSourceConfig;
  readonly #pool: PostgresPool;
  readonly #cursor: ReadCursor;
  readonly #logger: Logger;

  constructor(config: PostgresSourceConfigInput, options: PostgresSourceOptions = {}) {
    this.config = parseConfig(PostgresSourceConfig, config, { connector: CONNECTOR });
    this.#cursor = new ReadCursor(this.config, {
      connector: CONNECTOR,
      quoteIdent,
      qualifyTable: (table) => {
        const parts = splitQualifiedName(table);
        return qualifiedName(parts.schema, parts.table);
      },
      placeholder: (n) => `$${n}`,
    });
    this.#logger = options.logger ?? silentLogger;
    this.#pool = new PostgresPool(this.config, {
      connector: CONNECTOR,
      maxConnections: this.config.max_connections,
      logger: this.#logger,
      jsonBigNumbers: this.config.json_big_numbers,
      onBigNumber: bigNumberWarning(this.#logger, CONNECTOR, true),
    });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(PostgresSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return this.#cursor.capabilities();
  }

  /** `state_key`, else (incremental only) a key derived from the server, database and query. */
  stateKey(): string | undefined {
    const t = this.#pool.target;
    return this.#cursor.stateKey(() => `postgres:${t.host}:${t.port}/${t.database}`);
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
    yield* this.#copy((fields, chunks) => {
      const decoder = this.#decoder(fields);
      async function* decoded(): AsyncGenerator<ValueObject[]> {
        for await (const chunk of chunks) {
          const rows: ValueObject[] = [];
          decoder.push(chunk, rows);
          yield rows;
        }
        decoder.end();
      }
      return this.#cursor.pages(decoded(), pageSize, abort);
    });
  }

  /**
   * The read as PostgreSQL COPY text with each column's SQL type, for a sink that writes it as it
   * is (docs/concepts.md, "Native pass-through"). Every faucet connection runs with the same
   * session settings (UTC, ISO dates, hex bytea, exact floats), so the text means the same to the
   * sink.
   */
  async nativeFormat(_ctx: FetchContext): Promise<NativeFormat | undefined> {
    const client = await this.#pool.connect();
    try {
      const fields = await this.#describe(client, this.#inlinedBase());
      const { rows } = await client.query<{ type: string }>(COLUMN_TYPES_SQL, [
        fields.map((f) => f.dataTypeID),
        fields.map((f) => f.dataTypeModifier),
      ]);
      return {
        encoding: COPY_TEXT_ENCODING,
        columns: fields.map((f, i) => ({ name: f.name, type: rows[i]?.type ?? "unknown" })),
      };
    } catch (error) {
      throw FaucetError.is(error) ? error : queryError(error, "source", CONNECTOR, "reading the column types failed");
    } finally {
      client.release();
    }
  }

  /**
   * The read's rows as pages of COPY text bytes (see {@link nativeFormat}), never decoded; with a
   * replication key, pages end only where the key changes and carry the key of their last row as
   * the bookmark, as on the records path (only rows at page boundaries are decoded for it).
   */
  async *nativePages(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<NativePage> {
    const pageSize = this.config.batch_size ?? batchSize;
    yield* this.#copy((fields, chunks) => this.#cutPages(fields, chunks, pageSize, signal ?? ctx.signal));
  }

  async *#cutPages(
    fields: FieldDef[],
    chunks: AsyncIterable<Buffer>,
    pageSize: number,
    abort: AbortSignal | undefined,
  ): AsyncGenerator<NativePage> {
    const cutter = new CopyPageCutter(pageSize);
    const key = this.#cursor.key;
    let keyed: KeyedCopyPages | undefined;
    if (key !== undefined) {
      const decoder = this.#decoder(fields);
      keyed = new KeyedCopyPages(key, (row) => {
        const rows: ValueObject[] = [];
        decoder.push(row, rows);
        return rows[0] as ValueObject;
      });
    }
    /** The pages ready to hand out, bookmarked when the read is incremental. */
    const ready = (page: NativePage | undefined): NativePage[] => {
      const done = keyed && page ? keyed.push(page) : page;
      if (done?.bookmark !== undefined) this.#cursor.bookmark = done.bookmark;
      return done ? [done] : [];
    };
    const pages: NativePage[] = [];
    for await (const chunk of chunks) {
      cutter.push(chunk, pages);
      for (const page of pages) yield* ready(page);
      pages.length = 0;
      if (abort?.aborted) throw cancelledError();
    }
    yield* ready(cutter.end());
    const last = keyed?.end();
    if (last?.bookmark !== undefined) this.#cursor.bookmark = last.bookmark;
    if (last) yield last;
  }

  /** A decoder of COPY text rows into records, with the pool's parsers. */
  #decoder(fields: FieldDef[]): CopyTextDecoder {
    const registry = this.#pool.registry;
    return new CopyTextDecoder(
      fields.map((f) => f.name),
      fields.map((f) => registry.parserFor(f.dataTypeID)),
      fields.map((f) => registry.readerKind(f.dataTypeID)),
    );
  }

  /**
   * Runs the read plan as `COPY (…) TO STDOUT` on a connection of its own and hands `read` the
   * result's columns and the stream's chunks. A COPY abandoned half way leaves the connection
   * mid-protocol, so it is destroyed rather than returned to the pool.
   */
  async *#copy<T>(read: (fields: FieldDef[], chunks: AsyncIterable<Buffer>) => AsyncIterable<T>): AsyncGenerator<T> {
    const sql = this.#inlinedPlan();
    const client = await this.#pool.connect();
    let finished = false;
    try {
      // The wrapped query has the base query's columns; describing the base first lets a
      // replication_key that is not among them fail with a clear message.
      const fields = await this.#describe(client, this.#inlinedBase());
      this.#cursor.requireKey(fields.map((f) => f.name));
      const stream = client.query(new CopyOutStream(`COPY (${sql}\n) TO STDOUT`));
      async function* chunks(): AsyncGenerator<Buffer> {
        for await (const chunk of stream) yield chunk as Buffer;
        finished = true;
      }
      try {
        yield* read(fields, chunks());
      } catch (error) {
        throw decodeFailure(error, CONNECTOR) ?? queryError(error, "source", CONNECTOR, "reading the query failed");
      }
    } finally {
      client.release(!finished);
    }
  }

  /** The result's columns, read without running the query (`LIMIT 0`). */
  async #describe(client: PoolClient, sql: string): Promise<FieldDef[]> {
    try {
      return (await client.query(`SELECT * FROM (${sql}\n) AS q LIMIT 0`)).fields;
    } catch (error) {
      throw queryError(error, "source", CONNECTOR, "the query failed");
    }
  }

  /** {@link plan} with its parameters written into the SQL, as COPY needs. */
  #inlinedPlan(): string {
    const { sql, params } = this.plan();
    return this.#inline(sql, params);
  }

  /** The user's query (or table) with its own parameters written in. */
  #inlinedBase(): string {
    return this.#inline(this.#cursor.baseQuery(), this.config.params as Value[]);
  }

  #inline(sql: string, params: Value[]): string {
    try {
      return inlineParams(sql, params);
    } catch (error) {
      throw new FaucetError("config", (error as Error).message, {
        connector: CONNECTOR,
        hint: "give `params` one value per placeholder $1, $2, …",
      });
    }
  }

  /** Every table, view and materialized view the user may read, with column schemas. */
  async discover(): Promise<DatasetDescriptor[]> {
    const { rows } = await this.#pool.query<DiscoverRow>(DISCOVER_SQL, [], "source", "listing tables failed");
    return collectDatasets(rows, (row) => ({
      dataset: `${row.schema}.${row.name}`,
      kind: KINDS[row.relkind] ?? "table",
      table: `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`,
      estimatedRows: row.estimate >= 0 ? Math.round(row.estimate) : undefined,
      column: row.column,
      schema: jsonSchemaForType(row.type, row.nullable, row.element ?? undefined),
    }));
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return await this.#cursor.check(
      { name: "connect", run: () => this.#pool.query("SELECT 1", [], "connection") },
      async () =>
        (await this.#pool.query(`SELECT * FROM (${this.#inlinedBase()}\n) AS q LIMIT 0`, [], "source")).fields.map(
          (f) => f.name,
        ),
    );
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

interface DiscoverRow {
  schema: string;
  name: string;
  relkind: string;
  estimate: number;
  column: string;
  type: string;
  element: string | null;
  nullable: boolean;
}

const KINDS: Record<string, string> = {
  r: "table",
  p: "table",
  v: "view",
  m: "materialized_view",
  f: "foreign_table",
};

const DISCOVER_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.reltuples::float8 AS estimate,
       a.attname AS column, bt.typname AS type, et.typname AS element, NOT a.attnotnull AS nullable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname, a.attnum`;

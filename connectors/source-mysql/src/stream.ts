import type { Readable } from "node:stream";
import {
  jsonSchemaForColumn,
  MysqlPool,
  qualifiedName,
  queryError,
  quoteIdent,
  rowConverter,
  splitQualifiedName,
  TYPE,
} from "faucet-common-mysql";
import {
  bigNumberWarning,
  collectDatasets,
  decodeFailure,
  formatTimestamp,
  parseTimestamp,
  ReadCursor,
  type ReadPlan,
} from "faucet-common-sql";
import {
  type CheckReport,
  cancelledError,
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
import type { Connection as CallbackConnection } from "mysql2";
import type { FieldPacket, PoolConnection, RowDataPacket } from "mysql2/promise";
import { MysqlSourceConfig, type MysqlSourceConfigInput } from "./config.js";

const CONNECTOR = "source-mysql";
/** Rows handed from the driver to the page builder at a time. */
const CHUNK_ROWS = 2000;
/** Chunks buffered ahead of the page builder before the socket is paused. */
const CHUNKS_AHEAD = 2;

/** Options of {@link MysqlSource} beyond its config. */
export interface MysqlSourceOptions {
  logger?: Logger;
}

/**
 * Streams a MySQL/MariaDB query or table page by page over one connection, pausing the socket
 * while pages wait (the server's `net_write_timeout` is raised so a slow sink does not abort the
 * query), never holding more than a page and two chunks. With a replication key it reads only
 * rows after the bookmark, in key order, and bookmarks every page (a page never ends inside a
 * run of equal keys), so a killed run resumes exactly where it stopped.
 *
 * @example
 * const source = new MysqlSource({ connection_url: "mysql://root@127.0.0.1:3306/test", table: "orders", replication_key: "id" });
 * for await (const page of source.streamPages({}, 1000)) console.log(page.records.length, page.bookmark);
 */
export class MysqlSource implements Source {
  readonly config: MysqlSourceConfig;
  readonly #pool: MysqlPool;
  readonly #cursor: ReadCursor;
  readonly #logger: Logger;

  constructor(config: MysqlSourceConfigInput, options: MysqlSourceOptions = {}) {
    this.config = parseConfig(MysqlSourceConfig, config, { connector: CONNECTOR });
    this.#cursor = new ReadCursor(this.config, {
      connector: CONNECTOR,
      quoteIdent,
      qualifyTable: (table) => {
        const parts = splitQualifiedName(table);
        return qualifiedName(parts.database, parts.table);
      },
      placeholder: () => "?",
    });
    this.#logger = options.logger ?? silentLogger;
    const timeout = this.config.net_write_timeout_secs;
    this.#pool = new MysqlPool(this.config, {
      connector: CONNECTOR,
      maxConnections: this.config.max_connections,
      logger: this.#logger,
      session: timeout > 0 ? [`SET SESSION net_write_timeout = ${timeout}`] : [],
    });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(MysqlSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return this.#cursor.capabilities();
  }

  /** `state_key`, else (incremental only) a key derived from the server, database and query. */
  stateKey(): string | undefined {
    const t = this.#pool.target;
    return this.#cursor.stateKey(() => `mysql:${t.host}:${t.port}/${t.database ?? ""}`);
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
    const key = this.#cursor.key;
    const connection = await this.#pool.connect();
    let finished = false;
    let stream: Readable | undefined;
    try {
      let keyField: FieldPacket | undefined;
      if (key !== undefined) {
        const fields = await this.#describe(connection);
        this.#cursor.requireKey(fields.map((f) => f.name));
        keyField = fields.find((f) => f.name === key);
      }
      const plan = this.plan();
      const params = plan.params.map((p, i) =>
        i === plan.params.length - 1 && key !== undefined ? this.#keyParam(p, keyField) : bindable(p),
      );
      const query = callbacks(connection).query({ sql: plan.sql, values: params });
      const invalid = new Map<string, number>();
      const options = {
        tinyint1AsBool: this.config.tinyint1_as_bool,
        offsetMinutes: this.#pool.target.offsetMinutes,
        jsonBigNumbers: this.config.json_big_numbers,
        onInvalidDate: (column: string, text: string) => {
          const seen = invalid.get(column) ?? 0;
          invalid.set(column, seen + 1);
          if (seen === 0) {
            this.#logger.warn(`column "${column}" holds an invalid date (${text}); it is read as null`, {
              connector: CONNECTOR,
            });
          }
        },
        onBigNumber: bigNumberWarning(this.#logger, CONNECTOR),
      };
      let convert: ((row: ValueObject) => ValueObject) | undefined;
      query.on("fields", (fields: FieldPacket[]) => {
        convert = rowConverter(fields, options);
      });
      const rows = query.stream({ highWaterMark: CHUNK_ROWS });
      stream = rows;
      const chunkRows = pageSize > 0 ? Math.min(pageSize, CHUNK_ROWS) : CHUNK_ROWS;
      const timeoutMs = this.config.read_timeout_secs * 1000;
      async function* converted(): AsyncGenerator<ValueObject[]> {
        for await (const chunk of rowChunks(rows, chunkRows, timeoutMs, abort)) {
          if (convert) for (let i = 0; i < chunk.length; i++) chunk[i] = convert(chunk[i] as ValueObject);
          yield chunk;
        }
        finished = true;
      }
      try {
        yield* this.#cursor.pages(converted(), pageSize, abort);
      } catch (error) {
        throw decodeFailure(error, CONNECTOR) ?? queryError(error, "source", CONNECTOR, "reading the query failed");
      }
      for (const [column, count] of invalid) {
        if (count > 1) {
          this.#logger.warn(`column "${column}" held ${count} invalid dates, read as null`, { connector: CONNECTOR });
        }
      }
    } finally {
      stream?.removeAllListeners("data");
      // A result abandoned half way leaves the connection mid-protocol: destroy it.
      if (finished) connection.release();
      else connection.destroy();
    }
  }

  /** The bookmark as the key column compares it: a timestamp as wall-clock text in the session zone. */
  #keyParam(value: Value, field: FieldPacket | undefined): unknown {
    const type = field?.columnType ?? field?.type;
    if (typeof value === "string" && (type === TYPE.DATETIME || type === TYPE.TIMESTAMP)) {
      const parsed = parseTimestamp(value, 0);
      if (parsed) return formatTimestamp(parsed, this.#pool.target.offsetMinutes, "sql");
    }
    return bindable(value);
  }

  /** The base query's columns, from a prepared statement (nothing runs). */
  async #describe(connection: PoolConnection): Promise<FieldPacket[]> {
    const sql = this.#cursor.baseQuery();
    try {
      return await new Promise<FieldPacket[]>((resolve, reject) => {
        callbacks(connection).prepare(sql, (error, statement) => {
          if (error) return reject(error);
          // The typings leave out what the prepare reply carries: the result's columns and the parameters.
          const info = statement as unknown as { columns: FieldPacket[]; parameters: unknown[] };
          const columns = info.columns;
          const placeholders = info.parameters.length;
          statement.close();
          if (placeholders !== this.config.params.length) {
            return reject(
              new FaucetError(
                "config",
                `the query has ${placeholders} placeholder(s) but params has ${this.config.params.length} value(s)`,
                { connector: CONNECTOR, hint: "give `params` one value per ? in the query" },
              ),
            );
          }
          resolve(columns);
        });
      });
    } catch (error) {
      throw queryError(error, "source", CONNECTOR, "the query failed");
    }
  }

  /** Every table and view of the database (or of every user database), with column schemas. */
  async discover(): Promise<DatasetDescriptor[]> {
    const [rows] = await this.#pool.query<RowDataPacket[]>(DISCOVER_SQL, [], "source", "listing tables failed");
    return collectDatasets(rows as DiscoverRow[], (row) => ({
      dataset: `${row.db}.${row.name}`,
      kind: row.kind === "VIEW" ? "view" : "table",
      table: qualifiedName(row.db, row.name),
      estimatedRows: row.estimate !== null && row.kind !== "VIEW" ? Number(row.estimate) : undefined,
      column: row.column,
      schema: jsonSchemaForColumn(row.dataType, row.columnType, Boolean(row.nullable), {
        tinyint1AsBool: this.config.tinyint1_as_bool,
        json: Boolean(row.json),
      }),
    }));
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return await this.#cursor.check(
      { name: "connect", run: () => this.#pool.query("SELECT 1", [], "connection") },
      async () => (await this.#pool.withConnection((connection) => this.#describe(connection))).map((f) => f.name),
    );
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/** The callback-style connection under a promise one (for streaming and prepared metadata). */
function callbacks(connection: PoolConnection): CallbackConnection {
  return connection.connection as unknown as CallbackConnection;
}

/** A JSON parameter as mysql2 binds it: objects and arrays as JSON text. */
function bindable(value: Value): unknown {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : value;
}

/**
 * The rows of a result stream in chunks of `chunkRows`, with backpressure: the stream (and so the
 * socket) pauses while {@link CHUNKS_AHEAD} chunks wait. Fails when no row arrives for
 * `timeoutMs` (0: never) while the reader waits, and stops when `signal` aborts.
 */
async function* rowChunks(
  stream: Readable,
  chunkRows: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<ValueObject[]> {
  const queue: ValueObject[][] = [];
  let current: ValueObject[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stream.on("data", (row: ValueObject) => {
    current.push(row);
    if (current.length >= chunkRows) {
      queue.push(current);
      current = [];
      if (queue.length >= CHUNKS_AHEAD) stream.pause();
      notify();
    }
  });
  stream.on("end", () => {
    if (current.length > 0) queue.push(current);
    current = [];
    ended = true;
    notify();
  });
  stream.on("error", (error) => {
    failure = error;
    notify();
  });
  signal?.addEventListener("abort", notify, { once: true });
  try {
    for (;;) {
      if (failure !== undefined) throw failure;
      const chunk = queue.shift();
      if (chunk) {
        if (queue.length < CHUNKS_AHEAD && stream.isPaused()) stream.resume();
        yield chunk;
        continue;
      }
      if (ended) return;
      if (signal?.aborted) throw cancelledError();
      await new Promise<void>((resolve, reject) => {
        wake = resolve;
        if (timeoutMs > 0) {
          const timer = setTimeout(() => {
            reject(
              new FaucetError("timeout", `no rows arrived from the server for ${timeoutMs / 1000}s`, {
                connector: CONNECTOR,
                retryable: true,
                hint: "check the server and network; raise read_timeout_secs for queries that think long",
              }),
            );
          }, timeoutMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }
      });
    }
  } finally {
    signal?.removeEventListener("abort", notify);
  }
}

interface DiscoverRow {
  db: string;
  name: string;
  kind: string;
  estimate: number | string | null;
  column: string;
  dataType: string;
  columnType: string;
  nullable: number;
  json: number;
}

const DISCOVER_SQL = `
SELECT t.TABLE_SCHEMA AS db, t.TABLE_NAME AS name, t.TABLE_TYPE AS kind, t.TABLE_ROWS AS estimate,
       c.COLUMN_NAME AS \`column\`, LOWER(c.DATA_TYPE) AS dataType, c.COLUMN_TYPE AS columnType,
       c.IS_NULLABLE = 'YES' AS nullable,
       (LOWER(c.DATA_TYPE) = 'json' OR EXISTS (
         SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k
         WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME
           AND k.CHECK_CLAUSE = CONCAT('json_valid(\`', REPLACE(c.COLUMN_NAME, '\`', '\`\`'), '\`)'))) AS json
FROM information_schema.TABLES t
JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
WHERE t.TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')
  AND (t.TABLE_SCHEMA = DATABASE() OR (DATABASE() IS NULL AND t.TABLE_SCHEMA NOT IN
       ('mysql', 'information_schema', 'performance_schema', 'sys')))
ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME, c.ORDINAL_POSITION`;

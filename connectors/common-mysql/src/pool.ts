import { formatOffset, type LazyResource, lazyPool, readTlsFiles } from "faucet-common-sql";
import { type ErrorKind, FaucetError, type Logger, registerSecret, silentLogger } from "faucet-core";
import type { FieldPacket, Pool, PoolConnection, QueryResult, RowDataPacket, SslOptions } from "mysql2/promise";
import { type ConnectionConfig, type ResolvedConnection, resolveConnection } from "./config.js";
import { connectError, queryError } from "./errors.js";

/** Options of {@link MysqlPool}. */
export interface MysqlPoolOptions {
  /** Names the connector in errors, e.g. `source-mysql`. */
  connector: string;
  /** Most connections open at once; default 5. */
  maxConnections?: number;
  logger?: Logger;
  /** Statements run once on every new connection after faucet's own (e.g. `SET sql_mode = …`). */
  session?: readonly string[];
}

/**
 * A lazily opened mysql2 pool with faucet's session settings: utf8mb4, the configured time zone,
 * and result options that lose nothing (BIGINT beyond ±2^53 as strings, DECIMAL always as
 * strings, dates as text, JSON as text for an exact parse). Failures to connect become
 * FaucetErrors that name the target but never the password. `close()` is idempotent.
 *
 * @example
 * const pool = new MysqlPool({ connection_url: "mysql://root@127.0.0.1:3306/test" }, { connector: "my-tool" });
 * const [rows] = await pool.query("SELECT 1 AS one", [], "source");
 * await pool.close();
 */
export class MysqlPool {
  readonly target: ResolvedConnection;
  readonly connector: string;
  readonly #maxConnections: number;
  readonly #logger: Logger;
  readonly #session: string[];
  readonly #initialized = new WeakSet<object>();
  readonly #pool: LazyResource<Pool>;
  #maxAllowedPacket: number | undefined;

  constructor(config: ConnectionConfig, options: MysqlPoolOptions) {
    this.connector = options.connector;
    this.target = resolveConnection(config, options.connector);
    registerSecret(this.target.password);
    this.#maxConnections = options.maxConnections ?? 5;
    this.#logger = options.logger ?? silentLogger;
    this.#session = [`SET time_zone = '${formatOffset(this.target.offsetMinutes)}'`, ...(options.session ?? [])];
    this.#pool = lazyPool(() => this.#open(), { connector: this.connector, logger: this.#logger, server: "MySQL" });
  }

  /** Checks out a connection with the session set up; the caller must `release()` it. */
  async connect(): Promise<PoolConnection> {
    const pool = await this.#pool.get();
    let connection: PoolConnection;
    try {
      connection = await pool.getConnection();
    } catch (error) {
      throw connectError(error, this.target, this.connector);
    }
    if (!this.#initialized.has(connection.connection)) {
      try {
        for (const statement of this.#session) await connection.query(statement);
        this.#initialized.add(connection.connection);
      } catch (error) {
        connection.destroy();
        throw queryError(error, "connection", this.connector, "setting up the session failed");
      }
    }
    return connection;
  }

  /** Runs one statement on a pooled connection; failures become FaucetErrors of `kind`. */
  async query<T extends QueryResult = QueryResult>(
    sql: string,
    params: readonly unknown[],
    kind: ErrorKind,
    what = "query failed",
  ): Promise<[T, FieldPacket[]]> {
    return await this.withConnection(async (connection) => {
      try {
        return (await connection.query<T>(sql, params as unknown[])) as [T, FieldPacket[]];
      } catch (error) {
        throw queryError(error, kind, this.connector, what);
      }
    });
  }

  /** Runs `fn` on a pooled connection; a connection that broke is destroyed, not reused. */
  async withConnection<T>(fn: (connection: PoolConnection) => Promise<T>): Promise<T> {
    const connection = await this.connect();
    let broken = false;
    try {
      return await fn(connection);
    } catch (error) {
      broken = FaucetError.is(error) && error.kind === "connection";
      throw error;
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  /** The server's `max_allowed_packet` in bytes, read once. */
  async maxAllowedPacket(): Promise<number> {
    if (this.#maxAllowedPacket === undefined) {
      const [rows] = await this.query<RowDataPacket[]>(
        "SELECT @@max_allowed_packet AS size",
        [],
        "connection",
        "reading max_allowed_packet failed",
      );
      this.#maxAllowedPacket = Number(rows[0]?.size ?? 4 * 1024 * 1024);
    }
    return this.#maxAllowedPacket;
  }

  /** Ends every connection. Idempotent. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #open(): Promise<Pool> {
    const { default: mysql } = await import("mysql2/promise");
    const t = this.target;
    const pool = mysql.createPool({
      host: t.host,
      port: t.port,
      user: t.user,
      ...(t.password === undefined ? {} : { password: t.password }),
      ...(t.database === undefined ? {} : { database: t.database }),
      ...(t.sslMode === "disable" ? {} : { ssl: sslOptions(t, this.connector) }),
      connectTimeout: t.connectTimeoutMs,
      connectionLimit: this.#maxConnections,
      maxIdle: this.#maxConnections,
      idleTimeout: 30_000,
      enableKeepAlive: true,
      charset: "utf8mb4",
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: false,
      dateStrings: true,
      jsonStrings: true,
      multipleStatements: false,
      typeCast: exactDoubles,
    });
    // An idle connection the server drops must not crash the process; the next checkout reconnects.
    (pool as unknown as { pool: { on(event: string, fn: (error: Error) => void): void } }).pool.on("error", (error) => {
      this.#logger.warn("an idle MySQL connection failed", { connector: this.connector, error: error.message });
    });
    return pool;
  }
}

/**
 * mysql2 builds FLOAT and DOUBLE values digit by digit, which rounds the last bit of some
 * 16–17-digit values (90.28571428571429 comes back as 90.28571428571428): read their text and
 * parse it exactly instead. Every other type keeps mysql2's own fast parser.
 */
function exactDoubles(field: { type: string; string(): string | null }, next: () => unknown): unknown {
  if (field.type !== "DOUBLE" && field.type !== "FLOAT") return next();
  const text = field.string();
  return text === null ? null : Number(text);
}

function sslOptions(target: ResolvedConnection, connector: string): SslOptions {
  const options: SslOptions & { verifyIdentity?: boolean } = {
    rejectUnauthorized: target.sslMode !== "require",
    verifyIdentity: target.sslMode === "verify-full",
    ...readTlsFiles(target, connector),
  };
  return options;
}

import type { ConnectionOptions } from "node:tls";
import { type LazyResource, lazyPool, readTlsFiles } from "faucet-common-sql";
import { type ErrorKind, FaucetError, type Logger, registerSecret, silentLogger } from "faucet-core";
import type { Pool, PoolClient, QueryResult, QueryResultRow } from "pg";
import { type ConnectionConfig, type ResolvedConnection, resolveConnection } from "./config.js";
import { connectError, queryError } from "./errors.js";
import { type JsonBigNumbers, SESSION_OPTIONS, TYPE_QUERY, TypeRegistry, type TypeRow } from "./read-types.js";

/** Options of {@link PostgresPool}. */
export interface PostgresPoolOptions {
  /** Names the connector in errors, e.g. `source-postgres`. */
  connector: string;
  /** Most connections open at once; default 5. */
  maxConnections?: number;
  logger?: Logger;
  /** What reading a JSON number a double cannot hold does; default `fail`. */
  jsonBigNumbers?: JsonBigNumbers;
  /** Called for each such number read as a string. */
  onBigNumber?: (token: string) => void;
}

/**
 * A lazily opened pg pool with faucet's session settings and per-pool type parsers (never set
 * globally on the pg module). Failures to connect become FaucetErrors that name the target but
 * never the password. `close()` is idempotent.
 *
 * @example
 * const pool = new PostgresPool({ connection_url: "postgres://postgres@127.0.0.1/test" }, { connector: "source-postgres" });
 * const { rows } = await pool.query("SELECT 1 AS one", [], "source");
 * await pool.close();
 */
export class PostgresPool {
  readonly target: ResolvedConnection;
  readonly registry: TypeRegistry;
  readonly connector: string;
  readonly #maxConnections: number;
  readonly #logger: Logger;
  readonly #pool: LazyResource<Pool>;

  constructor(config: ConnectionConfig, options: PostgresPoolOptions) {
    this.connector = options.connector;
    this.registry = new TypeRegistry({
      ...(options.jsonBigNumbers ? { jsonBigNumbers: options.jsonBigNumbers } : {}),
      ...(options.onBigNumber ? { onBigNumber: options.onBigNumber } : {}),
    });
    this.target = resolveConnection(config, options.connector);
    registerSecret(this.target.password);
    this.#maxConnections = options.maxConnections ?? 5;
    this.#logger = options.logger ?? silentLogger;
    this.#pool = lazyPool(() => this.#open(), { connector: this.connector, logger: this.#logger, server: "Postgres" });
  }

  /** Checks out a connection; the caller must `release()` it. */
  async connect(): Promise<PoolClient> {
    const pool = await this.#pool.get();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw connectError(error, this.target, this.connector);
    }
    if (!this.registry.learnt) {
      try {
        const { rows } = await client.query<TypeRow>(TYPE_QUERY);
        this.registry.learn(rows);
      } catch (error) {
        client.release(true);
        throw queryError(error, "connection", this.connector, "could not read pg_type");
      }
    }
    return client;
  }

  /** Runs one statement on a pooled connection; failures become FaucetErrors of `kind`. */
  async query<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    params: readonly unknown[],
    kind: ErrorKind,
    what = "query failed",
  ): Promise<QueryResult<R>> {
    return await this.withClient(async (client) => {
      try {
        return await client.query<R>(sql, params as unknown[]);
      } catch (error) {
        throw queryError(error, kind, this.connector, what);
      }
    });
  }

  /** Runs `fn` on a pooled connection; a connection that broke is destroyed, not reused. */
  async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      return await fn(client);
    } catch (error) {
      broken = FaucetError.is(error) && error.kind === "connection";
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Ends every connection. Idempotent. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #open(): Promise<Pool> {
    const { default: pg } = await import("pg");
    const t = this.target;
    const pool = new pg.Pool({
      host: t.host,
      port: t.port,
      user: t.user,
      ...(t.password === undefined ? {} : { password: t.password }),
      database: t.database,
      ssl: sslOptions(t, this.connector),
      connectionTimeoutMillis: t.connectTimeoutMs,
      application_name: t.applicationName,
      options: SESSION_OPTIONS,
      types: this.registry,
      max: this.#maxConnections,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // An idle connection the server drops must not crash the process; the next checkout reconnects.
    pool.on("error", (error) => {
      this.#logger.warn("an idle Postgres connection failed", { connector: this.connector, error: error.message });
    });
    return pool;
  }
}

function sslOptions(target: ResolvedConnection, connector: string): false | ConnectionOptions {
  if (target.sslMode === "disable") return false;
  const options: ConnectionOptions = {
    rejectUnauthorized: target.sslMode !== "require",
    ...readTlsFiles(target, connector),
  };
  if (target.sslMode === "verify-ca") options.checkServerIdentity = () => undefined;
  return options;
}

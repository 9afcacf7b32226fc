import { isCreateRace, PostgresPool, qualifiedName, queryError, quoteIdent } from "faucet-common-postgres";
import { parseJsonExact } from "faucet-common-sql";
import {
  DEFAULT_LEASE_TTL_MS,
  FaucetError,
  HeldLeases,
  type LeaseOptions,
  type Logger,
  parseConfig,
  type StateLease,
  type StateStore,
  silentLogger,
  type Value,
} from "faucet-core";
import { PostgresStateConfig, type PostgresStateConfigInput } from "./config.js";
import { acquirePostgresLease, type PostgresLease } from "./lease.js";

const CONNECTOR = "state-postgres";
/** Leases held at once by one store: each keeps a connection of its own. */
const LEASE_CONNECTIONS = 16;

/** Options of {@link PostgresStateStore} beyond its config. */
export interface PostgresStateStoreOptions {
  logger?: Logger;
}

/**
 * A state store in a PostgreSQL table (`key text PRIMARY KEY, value jsonb, updated_at`), so
 * several machines share bookmarks. `put` is one upsert, durable when it resolves (the server
 * committed it). The table is created on first use.
 *
 * A run's lease on a key is a session-level advisory lock (`pg_try_advisory_lock` on a 64-bit
 * hash of the table and key) held by a connection of its own for as long as the run holds the
 * lease: a holder that dies drops its connection, and the server frees the lock with it. While
 * this store holds a key's lease, `put` writes through the lease's session, so a run whose lease
 * was lost cannot advance the bookmark.
 *
 * @example
 * const state = new PostgresStateStore({ connection_url: "postgres://postgres@127.0.0.1/test" });
 * await new Pipeline(source, sink, { stateStore: state }).run();
 * await state.close();
 */
export class PostgresStateStore implements StateStore {
  readonly durable = true;
  readonly config: PostgresStateConfig;
  readonly #pool: PostgresPool;
  readonly #logger: Logger;
  readonly #table: string;
  readonly #holders: string;
  readonly #leases: HeldLeases<PostgresLease>;
  #leasePool: PostgresPool | undefined;
  #ready: Promise<void> | undefined;

  constructor(config: PostgresStateConfigInput, options: PostgresStateStoreOptions = {}) {
    this.config = parseConfig(PostgresStateConfig, config, { connector: CONNECTOR });
    this.#logger = options.logger ?? silentLogger;
    this.#pool = new PostgresPool(this.config, {
      connector: CONNECTOR,
      maxConnections: this.config.max_connections,
      logger: this.#logger,
    });
    this.#table = qualifiedName(this.config.schema, this.config.table);
    this.#holders = qualifiedName(this.config.schema, `${this.config.table}_lease`);
    this.#leases = new HeldLeases({
      logger: this.#logger,
      closedError,
      releaseWarning: "releasing a state lease on close failed",
    });
  }

  async get(key: string): Promise<Value | undefined> {
    // Read as text and parse exactly, so big numbers in a bookmark come back digit for digit.
    const { rows } = await this.#query<{ value: string }>(
      `SELECT value::text AS value FROM ${this.#table} WHERE key = $1`,
      [key],
      `reading state for ${key} failed`,
    );
    const text = rows[0]?.value;
    return text === undefined ? undefined : parseJsonExact(text);
  }

  async put(key: string, value: Value): Promise<void> {
    const sql =
      `INSERT INTO ${this.#table} (key, value, updated_at) VALUES ($1, $2::jsonb, now()) ` +
      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at";
    const params = [key, JSON.stringify(value)];
    const lease = this.#leases.get(key);
    if (!lease) {
      await this.#query(sql, params, `writing state for ${key} failed`);
      return;
    }
    await this.#ensureTables();
    await lease.query(sql, params, `writing state for ${key} failed`);
  }

  async delete(key: string): Promise<void> {
    await this.#query(`DELETE FROM ${this.#table} WHERE key = $1`, [key], `deleting state for ${key} failed`);
  }

  async list(): Promise<string[]> {
    const { rows } = await this.#query<{ key: string }>(
      `SELECT key FROM ${this.#table} ORDER BY key COLLATE "C"`,
      [],
      "listing state keys failed",
    );
    return rows.map((r) => r.key);
  }

  /**
   * Takes `key`'s lease for a run: rejects with an "already running" `state` error naming the
   * holder while another session holds it. `ttlMs` paces the holder's heartbeat (every ttl/3);
   * a holder whose host vanishes loses the lease after about one ttl of silence.
   */
  async acquireLease(key: string, options: LeaseOptions = { ttlMs: DEFAULT_LEASE_TTL_MS }): Promise<StateLease> {
    if (this.#leases.closed) throw closedError();
    await this.#ensureTables();
    this.#leasePool ??= new PostgresPool(this.config, {
      connector: CONNECTOR,
      maxConnections: LEASE_CONNECTIONS,
      logger: this.#logger,
    });
    const lease = await acquirePostgresLease(this.#leasePool, {
      key,
      lockName: JSON.stringify(["faucet state lease", this.#table, key]),
      holders: this.#holders,
      heartbeatMs: Math.max(50, Math.floor(options.ttlMs / 3)),
      logger: this.#logger,
      onEnd: this.#leases.forget,
    });
    return await this.#leases.hold(lease);
  }

  /** Releases every lease this store holds and closes its connections. Idempotent. */
  close(): Promise<void> {
    return this.#leases.close(async () => {
      await Promise.all([this.#pool.close(), this.#leasePool?.close()]);
    });
  }

  async #query<R extends Record<string, unknown>>(sql: string, params: unknown[], what: string) {
    await this.#ensureTables();
    return await this.#pool.query<R>(sql, params, "state", what);
  }

  #ensureTables(): Promise<void> {
    this.#ready ??= this.#createTables().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #createTables(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      if (this.config.schema) {
        const schema = `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.config.schema)}`;
        await this.#create(client, schema, "creating the schema");
      }
      await this.#create(
        client,
        `CREATE TABLE IF NOT EXISTS ${this.#table} ` +
          "(key text PRIMARY KEY, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())",
        `creating ${this.#table}`,
      );
      // Who holds each key's lease, for the "already running" error of the next run.
      await this.#create(
        client,
        `CREATE TABLE IF NOT EXISTS ${this.#holders} ` +
          "(key text PRIMARY KEY, holder jsonb NOT NULL, backend_pid int NOT NULL, acquired_at timestamptz NOT NULL)",
        `creating ${this.#holders}`,
      );
    } finally {
      client.release();
    }
  }

  async #create(client: Awaited<ReturnType<PostgresPool["connect"]>>, sql: string, what: string): Promise<void> {
    try {
      await client.query(sql);
    } catch (error) {
      // Another process created it at the same moment.
      if (!isCreateRace(error)) {
        throw FaucetError.is(error) ? error : queryError(error, "state", CONNECTOR, `${what} failed`);
      }
    }
  }
}

function closedError(): FaucetError {
  return new FaucetError("state", "the state store is closed", { connector: CONNECTOR });
}

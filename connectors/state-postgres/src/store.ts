import { PostgresPool, parseJsonExact, qualifiedName, queryError, quoteIdent } from "faucet-common-postgres";
import { FaucetError, type Logger, parseConfig, type StateStore, type Value } from "faucet-core";
import { PostgresStateConfig, type PostgresStateConfigInput } from "./config.js";

const CONNECTOR = "state-postgres";

/** Options of {@link PostgresStateStore} beyond its config. */
export interface PostgresStateStoreOptions {
  logger?: Logger;
}

/**
 * A state store in a PostgreSQL table (`key text PRIMARY KEY, value jsonb, updated_at`), so
 * several machines share bookmarks. `put` is one upsert, durable when it resolves (the server
 * committed it). The table is created on first use.
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
  readonly #table: string;
  #ready: Promise<void> | undefined;

  constructor(config: PostgresStateConfigInput, options: PostgresStateStoreOptions = {}) {
    this.config = parseConfig(PostgresStateConfig, config, { connector: CONNECTOR });
    this.#pool = new PostgresPool(this.config, {
      connector: CONNECTOR,
      maxConnections: this.config.max_connections,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.#table = qualifiedName(this.config.schema, this.config.table);
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
    await this.#query(
      `INSERT INTO ${this.#table} (key, value, updated_at) VALUES ($1, $2::jsonb, now()) ` +
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at",
      [key, JSON.stringify(value)],
      `writing state for ${key} failed`,
    );
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

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #query<R extends Record<string, unknown>>(sql: string, params: unknown[], what: string) {
    await this.#ensureTable();
    return await this.#pool.query<R>(sql, params, "state", what);
  }

  #ensureTable(): Promise<void> {
    this.#ready ??= this.#createTable().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #createTable(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      if (this.config.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.config.schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.#table} ` +
          "(key text PRIMARY KEY, value jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())",
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Another process created it at the same moment.
      if (code !== "42P07" && code !== "23505") {
        throw FaucetError.is(error) ? error : queryError(error, "state", CONNECTOR, `creating ${this.#table} failed`);
      }
    } finally {
      client.release();
    }
  }
}

import { hostname } from "node:os";
import { type PostgresPool, queryError } from "faucet-common-postgres";
import {
  alreadyRunning,
  describe,
  FaucetError,
  LeaseLifecycle,
  type Logger,
  leaseLost,
  type StateLease,
} from "faucet-core";
import type { PoolClient, QueryResult, QueryResultRow } from "pg";

const CONNECTOR = "state-postgres";

/** The advisory lock of a lease: a 64-bit hash of its name, computed by the server. */
const LOCK_ID = "hashtextextended($1, 0)";

/** Who holds a lease, as its holder records it. */
interface Holder {
  pid: number;
  host: string;
  acquired_at: string;
}

/** Where a lease lives and what to do around it. */
export interface LeaseSpec {
  key: string;
  /** The advisory lock's name (namespace and key), hashed to the lock's 64-bit id. */
  lockName: string;
  /** The quoted table where holders describe themselves (one row per key). */
  holders: string;
  /** How often the holder checks its session; the server ends a session idle this long × 3. */
  heartbeatMs: number;
  logger: Logger;
  /** Called once the lease is released, so the store stops tracking it (a lost lease still fences puts). */
  onEnd: (lease: PostgresLease) => void;
}

/**
 * Takes a lease with `pg_try_advisory_lock` on a connection of its own, held until the lease is
 * released: the lock is the session's, so a holder that dies (its connection drops) frees it at
 * once. When another session holds it, rejects with the `alreadyRunning` error naming that holder
 * (pid, host and since when, from the holders table, matched on the lock holder's backend pid).
 */
export async function acquirePostgresLease(pool: PostgresPool, spec: LeaseSpec): Promise<PostgresLease> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const client = await pool.connect();
    // A checked-out pg client has no 'error' listener: without this one, a session the server
    // ends would crash the process. The lease replaces it once it is held.
    const ignore = () => {};
    client.on("error", ignore);
    let holder: string | undefined;
    try {
      const { rows } = await client.query<{ taken: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_ID}) AS taken`, [
        spec.lockName,
      ]);
      if (rows[0]?.taken) {
        await recordHolder(client, spec);
        client.removeListener("error", ignore);
        return new PostgresLease(client, spec);
      }
      holder = await describeHolder(client, spec);
    } catch (error) {
      client.release(true); // ends the session, and with it any lock it took
      throw FaucetError.is(error)
        ? error
        : queryError(error, "state", CONNECTOR, `taking the lease on state key "${spec.key}" failed`);
    }
    client.release();
    client.removeListener("error", ignore);
    if (holder !== undefined) throw alreadyRunning(spec.key, holder);
    // The holder let go between the two statements: try again.
  }
  throw alreadyRunning(spec.key, "another run (the lease keeps changing hands)");
}

async function recordHolder(client: PoolClient, spec: LeaseSpec): Promise<void> {
  const holder: Holder = { pid: process.pid, host: hostname(), acquired_at: new Date().toISOString() };
  await client.query(
    `INSERT INTO ${spec.holders} (key, holder, backend_pid, acquired_at) VALUES ($1, $2::jsonb, pg_backend_pid(), now()) ` +
      "ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, backend_pid = EXCLUDED.backend_pid, acquired_at = EXCLUDED.acquired_at",
    [spec.key, JSON.stringify(holder)],
  );
  // A holder whose host vanishes stops sending heartbeats; the server then ends its session
  // (and frees the lock) after three missed beats. Servers before PostgreSQL 14 lack the setting.
  await client
    .query("SELECT set_config('idle_session_timeout', $1, false)", [`${spec.heartbeatMs * 3}ms`])
    .catch(() => undefined);
}

/**
 * `pid 123 on host since 2024-…` for the session holding the lease's lock, or `Postgres session
 * 4567` when it recorded nothing (yet); undefined when no session holds it any more.
 */
async function describeHolder(client: PoolClient, spec: LeaseSpec): Promise<string | undefined> {
  const { rows } = await client.query<{ pid: number; holder: Partial<Holder> | null }>(
    `WITH k AS (SELECT ${LOCK_ID} AS id)
     SELECT l.pid, h.holder
     FROM k, pg_locks l
     LEFT JOIN ${spec.holders} h ON h.key = $2 AND h.backend_pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = ((k.id >> 32) & 4294967295)::oid AND l.objid = (k.id & 4294967295)::oid`,
    [spec.lockName, spec.key],
  );
  const row = rows[0];
  if (!row) return undefined;
  const h = row.holder;
  if (h && typeof h.pid === "number") return `pid ${h.pid} on ${h.host ?? "?"} since ${h.acquired_at ?? "?"}`;
  return `Postgres session ${row.pid}`;
}

/**
 * A held lease: its own session holds the advisory lock. A heartbeat every `heartbeatMs` keeps
 * the session from idling out and notices when it ended; then the signal aborts with
 * `leaseLost`. `release()` unlocks and closes the session; it is idempotent.
 */
export class PostgresLease implements StateLease {
  readonly key: string;
  readonly #client: PoolClient;
  readonly #spec: LeaseSpec;
  readonly #life: LeaseLifecycle;
  /** Aborts with a `state` error when the lease's session ends; the Pipeline stops on it. */
  readonly signal: AbortSignal;
  #beating = false;

  constructor(client: PoolClient, spec: LeaseSpec) {
    this.key = spec.key;
    this.#client = client;
    this.#spec = spec;
    client.on("error", this.#onSessionEnd);
    client.on("end", this.#onSessionEnd);
    this.#life = new LeaseLifecycle(spec.key, spec.heartbeatMs, () => void this.#heartbeat());
    this.signal = this.#life.signal;
  }

  /** True once the lease's session ended while it was held. */
  get lost(): boolean {
    return this.#life.lost;
  }

  /**
   * Runs a statement on the lease's own session, so it succeeds only while the lease is held
   * (a write fenced by the lease). Fails with `leaseLost` once the session ended.
   */
  async query<R extends QueryResultRow>(sql: string, params: unknown[], what: string): Promise<QueryResult<R>> {
    if (this.#life.lost || this.#life.released) throw leaseLost(this.key);
    try {
      return await this.#client.query<R>(sql, params);
    } catch (error) {
      if (this.#life.lost || isSessionGone(error)) {
        this.#markLost(error);
        throw leaseLost(this.key);
      }
      throw queryError(error, "state", CONNECTOR, what);
    }
  }

  release(): Promise<void> {
    return this.#life.release(() => this.#release());
  }

  async #release(): Promise<void> {
    try {
      if (!this.#life.lost) {
        await this.#client.query(
          `DELETE FROM ${this.#spec.holders} WHERE key = $1 AND backend_pid = pg_backend_pid()`,
          [this.key],
        );
        await this.#client.query(`SELECT pg_advisory_unlock(${LOCK_ID})`, [this.#spec.lockName]);
      }
    } catch (error) {
      // Closing the session below frees the lock all the same.
      this.#spec.logger.warn("unlocking the state lease failed; closing its session frees it", {
        key: this.key,
        error: describe(error),
      });
    } finally {
      this.#client.removeListener("end", this.#onSessionEnd);
      this.#client.release(true);
      this.#spec.onEnd(this);
    }
  }

  async #heartbeat(): Promise<void> {
    if (this.#beating || this.#life.released || this.#life.lost) return;
    this.#beating = true;
    // A server that stops answering (a network partition) counts as a lost session.
    const silence = setTimeout(() => {
      if (!this.#life.released) this.#markLost(new Error("the server did not answer the lease's heartbeat"));
    }, this.#spec.heartbeatMs * 3);
    try {
      await this.#client.query("SELECT 1");
    } catch (error) {
      if (!this.#life.released) this.#markLost(error);
    } finally {
      clearTimeout(silence);
      this.#beating = false;
    }
  }

  readonly #onSessionEnd = (error?: Error): void => {
    if (!this.#life.released) this.#markLost(error);
  };

  #markLost(error: unknown): void {
    if (!this.#life.markLost()) return;
    this.#spec.logger.error("the state lease was lost: its Postgres session ended, so another run may take the key", {
      key: this.key,
      ...(error ? { error: describe(error) } : {}),
    });
  }
}

/** True for errors that mean the session is gone (terminated, connection closed). */
function isSessionGone(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  return code.startsWith("57P") || code.startsWith("08") || /Connection terminated|not queryable/i.test(message);
}

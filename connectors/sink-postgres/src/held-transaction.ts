import { type PostgresPool, queryError } from "faucet-common-postgres";
import { FaucetError } from "faucet-core";
import type { PoolClient } from "pg";

/**
 * Pages one held transaction takes at most before it commits without a flush. Each page is a
 * savepoint (an INSERT page two nested ones), and each one that writes gets its own
 * subtransaction id: Postgres caches 64 per backend, past which every other session's snapshot
 * checks must read pg_subtrans. 24 pages stay under that.
 */
export const MAX_HELD_PAGES = 24;
/** Seconds a held transaction stays open at most: a timer commits it then, between pages. */
export const MAX_HELD_SECONDS = 5;

const SAVEPOINT = "faucet_held_page";
const ASIDE = "faucet_aside";

/** Options of {@link HeldTransaction}. */
export interface HeldTransactionOptions {
  connector: string;
  /** The table written, for messages. */
  table: () => string;
  maxPages?: number;
  maxSeconds?: number;
}

/**
 * One transaction kept open across pages on one pooled connection, committed by `commit()` (the
 * sink's flush and close), after the page that makes {@link MAX_HELD_PAGES} pages, or
 * by a timer {@link MAX_HELD_SECONDS} after it opened (so a slow source does not leave it idle
 * in transaction, holding its locks). Each page runs under a savepoint, so a page that fails rolls back
 * alone and the pages before it still commit.
 *
 * A page is only durable once the transaction commits; until then a lost connection loses every
 * held page. That failure is a non-retryable FaucetError, and every later page, commit and
 * flush fails with it too: a retry would otherwise resend only the last page and report success.
 * No bookmark past the held pages was saved (state is saved after a flush), so a rerun is safe.
 *
 * @example
 * const held = new HeldTransaction(pool, { connector: "sink-postgres", table: () => "public.t" });
 * await held.page(records.length, (client) => copyRows(client, records));
 * await held.commit(); // what a flush does
 */
export class HeldTransaction {
  readonly #pool: PostgresPool;
  readonly #options: Required<HeldTransactionOptions>;
  #client: PoolClient | undefined;
  #pages = 0;
  #rows = 0;
  #timer: NodeJS.Timeout | undefined;
  /** The failure that lost held pages: every later call rethrows it. */
  #lost: FaucetError | undefined;
  /** The connection's error while idle between pages (a socket error has no query to fail). */
  #idleError: Error | undefined;
  /** Serializes calls: one connection, one statement at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(pool: PostgresPool, options: HeldTransactionOptions) {
    this.#pool = pool;
    this.#options = { maxPages: MAX_HELD_PAGES, maxSeconds: MAX_HELD_SECONDS, ...options };
  }

  /** True while pages wait for a commit. */
  get holding(): boolean {
    return this.#client !== undefined;
  }

  /** The failure that lost held pages, once one did (it has been thrown to the writer). */
  get lost(): FaucetError | undefined {
    return this.#lost;
  }

  /** Writes one page of `rows` rows in the held transaction (opened if none is). */
  async page<T>(rows: number, write: (client: PoolClient) => Promise<T>): Promise<T> {
    return await this.#serial(async () => {
      this.#throwIfLost();
      const fresh = this.#client === undefined;
      const client = this.#client ?? (await this.#open());
      await this.#statement(
        client,
        fresh ? `BEGIN; SAVEPOINT ${SAVEPOINT}` : `RELEASE SAVEPOINT ${SAVEPOINT}; SAVEPOINT ${SAVEPOINT}`,
      );
      let result: T;
      try {
        result = await write(client);
      } catch (error) {
        await this.#rollbackPage(client, error);
        throw error;
      }
      this.#pages++;
      this.#rows += rows;
      if (this.#pages >= this.#options.maxPages) await this.#commit();
      return result;
    });
  }

  /**
   * Runs `fn` on the held connection under a savepoint of its own when a transaction is open (a
   * second connection could wait forever with `max_connections: 1`), else on a pooled one.
   */
  async aside<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return await this.#serial(async () => {
      this.#throwIfLost();
      const client = this.#client;
      if (!client) return await this.#pool.withClient(fn);
      await this.#statement(client, `SAVEPOINT ${ASIDE}`);
      try {
        const result = await fn(client);
        await this.#statement(client, `RELEASE SAVEPOINT ${ASIDE}`);
        return result;
      } catch (error) {
        await this.#statement(client, `ROLLBACK TO SAVEPOINT ${ASIDE}`);
        throw error;
      }
    });
  }

  /** Commits the held pages, if any. */
  async commit(): Promise<void> {
    await this.#serial(async () => {
      this.#throwIfLost();
      if (this.#client) await this.#commit();
    });
  }

  /** Rolls the held pages back (an overwrite that is abandoned), if any. Never throws. */
  async rollback(): Promise<void> {
    await this.#serial(async () => {
      const client = this.#client;
      if (!client) return;
      let broken = false;
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      this.#release(broken);
    });
  }

  async #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return await run;
  }

  async #open(): Promise<PoolClient> {
    const client = await this.#pool.connect();
    this.#idleError = undefined;
    client.on("error", this.#onIdleError);
    this.#client = client;
    this.#pages = 0;
    this.#rows = 0;
    // A failed timed commit is kept in #lost and thrown by the next call.
    this.#timer = setTimeout(() => this.commit().catch(() => undefined), this.#options.maxSeconds * 1000);
    this.#timer.unref();
    return client;
  }

  readonly #onIdleError = (error: Error): void => {
    this.#idleError = error;
  };

  async #commit(): Promise<void> {
    const client = this.#client as PoolClient;
    try {
      await client.query("COMMIT");
    } catch (error) {
      // Whatever failed, the transaction is over: the held pages are lost (or, if the connection
      // died during COMMIT itself, their fate is unknown).
      throw this.#lose(error, "committing them failed");
    }
    this.#release(false);
  }

  /** A statement of the transaction's own bookkeeping; its failure loses the held pages. */
  async #statement(client: PoolClient, sql: string): Promise<void> {
    try {
      await client.query(sql);
    } catch (error) {
      throw this.#lose(error, `${sql.split(";")[0]} failed`);
    }
  }

  /**
   * After a page failed: back to the page's savepoint, so the pages before it can still commit.
   * When the connection is gone, the held pages are lost with it.
   */
  async #rollbackPage(client: PoolClient, error: unknown): Promise<void> {
    if (isConnectionLoss(error) || this.#idleError) throw this.#lose(error, "the connection was lost");
    try {
      await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    } catch (rollbackError) {
      throw this.#lose(rollbackError, "rolling the failed page back failed");
    }
  }

  /**
   * Ends the transaction after a failure that took it down. With pages held this is the run's
   * end: a non-retryable error that every later call rethrows. With none (the page that opened
   * the transaction failed), only that page was lost, as with a transaction per page: the error
   * keeps its own kind and retryability.
   */
  #lose(error: unknown, what: string): FaucetError {
    const pages = this.#pages;
    const rows = this.#rows;
    this.#release(true);
    if (pages === 0) return queryError(error, "sink", this.#options.connector, what);
    const cause = this.#idleError ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    this.#lost = new FaucetError(
      "sink",
      `${pages} page(s) (${rows} rows) written to ${this.#options.table()} since the last flush were not committed: ${what} (${reason}); they cannot be sent again from this run`,
      {
        cause,
        connector: this.#options.connector,
        retryable: false,
        hint: "rerun the pipeline: no bookmark past these pages was saved, so it resumes before them",
      },
    );
    return this.#lost;
  }

  #throwIfLost(): void {
    if (this.#lost) throw this.#lost;
    if (!this.#client || !this.#idleError) return;
    // The connection died between pages: with nothing held, just start over on another.
    if (this.#pages === 0) this.#release(true);
    else throw this.#lose(this.#idleError, "the connection was lost");
  }

  #release(broken: boolean): void {
    const client = this.#client;
    if (!client) return;
    this.#client = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pages = 0;
    this.#rows = 0;
    // Keep a listener: a dead socket may still report an error after its release.
    client.removeListener("error", this.#onIdleError);
    if (broken) client.on("error", () => undefined);
    client.release(broken || this.#idleError !== undefined);
  }
}

/** A dropped connection, as pg or faucet reports it. */
function isConnectionLoss(error: unknown): boolean {
  if (FaucetError.is(error)) return error.kind === "connection";
  const code = (error as { code?: string } | undefined)?.code ?? "";
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "ECONNRESET" || code === "EPIPE") {
    return true;
  }
  return /Connection terminated|not queryable|ECONNRESET/i.test(error instanceof Error ? error.message : String(error));
}

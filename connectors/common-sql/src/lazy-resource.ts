import { FaucetError, type Logger } from "faucet-core";

/** What a {@link LazyResource} opens, ends and says. */
export interface LazyResourceOptions<T> {
  /** Opens the resource (a pool, a database handle) on first use. */
  open: () => Promise<T>;
  /** Releases it on close. */
  end: (resource: T) => Promise<void> | void;
  /** Names the connector in errors. */
  connector: string;
  /** The message of the `connection` error {@link LazyResource.get} throws once closed. */
  closedMessage: string;
  /** Told when ending the resource fails (close itself never fails); default: ignored. */
  onEndError?: (error: unknown) => void;
}

/**
 * A pool or database handle opened on first use, shared by every caller, and closed once: a
 * connector creates it in its constructor with no I/O. An open that fails is tried again by the
 * next caller; `close()` is idempotent.
 *
 * @example
 * const pool = new LazyResource({ open: async () => createPool(), end: (p) => p.end(), connector: "sink-x", closedMessage: "the connection pool is closed" });
 * const p = await pool.get();
 * await pool.close();
 */
export class LazyResource<T> {
  readonly #options: LazyResourceOptions<T>;
  #pending: Promise<T> | undefined;
  #closed = false;

  constructor(options: LazyResourceOptions<T>) {
    this.#options = options;
  }

  /** The resource, opened on first use; every caller waits on the one open. */
  get(): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new FaucetError("connection", this.#options.closedMessage, { connector: this.#options.connector }),
      );
    }
    this.#pending ??= this.#options.open().catch((error: unknown) => {
      this.#pending = undefined;
      throw error;
    });
    return this.#pending;
  }

  /** Ends the resource if it was opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pending = this.#pending;
    this.#pending = undefined;
    if (!pending) return;
    try {
      await this.#options.end(await pending);
    } catch (error) {
      this.#options.onEndError?.(error);
    }
  }
}

/** What {@link lazyPool} says, and to whom. */
export interface LazyPoolOptions {
  /** Names the connector in errors and warnings. */
  connector: string;
  logger: Logger;
  /** The server's name in the warning when closing fails, e.g. `MySQL`. */
  server: string;
}

/**
 * A {@link LazyResource} for a driver's connection pool: opened on first use, refused once closed
 * ("the connection pool is closed"), ended on close with a warning (never an error) when ending
 * fails.
 *
 * @example
 * const pool = lazyPool(async () => new pg.Pool(options), { connector: "sink-postgres", logger, server: "Postgres" });
 */
export function lazyPool<P extends { end(): Promise<void> }>(
  open: () => Promise<P>,
  options: LazyPoolOptions,
): LazyResource<P> {
  const { connector, logger, server } = options;
  return new LazyResource({
    open,
    end: (pool) => pool.end(),
    connector,
    closedMessage: "the connection pool is closed",
    onEndError: (error) => logger.warn(`closing the ${server} pool failed`, { connector, error: String(error) }),
  });
}

import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { parseJsonExact } from "faucet-common-sql";
import {
  DEFAULT_LEASE_TTL_MS,
  describe,
  FaucetError,
  HeldLeases,
  type LeaseOptions,
  type Logger,
  parseConfig,
  registerSecret,
  type StateLease,
  type StateStore,
  silentLogger,
  type Value,
} from "faucet-core";
import { Redis } from "ioredis";
import { RedisStateConfig, type RedisStateConfigInput } from "./config.js";
import { CONNECTOR, closedError, leaseLost, notDurable, redisError } from "./errors.js";
import { acquireRedisLease, type RedisLease } from "./lease.js";
import { type RedisTarget, resolveTarget } from "./target.js";

/** Keys asked of each SCAN page. */
const SCAN_COUNT = 500;

/** Options of {@link RedisStateStore} beyond its config. */
export interface RedisStateStoreOptions {
  logger?: Logger;
}

/**
 * A state store in Redis: each bookmark is one JSON string at `{namespace}:{key}` (the Rust
 * faucet-stream's layout), and a run's lease is `{namespace}|lease:{key}`, taken with
 * `SET NX PX` and renewed every ttl/3. One connection per store, opened on first use and
 * reused; `close()` releases every lease and closes it.
 *
 * `put` resolves once Redis has applied the write (and, when configured, once `wait_replicas`
 * replicas acknowledged it or the server fsynced its append-only file): it is as durable as
 * the server's persistence makes it. While this store holds the key's lease, `put` writes only
 * if the lease is still its own, so a run that lost its lease cannot advance the bookmark.
 *
 * @example
 * const state = new RedisStateStore({ url: "redis://127.0.0.1:6379", namespace: "prod" });
 * await new Pipeline(source, sink, { stateStore: state }).run();
 * await state.close();
 */
export class RedisStateStore implements StateStore {
  readonly durable = true;
  readonly config: RedisStateConfig;
  readonly #target: RedisTarget;
  readonly #logger: Logger;
  readonly #leases: HeldLeases<RedisLease>;
  #client: Promise<Redis> | undefined;

  constructor(config: RedisStateConfigInput, options: RedisStateStoreOptions = {}) {
    this.config = parseConfig(RedisStateConfig, config, { connector: CONNECTOR });
    this.#target = resolveTarget(this.config, CONNECTOR);
    registerSecret(this.#target.password);
    this.#logger = options.logger ?? silentLogger;
    this.#leases = new HeldLeases({
      logger: this.#logger,
      closedError,
      releaseWarning: "releasing a state lease on close failed; it expires on its own",
    });
  }

  /** The Redis key holding `key`'s value. */
  redisKey(key: string): string {
    return `${this.config.namespace}:${key}`;
  }

  /** The Redis key holding `key`'s lease (`|` cannot occur in a namespace, so no state key collides). */
  leaseKey(key: string): string {
    return `${this.config.namespace}|lease:${key}`;
  }

  async get(key: string): Promise<Value | undefined> {
    const text = await this.#call(`reading state for ${key}`, (c) => c.get(this.redisKey(key)));
    if (text === null) return undefined;
    try {
      return parseJsonExact(text);
    } catch (error) {
      throw new FaucetError("state", `the value at ${this.redisKey(key)} is not valid JSON`, {
        cause: error,
        connector: CONNECTOR,
        hint: "repair it with `faucet state set`, or give faucet its own namespace",
      });
    }
  }

  async put(key: string, value: Value): Promise<void> {
    const text = JSON.stringify(value);
    const lease = this.#leases.get(key);
    if (lease) {
      if (lease.lost || !(await lease.fencedSet(this.redisKey(key), text))) throw leaseLost(key);
    } else {
      await this.#call(`writing state for ${key}`, (c) => c.set(this.redisKey(key), text));
    }
    await this.#waitForDurability(key);
  }

  async delete(key: string): Promise<void> {
    await this.#call(`deleting state for ${key}`, (c) => c.del(this.redisKey(key)));
  }

  /** Every key in the namespace, sorted (SCAN, never KEYS, so a big server is not blocked). */
  async list(): Promise<string[]> {
    const prefix = `${this.config.namespace}:`;
    const keys = new Set<string>();
    let cursor = "0";
    do {
      const [next, batch] = await this.#call("listing state keys", (c) =>
        c.scan(cursor, "MATCH", `${prefix}*`, "COUNT", SCAN_COUNT),
      );
      for (const raw of batch) if (raw.startsWith(prefix)) keys.add(raw.slice(prefix.length));
      cursor = next;
    } while (cursor !== "0");
    return [...keys].sort();
  }

  async acquireLease(key: string, options: LeaseOptions = { ttlMs: DEFAULT_LEASE_TTL_MS }): Promise<StateLease> {
    const lease = await acquireRedisLease((what, command) => this.#call(what, command), {
      key,
      redisKey: this.leaseKey(key),
      ttlMs: options.ttlMs,
      logger: this.#logger,
      onEnd: this.#leases.forget,
    });
    // When close() ran meanwhile, this stops its renewal (it expires on its own) and rejects.
    return await this.#leases.hold(lease);
  }

  /** Releases every lease this store holds and closes its connection. Idempotent. */
  close(): Promise<void> {
    return this.#leases.close(() => this.#disconnect());
  }

  async #disconnect(): Promise<void> {
    const pending = this.#client;
    this.#client = undefined;
    const client = await pending?.catch(() => undefined);
    if (!client) return;
    if (client.status === "ready") await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }

  async #waitForDurability(key: string): Promise<void> {
    const { wait_replicas: replicas, wait_aof: aof } = this.config;
    if (replicas === 0 && !aof) return;
    const timeoutMs = Math.max(1, Math.round(this.config.wait_timeout_secs * 1000));
    if (aof) {
      const [local, acked] = (await this.#call(
        `waiting for the append-only file after writing ${key}`,
        (c) => c.call("WAITAOF", 1, replicas, timeoutMs),
        "wait_aof needs Redis 7.2 or later with `appendonly yes`; turn it off or enable the append-only file",
      )) as [number, number];
      if (local >= 1 && acked >= replicas) return;
      throw notDurable(key, `fsynced locally: ${local >= 1 ? "yes" : "no"}, by ${acked} of ${replicas} replicas`);
    }
    const acked = (await this.#call(`waiting for replicas after writing ${key}`, (c) =>
      c.call("WAIT", replicas, timeoutMs),
    )) as number;
    if (acked < replicas) throw notDurable(key, `acknowledged by ${acked} of ${replicas} replicas`);
  }

  /** Runs one command on the shared client, turning every failure into a FaucetError. */
  async #call<T>(what: string, command: (client: Redis) => Promise<T>, hint?: string): Promise<T> {
    const client = await this.#connection();
    try {
      return await command(client);
    } catch (error) {
      throw redisError(error, what, this.#target, hint);
    }
  }

  #connection(): Promise<Redis> {
    if (this.#leases.closed) return Promise.reject(closedError());
    if (this.#client) return this.#client;
    const opening = this.#open();
    this.#client = opening;
    opening.then(
      (client) =>
        client.once("end", () => {
          // Reconnection gave up: the next call opens a fresh connection.
          if (this.#client === opening) this.#client = undefined;
        }),
      () => {
        if (this.#client === opening) this.#client = undefined;
      },
    );
    return opening;
  }

  async #open(): Promise<Redis> {
    const { host, port, username, password, db } = this.#target;
    const tls = this.#target.tls
      ? {
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(this.config.tls_ca_file ? { ca: await this.#readCa(this.config.tls_ca_file) } : {}),
        }
      : undefined;
    // No reconnecting until the first connection is up: a wrong address fails at once, with its error.
    let established = false;
    const client = new Redis({
      host,
      port,
      db,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(tls ? { tls } : {}),
      lazyConnect: true,
      connectTimeout: Math.round(this.config.connect_timeout_secs * 1000),
      commandTimeout: Math.round(this.config.command_timeout_secs * 1000),
      // A dropped connection is re-established a few times; commands wait for it, then fail.
      retryStrategy: (times) => (!established || times > 10 ? null : Math.min(times * 200, 2000)),
      maxRetriesPerRequest: 3,
      // ioredis keeps a ref'd timer this long after disconnecting a socket that already closed.
      disconnectTimeout: 200,
      connectionName: "faucet-state",
      disableClientInfo: true,
    });
    let lastError: unknown;
    client.on("error", (error: unknown) => {
      lastError = error;
      this.#logger.debug("Redis connection error", { target: this.#target.label, error: describe(error) });
    });
    try {
      await client.connect();
      // ioredis ignores a failed SELECT while connecting (and would use db 0): check it here.
      if (db !== 0) await client.select(db);
    } catch (error) {
      if (client.status !== "end") client.disconnect();
      throw redisError(lastError ?? error, "connecting", this.#target);
    }
    established = true;
    return client;
  }

  async #readCa(path: string): Promise<Buffer> {
    try {
      return await readFile(path);
    } catch (error) {
      throw new FaucetError("config", `could not read tls_ca_file ${path}: ${describe(error)}`, {
        cause: error,
        connector: CONNECTOR,
        hint: "point tls_ca_file at a readable PEM file",
      });
    }
  }
}

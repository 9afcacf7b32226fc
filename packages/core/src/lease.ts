import { randomUUID } from "node:crypto";
import { link, open, readFile, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { describe, FaucetError } from "./errors.js";
import type { Logger } from "./logger.js";

/** Exclusive ownership of one state key while a run uses it. */
export interface StateLease {
  readonly key: string;
  /** Gives the key up. Idempotent. */
  release(): Promise<void>;
  /**
   * Aborts, with a `state` FaucetError as its reason, if the lease is lost while held (it expired
   * and another run took the key). The Pipeline then stops and fails instead of writing on.
   */
  readonly signal?: AbortSignal;
}

/** The error a lease's signal carries when the lease was lost. */
export function leaseLost(key: string): FaucetError {
  return new FaucetError("state", `the lease on state key "${key}" was lost while the run held it`, {
    retryable: false,
    hint: "another run may hold the key now; this run stopped so both do not advance one bookmark",
  });
}

/** How long a lease lives without renewal; the holder renews it every third of that. */
export interface LeaseOptions {
  ttlMs: number;
}

/** The default lease lifetime: a holder that dies releases its key after this long at most. */
export const DEFAULT_LEASE_TTL_MS = 30_000;

/** The error a second run gets when another one holds the state key. */
export function alreadyRunning(key: string, holder: string): FaucetError {
  return new FaucetError("state", `already running: state key "${key}" is held by ${holder}`, {
    retryable: false,
    hint: "wait for the other run to finish; a holder that died releases the key when its lease expires",
  });
}

/**
 * What every held lease of a shared state store does alike: a timer (unref'd, at least every
 * 50 ms) that renews or checks the lease, a signal that aborts with {@link leaseLost} once the
 * lease is lost, and a release that runs once. The lease keeps its backend's own work.
 *
 * @example
 * class MyLease implements StateLease {
 *   readonly #life = new LeaseLifecycle("orders", 10_000, () => void this.#renew());
 *   readonly key = "orders";
 *   readonly signal = this.#life.signal;
 *   release(): Promise<void> {
 *     return this.#life.release(async () => {
 *       if (!this.#life.lost) await deleteMyLeaseKey();
 *     });
 *   }
 *   async #renew(): Promise<void> {
 *     if (!(await extendMyLeaseKey())) this.#life.markLost();
 *   }
 * }
 */
export class LeaseLifecycle {
  readonly #key: string;
  readonly #timer: NodeJS.Timeout;
  readonly #lostSignal = new AbortController();
  /** Aborts with a `state` error when the lease is found lost; the Pipeline stops on it. */
  readonly signal: AbortSignal = this.#lostSignal.signal;
  #lost = false;
  #released: Promise<void> | undefined;

  constructor(key: string, periodMs: number, tick: () => void) {
    this.#key = key;
    this.#timer = setInterval(tick, Math.max(50, periodMs));
    this.#timer.unref();
  }

  /** True once the lease was found lost while held. */
  get lost(): boolean {
    return this.#lost;
  }

  /** True once `release` was called. */
  get released(): boolean {
    return this.#released !== undefined;
  }

  /** Marks the lease lost: stops the timer and aborts the signal. False when it already was. */
  markLost(): boolean {
    if (this.#lost) return false;
    this.#lost = true;
    clearInterval(this.#timer);
    this.#lostSignal.abort(leaseLost(this.#key));
    return true;
  }

  /** Stops the timer and runs `giveUp` once; later calls return the first call's promise. */
  release(giveUp: () => Promise<void>): Promise<void> {
    this.#released ??= this.#release(giveUp);
    return this.#released;
  }

  async #release(giveUp: () => Promise<void>): Promise<void> {
    clearInterval(this.#timer);
    await giveUp();
  }
}

/** What {@link HeldLeases} needs from its store. */
export interface HeldLeasesOptions {
  logger: Logger;
  /** The error a lease taken while the store was closing rejects with. */
  closedError: () => FaucetError;
  /** What to warn when closing fails to release a lease (the key and error are attached). */
  releaseWarning: string;
}

/**
 * The leases a shared state store (Postgres, Redis, …) holds, by key, until they end or the
 * store closes: `hold` keeps a freshly taken lease (or releases it and rejects when the store
 * closed meanwhile), `forget` is the lease's end callback, and `close` is the store's `close()`:
 * once, it releases every lease (warning about each that fails), then closes the connections.
 *
 * @example
 * class MyStateStore {
 *   readonly #leases = new HeldLeases<MyLease>({ logger, closedError, releaseWarning: "releasing a lease failed" });
 *   async acquireLease(key: string): Promise<StateLease> {
 *     return await this.#leases.hold(await takeMyLease(key, { onEnd: this.#leases.forget }));
 *   }
 *   close(): Promise<void> {
 *     return this.#leases.close(() => this.#pool.end());
 *   }
 * }
 */
export class HeldLeases<L extends StateLease> {
  readonly #options: HeldLeasesOptions;
  readonly #leases = new Map<string, L>();
  #closing: Promise<void> | undefined;

  constructor(options: HeldLeasesOptions) {
    this.#options = options;
  }

  /** True once `close` was called (the releases it started may still use the connections). */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The lease held on `key`, if any. */
  get(key: string): L | undefined {
    return this.#leases.get(key);
  }

  /** Keeps `lease`, or releases it and rejects with the closed error when `close` ran meanwhile. */
  async hold(lease: L): Promise<L> {
    if (this.closed) {
      // close() ran while the lease was being taken.
      await lease.release().catch(() => {});
      throw this.#options.closedError();
    }
    this.#leases.set(lease.key, lease);
    return lease;
  }

  /** Stops tracking `lease` once it ended (unless another lease on its key replaced it). */
  readonly forget = (lease: L): void => {
    if (this.#leases.get(lease.key) === lease) this.#leases.delete(lease.key);
  };

  /**
   * Releases every held lease, warning about each that fails, then runs `closeConnections`;
   * idempotent: later calls return the first call's promise.
   */
  close(closeConnections: () => Promise<void>): Promise<void> {
    this.#closing ??= this.#close(closeConnections);
    return this.#closing;
  }

  async #close(closeConnections: () => Promise<void>): Promise<void> {
    // Started before `closed` turns true, so the releases may still use the store's connections.
    await Promise.all(
      [...this.#leases.values()].map((lease) =>
        lease.release().catch((error: unknown) => {
          this.#options.logger.warn(this.#options.releaseWarning, { key: lease.key, error: describe(error) });
        }),
      ),
    );
    await closeConnections();
  }
}

interface LockBody {
  pid: number;
  host: string;
  acquired_at: string;
  /** Unique per lease, so two holders in one process (same pid, same millisecond) differ. */
  token: string;
}

/** How long a stale lock's break may take before its `.break` guard is itself stale. */
const BREAK_STALE_MS = 5_000;

/**
 * Takes a lease through a lock file created exclusively (`O_EXCL`), holding the holder's pid
 * and host. The holder touches the file every `ttlMs / 3`; a lock whose holder process no longer
 * runs on this host, or that was not touched for `ttlMs`, is stale and taken over.
 *
 * @example
 * const lease = await acquireFileLease(".faucet/state/orders.json.lock", "orders");
 * try { … } finally { await lease.release(); }
 */
export async function acquireFileLease(
  path: string,
  key: string,
  options: LeaseOptions = { ttlMs: DEFAULT_LEASE_TTL_MS },
): Promise<StateLease> {
  const body: LockBody = {
    pid: process.pid,
    host: hostname(),
    acquired_at: new Date().toISOString(),
    token: randomUUID(),
  };
  const text = JSON.stringify(body);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await createLockFile(path, text);
      return heldLease(path, key, text, options.ttlMs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new FaucetError("state", `could not create lock file ${path}: ${(error as Error).message}`, {
          cause: error,
          hint: "check that the state directory is writable",
        });
      }
    }
    const holder = await readHolder(path);
    if (holder === undefined) continue; // released between our attempt and the read
    if (!(await isStale(path, holder, options.ttlMs))) {
      throw alreadyRunning(key, `pid ${holder.pid} on ${holder.host} since ${holder.acquired_at}`);
    }
    await breakStaleLock(path, holder.text);
  }
  throw alreadyRunning(key, "another run (the lock file keeps reappearing)");
}

/**
 * Removes a stale lock, but only the one judged stale: several takers may judge the same dead
 * holder at once, and an unguarded unlink could remove the fresh lock one of them has just
 * made, leaving two holders. The break runs under an exclusive `.break` guard file and re-reads
 * the lock inside it; a taker that finds the guard taken waits briefly and tries again.
 */
async function breakStaleLock(path: string, staleText: string): Promise<void> {
  const guard = `${path}.break`;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(guard, "wx", 0o600);
  } catch {
    // Another taker is breaking it; a guard left by a taker that died mid-break is removed.
    const guardStat = await stat(guard).catch(() => undefined);
    if (guardStat && Date.now() - guardStat.mtimeMs > BREAK_STALE_MS) await unlink(guard).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
    return;
  }
  try {
    await handle.close();
    const current = await readFile(path, "utf8").catch(() => undefined);
    if (current === staleText) await unlink(path).catch(() => {});
  } finally {
    await unlink(guard).catch(() => {});
  }
}

/**
 * Creates the lock file with its body already in it: written to a temporary file first and
 * hard-linked into place (fails with EEXIST like `wx`), so a holder killed at any moment never
 * leaves an empty lock that blocks the key until it ages out. Where hard links are refused, the
 * file is created with `wx` and written.
 */
async function createLockFile(path: string, text: string): Promise<void> {
  // Unique per call: two takers in one process must not share (or delete) each other's file.
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  let linked = false;
  try {
    const handle = await open(temporary, "wx", 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
    linked = true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw error;
  } finally {
    await unlink(temporary).catch(() => {});
  }
  if (linked) return;
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function heldLease(path: string, key: string, body: string, ttlMs: number): StateLease {
  const lost = new AbortController();
  const renew = setInterval(
    async () => {
      // Still ours? A holder that stalled past its ttl may have been taken over.
      const current = await readFile(path, "utf8").catch(() => undefined);
      if (released) return;
      if (current !== body) {
        clearInterval(renew);
        lost.abort(leaseLost(key));
        return;
      }
      const now = new Date();
      await utimes(path, now, now).catch(() => {});
    },
    Math.max(50, Math.floor(ttlMs / 3)),
  );
  renew.unref();
  let released = false;
  return {
    key,
    signal: lost.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(renew);
      // Only remove the lock if it is still ours (a stale takeover may have replaced it).
      const current = await readFile(path, "utf8").catch(() => undefined);
      if (current === body) await unlink(path).catch(() => {});
    },
  };
}

/** The lock's holder and the file's exact text (what a break must find unchanged). */
async function readHolder(path: string): Promise<(LockBody & { text: string }) | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return { ...(JSON.parse(text) as LockBody), text };
  } catch {
    // A holder killed between creating and writing the file: treat as stale by age.
    return { pid: -1, host: "", acquired_at: "unknown", token: "", text };
  }
}

async function isStale(path: string, holder: LockBody, ttlMs: number): Promise<boolean> {
  if (holder.host === hostname() && holder.pid > 0 && !processRuns(holder.pid)) return true;
  const info = await stat(path).catch(() => undefined);
  return info === undefined || Date.now() - info.mtimeMs > ttlMs;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

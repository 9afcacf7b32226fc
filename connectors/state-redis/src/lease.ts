import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { alreadyRunning, describe, LeaseLifecycle, type Logger, type StateLease } from "faucet-core";
import type { Redis } from "ioredis";

/** Runs one command on the store's client, mapping failures to FaucetErrors. */
export type RedisCall = <T>(what: string, command: (client: Redis) => Promise<T>) => Promise<T>;

// Only the holder's exact value (which carries a random token) may renew, release or write
// under a lease, so a holder that stalled past its ttl can never touch a successor's lease.
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;
const FENCED_SET = `if redis.call("GET", KEYS[1]) == ARGV[1] then redis.call("SET", KEYS[2], ARGV[2]) return 1 end return 0`;

/** What a lease's value holds: a token unique to this acquisition, and who took it. */
interface Holder {
  token: string;
  pid: number;
  host: string;
  acquired_at: string;
}

/** Where a lease lives and what to do around it. */
export interface LeaseSpec {
  key: string;
  redisKey: string;
  ttlMs: number;
  logger: Logger;
  /** Called once the lease is released (or found lost), so the store stops tracking it. */
  onEnd: (lease: RedisLease) => void;
}

/**
 * Takes the lease with `SET key value NX PX ttl`. When another holder has it, rejects with the
 * `alreadyRunning` error naming that holder (pid, host and since when).
 */
export async function acquireRedisLease(call: RedisCall, spec: LeaseSpec): Promise<RedisLease> {
  const ttlMs = Math.max(1, Math.ceil(spec.ttlMs));
  const holder: Holder = {
    token: randomUUID(),
    pid: process.pid,
    host: hostname(),
    acquired_at: new Date().toISOString(),
  };
  const value = JSON.stringify(holder);
  for (let attempt = 0; attempt < 3; attempt++) {
    const taken = await call(`taking the lease on ${spec.key}`, (c) => c.set(spec.redisKey, value, "PX", ttlMs, "NX"));
    if (taken === "OK") return new RedisLease(call, { ...spec, ttlMs }, value);
    const current = await call(`reading the lease on ${spec.key}`, (c) => c.get(spec.redisKey));
    if (current === null) continue; // it expired between the two commands: try again
    throw alreadyRunning(spec.key, describeHolder(current));
  }
  throw alreadyRunning(spec.key, "another run (the lease keeps reappearing)");
}

/** `pid 123 on host since 2024-…`, or the raw value when someone else wrote it. */
function describeHolder(text: string): string {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.pid === "number") return `pid ${h.pid} on ${h.host ?? "?"} since ${h.acquired_at ?? "?"}`;
  } catch {
    // not ours: show it as it is
  }
  return JSON.stringify(text.slice(0, 200));
}

/** A held lease: renewed every ttl/3 by an unref'd timer until released or lost. */
export class RedisLease implements StateLease {
  readonly key: string;
  readonly #call: RedisCall;
  readonly #spec: LeaseSpec;
  readonly #value: string;
  readonly #life: LeaseLifecycle;
  #renewing = false;
  /** Aborts with a `state` error when the lease is found lost; the Pipeline stops on it. */
  readonly signal: AbortSignal;

  constructor(call: RedisCall, spec: LeaseSpec, value: string) {
    this.key = spec.key;
    this.#call = call;
    this.#spec = spec;
    this.#value = value;
    this.#life = new LeaseLifecycle(spec.key, Math.floor(spec.ttlMs / 3), () => void this.#renew());
    this.signal = this.#life.signal;
  }

  /** True once a renewal or a fenced write found the key no longer ours. */
  get lost(): boolean {
    return this.#life.lost;
  }

  /** Writes `value` to `stateKey` only while this lease is still ours; false when it is not. */
  async fencedSet(stateKey: string, value: string): Promise<boolean> {
    const done = await this.#call(`writing state for ${this.key}`, (c) =>
      c.eval(FENCED_SET, 2, this.#spec.redisKey, stateKey, this.#value, value),
    );
    if (done !== 1) this.#markLost();
    return done === 1;
  }

  release(): Promise<void> {
    return this.#life.release(() => this.#release());
  }

  async #release(): Promise<void> {
    try {
      if (!this.#life.lost) {
        await this.#call(`releasing the lease on ${this.key}`, (c) =>
          c.eval(RELEASE, 1, this.#spec.redisKey, this.#value),
        );
      }
    } finally {
      this.#spec.onEnd(this);
    }
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#life.released || this.#life.lost) return;
    this.#renewing = true;
    try {
      const renewed = await this.#call(`renewing the lease on ${this.key}`, (c) =>
        c.eval(RENEW, 1, this.#spec.redisKey, this.#value, this.#spec.ttlMs),
      );
      if (renewed !== 1 && !this.#life.released) this.#markLost();
    } catch (error) {
      // A blip: the next tick tries again, and the key only expires after a whole ttl.
      this.#spec.logger.warn("renewing the state lease failed; retrying", { key: this.key, error: describe(error) });
    } finally {
      this.#renewing = false;
    }
  }

  #markLost(): void {
    if (!this.#life.markLost()) return;
    this.#spec.logger.error("the state lease was lost: it expired and another run may hold the key now", {
      key: this.key,
    });
  }
}

import { cancelledError, sleep } from "faucet-core";

/**
 * A token bucket, implemented as GCRA: requests are spaced `1/rate` seconds apart, and up to
 * `burst` requests may go at once after an idle spell. Shared by every caller of one client,
 * so partitions fetched in parallel share the budget.
 *
 * @example
 * const bucket = new TokenBucket(10); // 10 requests per second
 * await bucket.take(signal);
 */
export class TokenBucket {
  readonly #intervalMs: number;
  readonly #burstMs: number;
  /** When the next request may go without waiting (the theoretical arrival time). */
  #next = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, burst = 1) {
    if (!(perSecond > 0)) throw new RangeError(`rate must be positive, got ${perSecond}`);
    this.#intervalMs = 1000 / perSecond;
    this.#burstMs = Math.max(0, Math.floor(burst) - 1) * this.#intervalMs;
  }

  /** Resolves when a request may go; rejects with `cancelled` when `signal` aborts first. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    const at = Math.max(now - this.#burstMs, this.#next);
    this.#next = at + this.#intervalMs;
    const wait = at - now;
    if (wait > 0) await sleep(wait, signal);
  }
}

/**
 * A counting semaphore: at most `limit` holders at once, served in arrival order.
 *
 * @example
 * const slots = new ConcurrencyLimit(4);
 * const release = await slots.acquire(signal);
 * try { await work(); } finally { release(); }
 */
export class ConcurrencyLimit {
  readonly limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** Holders right now. */
  get active(): number {
    return this.#active;
  }

  /** Waits for a slot; the returned function releases it (calling it twice is harmless). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#active++;
        resolve(this.#releaser());
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(cancelledError());
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#waiting.shift()?.();
    };
  }
}

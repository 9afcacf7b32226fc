import { ConcurrencyLimit, parseRetryAfter, retryDelayMs, TokenBucket } from "faucet-common-http";
import { FaucetError } from "faucet-core";
import { describe, expect, it } from "vitest";

describe("parseRetryAfter", () => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 1.5 ", now)).toBe(1500);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("retryDelayMs", () => {
  it("is capped exponential backoff with full jitter, and a longer Retry-After wins", () => {
    for (let i = 0; i < 50; i++) {
      expect(retryDelayMs({ backoffMs: 100 }, 3)).toBeLessThanOrEqual(400);
      expect(retryDelayMs({ backoffMs: 100, maxBackoffMs: 150 }, 8)).toBeLessThanOrEqual(150);
    }
    expect(retryDelayMs({ backoffMs: 100, jitter: false }, 3)).toBe(400);
    expect(retryDelayMs({ backoffMs: 100 }, 1, 5000)).toBe(5000);
  });
});

describe("TokenBucket", () => {
  it("spaces takes by 1/rate (burst 1) and lets `burst` go at once", async () => {
    const bucket = new TokenBucket(50);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await bucket.take();
      times.push(performance.now());
    }
    // Take i never resolves before i intervals after the first (timers may fire late, never early).
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[0] as number)).toBeGreaterThanOrEqual(i * 20 - 2);
    const burst = new TokenBucket(1, 3);
    const start = performance.now();
    await Promise.all([burst.take(), burst.take(), burst.take()]);
    expect(performance.now() - start).toBeLessThan(500);
  });

  it("stops waiting with a cancelled error when the signal aborts", async () => {
    const bucket = new TokenBucket(0.1);
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toSatisfy((e) => FaucetError.is(e, "cancelled"));
  });
});

describe("ConcurrencyLimit", () => {
  it("admits at most `limit` holders, in order, and releases once", async () => {
    const slots = new ConcurrencyLimit(2);
    const order: number[] = [];
    const a = await slots.acquire();
    const b = await slots.acquire();
    const c = slots.acquire().then((release) => {
      order.push(3);
      return release;
    });
    const d = slots.acquire().then((release) => {
      order.push(4);
      return release;
    });
    expect(slots.active).toBe(2);
    a();
    a();
    (await c)();
    b();
    (await d)();
    expect(order).toEqual([3, 4]);
    expect(slots.active).toBe(0);
  });

  it("a waiter whose signal aborts leaves the queue with a cancelled error", async () => {
    const slots = new ConcurrencyLimit(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toSatisfy((e) => FaucetError.is(e, "cancelled"));
    held();
    expect(slots.active).toBe(0);
  });
});

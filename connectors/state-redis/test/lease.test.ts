// Leases of the Redis state store against the local server: the shared lease battery
// (faucet-conformance testStateStoreLeases), then renewal, expiry and fencing, which are Redis's own.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describeWithService, recordingLogger, rejection, testStateStoreLeases } from "faucet-conformance";
import { type Logger, sleep } from "faucet-core";
import { RedisStateStore } from "faucet-state-redis";
import { expect, test } from "vitest";
import { REDIS_URL, redisScratch } from "./helpers.js";

const HOLDER = fileURLToPath(new URL("./fixtures/hold-lease.mjs", import.meta.url));
await describeWithService({ name: "Redis", port: 6379 }, "state-redis leases", () => {
  const { raw, namespace } = redisScratch();
  const store = (ns: string, logger?: Logger) =>
    new RedisStateStore({ url: REDIS_URL, namespace: ns }, logger ? { logger } : {});

  testStateStoreLeases({
    freedWithConnection: false,
    space: (label) => {
      const ns = namespace(label);
      return {
        store: (logger) => store(ns, logger),
        holder: async (key) => {
          const value = await raw.get(`${ns}|lease:${key}`);
          return value === null ? undefined : JSON.parse(value);
        },
        spawnHolder: (key) =>
          spawn(process.execPath, [HOLDER, REDIS_URL, ns, key, "3000"], { stdio: ["ignore", "pipe", "inherit"] }),
      };
    },
  });

  test("a lease is a key with the holder and a ttl", async () => {
    const ns = namespace("key");
    const a = store(ns);
    const lease = await a.acquireLease("orders", { ttlMs: 10_000 });
    expect(await raw.pttl(`${ns}|lease:orders`)).toBeGreaterThan(5_000);
    await lease.release();
    expect(await raw.exists(`${ns}|lease:orders`)).toBe(0);
    await a.close();
  });

  test("renewal keeps a lease alive well past its ttl; after release it is gone", async () => {
    const ns = namespace("renew");
    const [a, b] = [store(ns), store(ns)];
    const lease = await a.acquireLease("k", { ttlMs: 600 });
    await sleep(2_000); // more than three ttls
    expect(await raw.pttl(`${ns}|lease:k`)).toBeGreaterThan(0);
    expect((await rejection(b.acquireLease("k"))).message).toMatch(/already running/);
    await lease.release();
    expect(await raw.pttl(`${ns}|lease:k`)).toBe(-2);
    await Promise.all([a.close(), b.close()]);
  });

  test("a stale holder can neither write, renew nor release a lease another run took over", async () => {
    const ns = namespace("stale");
    const logger = recordingLogger();
    const [a, b] = [store(ns, logger), store(ns)];
    // A long ttl, so no renewal runs: the write itself must notice.
    const stale = await a.acquireLease("orders", { ttlMs: 30_000 });
    await a.put("orders", { id: 1 });
    // As if `a` stalled past its ttl: the key expires and `b` takes the lease.
    await raw.del(`${ns}|lease:orders`);
    const fresh = await b.acquireLease("orders", { ttlMs: 20_000 });
    const freshValue = await raw.get(`${ns}|lease:orders`);

    const error = await rejection(a.put("orders", { id: 99 }));
    expect(error.kind).toBe("state");
    expect(error.message).toMatch(/lease on state key "orders" was lost, so its bookmark was not saved/);
    expect(await b.get("orders")).toEqual({ id: 1 });
    await stale.release();
    expect(await raw.get(`${ns}|lease:orders`)).toBe(freshValue);
    expect(logger.lines).toContain("error: the state lease was lost: it expired and another run may hold the key now");
    await b.put("orders", { id: 2 }); // the holder's fenced write goes through
    expect(await a.get("orders")).toEqual({ id: 2 });

    // A short ttl: the stale holder's renewal runs against the successor's lease and must not touch it.
    const staleToo = await a.acquireLease("users", { ttlMs: 300 });
    await raw.del(`${ns}|lease:users`);
    const successor = await b.acquireLease("users", { ttlMs: 20_000 });
    await sleep(500);
    expect(await raw.pttl(`${ns}|lease:users`)).toBeGreaterThan(15_000);
    expect((await rejection(a.put("users", 1))).message).toMatch(/was lost/);
    await staleToo.release();
    expect(await raw.pttl(`${ns}|lease:users`)).toBeGreaterThan(15_000);

    await Promise.all([fresh.release(), successor.release()]);
    await Promise.all([a.close(), b.close()]);
  });

  test("a renewal that finds the lease gone marks it lost, and puts under it fail", async () => {
    const ns = namespace("lost");
    const a = store(ns);
    await a.acquireLease("k", { ttlMs: 150 });
    await raw.del(`${ns}|lease:k`);
    await sleep(300);
    expect(await raw.exists(`${ns}|lease:k`)).toBe(0); // not recreated by the renewal
    expect((await rejection(a.put("k", 1))).message).toMatch(/was lost/);
    expect(await raw.exists(`${ns}:k`)).toBe(0);
    await a.close();
  });
});

// The lease tests every shared state store passes (the Postgres and the Redis store run them
// against their real servers). Each store adds only what is specific to how it holds a lease.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { hostname } from "node:os";
import { type LeaseOptions, type Logger, Pipeline, type StateLease, type StateStore } from "faucet-core";
import { afterAll, expect, test } from "vitest";
import { eventually, keepingSink, numbersSource, rejection } from "./state-store-fixtures.js";

/** A state store that takes leases. */
export interface LeasingStateStore extends StateStore {
  acquireLease(key: string, options?: LeaseOptions): Promise<StateLease>;
  close(): Promise<void>;
}

/** One place to keep state in (a table, a namespace): the stores made for it share it. */
export interface LeaseSpace {
  store(logger?: Logger): LeasingStateStore;
  /** Who holds `key`'s lease, as the backend records it; undefined when nobody does. */
  holder(key: string): Promise<{ pid: number; host: string } | undefined>;
  /** A child process that takes `key`'s lease, prints "held" and waits to be killed. */
  spawnHolder(key: string): ChildProcess;
}

/** Options of {@link testStateStoreLeases}. */
export interface StateStoreLeaseSuiteOptions {
  /** A fresh place to keep state in, named after `label`. */
  space(label: string): LeaseSpace;
  /**
   * True when a dead holder's lease is free as soon as its connection drops (a Postgres
   * session); false when it lasts until its ttl runs out (a Redis key).
   */
  freedWithConnection: boolean;
}

/**
 * Registers the lease tests every shared state store passes (call it inside the suite that
 * checks the service is up): exclusivity and the holder named in "already running", release, a
 * SIGKILLed holder, close() with leases held or being taken, and two Pipeline runs on one key.
 *
 * @example
 * await describeWithService({ name: "Redis", port: 6379 }, "state-redis leases", () => {
 *   testStateStoreLeases({
 *     freedWithConnection: false,
 *     space: (label) => {
 *       const namespace = `test-${label}-${Date.now()}`;
 *       return {
 *         store: (logger) => new RedisStateStore({ url, namespace }, logger ? { logger } : {}),
 *         holder: async (key) => JSON.parse((await redis.get(`${namespace}|lease:${key}`)) ?? "null") ?? undefined,
 *         spawnHolder: (key) => spawn(process.execPath, ["hold-lease.mjs", url, namespace, key]),
 *       };
 *     },
 *   });
 * });
 */
export function testStateStoreLeases(options: StateStoreLeaseSuiteOptions): void {
  const stores: LeasingStateStore[] = [];
  const children: ChildProcess[] = [];
  const space = (label: string): LeaseSpace => {
    const inner = options.space(label);
    return {
      ...inner,
      store: (logger?: Logger) => {
        const store = inner.store(logger);
        stores.push(store);
        return store;
      },
      spawnHolder: (key: string) => {
        const child = inner.spawnHolder(key);
        children.push(child);
        return child;
      },
    };
  };

  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(stores.map((store) => store.close()));
  });

  test("a lease is exclusive between two stores and says who holds it; release hands it over", async () => {
    const excl = space("excl");
    const [a, b] = [excl.store(), excl.store()];
    const lease = await a.acquireLease("orders", { ttlMs: 10_000 });
    expect(lease.key).toBe("orders");
    expect(await excl.holder("orders")).toMatchObject({ pid: process.pid, host: hostname() });

    const error = await rejection(b.acquireLease("orders", { ttlMs: 10_000 }));
    expect(error.kind).toBe("state");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`already running: state key "orders" is held by pid ${process.pid} on .+ since \\d{4}-\\d\\d-\\d\\dT`),
    );
    // The same store cannot take it twice either; another key, and the same key in another place, are free.
    expect((await rejection(a.acquireLease("orders"))).message).toMatch(/already running/);
    const other = await b.acquireLease("users");
    const elsewhere = await space("excl_other").store().acquireLease("orders");

    await lease.release();
    await lease.release(); // idempotent
    expect(await excl.holder("orders")).toBeUndefined();
    const taken = await b.acquireLease("orders", { ttlMs: 10_000 });
    await Promise.all([taken.release(), other.release(), elsewhere.release()]);
  });

  const freed = options.freedWithConnection ? "as soon as its connection drops" : "once its ttl runs out";
  test(`a holder killed with SIGKILL frees the key ${freed}`, async () => {
    const kill = space("kill");
    const child = kill.spawnHolder("orders");
    const [line] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    expect(line.toString()).toBe("held\n");
    const b = kill.store();
    expect((await rejection(b.acquireLease("orders"))).message).toMatch(new RegExp(`held by pid ${child.pid} on `));

    child.kill("SIGKILL");
    await once(child, "exit");
    if (!options.freedWithConnection) {
      // Nothing released it: the lease outlives its holder (it was renewed at most a third of a ttl ago).
      expect((await rejection(b.acquireLease("orders"))).message).toMatch(new RegExp(`pid ${child.pid}`));
    }
    const started = Date.now();
    const lease = await eventually(() => b.acquireLease("orders"));
    if (options.freedWithConnection) expect(Date.now() - started).toBeLessThan(10_000);
    expect(lease.key).toBe("orders");
    await lease.release();
  });

  test("close() releases held leases; close() while a lease is being taken rejects it", async () => {
    const closing = space("closing");
    const a = closing.store();
    await a.acquireLease("k");
    await a.close();
    const b = closing.store();
    await (await b.acquireLease("k")).release();

    const c = closing.store();
    await c.get("warm-up");
    const taking = c.acquireLease("k", { ttlMs: 60_000 });
    const closed = c.close();
    expect((await rejection(taking)).message).toMatch(/closed/);
    await closed;
    // A store whose lease dies with its connection keeps nothing; a ttl lease may linger until it expires.
    if (options.freedWithConnection) await (await b.acquireLease("k")).release();
  });

  test("Pipeline: a second run on the same key fails with 'already running' and writes nothing", async () => {
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const source = (gate?: Promise<void>) => numbersSource(4, gate);
    const pipeline = space("pipeline");
    const [first, second] = [pipeline.store(), pipeline.store()];
    const firstSink = keepingSink();
    let pages = 0;
    let committed!: () => void;
    const twoPages = new Promise<void>((resolve) => {
      committed = resolve;
    });
    const firstRun = new Pipeline(source(blocked), firstSink, {
      stateStore: first,
      stateKey: "numbers",
      prefetch: 0,
      onProgress: (p) => {
        pages = p.pages;
        if (p.pages === 2) committed();
      },
    }).run();
    await twoPages;
    expect(await first.get("numbers")).toBe(2);

    const secondSink = keepingSink();
    const error = await rejection(
      new Pipeline(source(), secondSink, { stateStore: second, stateKey: "numbers" }).run(),
    );
    expect(error.kind).toBe("state");
    expect(error.message).toMatch(new RegExp(`already running: state key "numbers" is held by pid ${process.pid} on `));
    expect(secondSink.written).toEqual([]);
    expect(await second.get("numbers")).toBe(2);

    unblock();
    expect(await firstRun).toMatchObject({ recordsWritten: 4, bookmark: 4 });
    expect(pages).toBe(4);
    expect(firstSink.written).toEqual([1, 2, 3, 4].map((id) => ({ id })));
    expect(await second.get("numbers")).toBe(4);
    expect(await pipeline.holder("numbers")).toBeUndefined(); // released when the run ended

    // Now the second store may run: it resumes after 4 and writes nothing new.
    const third = await new Pipeline(source(), secondSink, { stateStore: second, stateKey: "numbers" }).run();
    expect(third.recordsWritten).toBe(0);
  });
}

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { describeWithService } from "faucet-conformance";
import { FaucetError, type Logger, Pipeline, type Source, type StreamPage, type Value } from "faucet-core";
import { RedisStateStore } from "faucet-state-redis";
import { afterAll, expect, test } from "vitest";
import { dropNamespace, REDIS_URL, rawClient, uniqueNamespace } from "./helpers.js";

const HOLDER = fileURLToPath(new URL("./fixtures/hold-lease.mjs", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<FaucetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(FaucetError.is(error)).toBe(true);
  return error as FaucetError;
}

/** A logger that keeps what was logged. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

await describeWithService({ name: "Redis", port: 6379 }, "state-redis leases", () => {
  const raw = rawClient();
  const namespaces: string[] = [];
  const children: ChildProcess[] = [];
  const namespace = (label: string) => {
    const ns = uniqueNamespace(label);
    namespaces.push(ns);
    return ns;
  };
  const store = (ns: string, logger?: Logger) =>
    new RedisStateStore({ url: REDIS_URL, namespace: ns }, logger ? { logger } : {});

  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    for (const ns of namespaces) await dropNamespace(raw, ns);
    raw.disconnect();
  });

  test("a lease is exclusive between two stores and says who holds it; release hands it over", async () => {
    const ns = namespace("excl");
    const [a, b] = [store(ns), store(ns)];
    const lease = await a.acquireLease("orders", { ttlMs: 10_000 });
    expect(lease.key).toBe("orders");
    const value = JSON.parse((await raw.get(`${ns}|lease:orders`)) as string);
    expect(value).toMatchObject({ pid: process.pid, host: hostname() });
    expect(await raw.pttl(`${ns}|lease:orders`)).toBeGreaterThan(5_000);

    const error = await rejection(b.acquireLease("orders", { ttlMs: 10_000 }));
    expect(error.kind).toBe("state");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`already running: state key "orders" is held by pid ${process.pid} on .+ since \\d{4}-\\d\\d-\\d\\dT`),
    );
    // The same store cannot take it twice either, and another key is free.
    expect((await rejection(a.acquireLease("orders"))).message).toMatch(/already running/);
    const other = await b.acquireLease("users");

    await lease.release();
    await lease.release(); // idempotent
    expect(await raw.exists(`${ns}|lease:orders`)).toBe(0);
    const taken = await b.acquireLease("orders", { ttlMs: 10_000 });
    await Promise.all([taken.release(), other.release()]);
    await Promise.all([a.close(), b.close()]);
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

  test("a holder killed with SIGKILL keeps the key until its ttl runs out, then it is free", async () => {
    const ns = namespace("kill");
    const child = spawn(process.execPath, [HOLDER, REDIS_URL, ns, "orders", "3000"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    const [line] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    expect(line.toString()).toBe("held\n");
    const b = store(ns);
    expect((await rejection(b.acquireLease("orders"))).message).toMatch(new RegExp(`held by pid ${child.pid} on `));

    child.kill("SIGKILL");
    await once(child, "exit");
    // Nothing released it: the lease outlives its holder (it was renewed at most a third of a ttl ago).
    expect((await rejection(b.acquireLease("orders"))).message).toMatch(new RegExp(`pid ${child.pid}`));
    let lease: Awaited<ReturnType<RedisStateStore["acquireLease"]>> | undefined;
    const deadline = Date.now() + 15_000;
    while (!lease && Date.now() < deadline) {
      lease = await b.acquireLease("orders").catch(() => undefined);
      if (!lease) await sleep(200);
    }
    expect(lease?.key).toBe("orders");
    await b.close();
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

  test("close() while a lease is being taken leaves no renewal running", async () => {
    const ns = namespace("race");
    const a = store(ns);
    await a.get("warm-up");
    const taking = a.acquireLease("k", { ttlMs: 60_000 });
    const closing = a.close();
    const error = await rejection(taking);
    expect(error.message).toMatch(/closed/);
    await closing;
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

  test("Pipeline: a second run on the same key fails with 'already running' and writes nothing", async () => {
    const ns = namespace("pipeline");
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const source = (gate?: Promise<void>): Source => {
      let after = 0;
      return {
        connectorName: () => "numbers",
        capabilities: () => ({ incremental: true, deterministicReplay: true, discover: false }),
        applyStartBookmark: (bookmark) => {
          after = bookmark as number;
        },
        fetchWithContext: async () => [],
        async *streamPages(): AsyncGenerator<StreamPage> {
          for (let id = after + 1; id <= 4; id++) {
            if (id === 3 && gate) await gate;
            yield { records: [{ id }], bookmark: id };
          }
        },
      };
    };
    const sink = () => {
      const written: Value[] = [];
      return {
        written,
        writeBatch: async (records: readonly Value[]) => {
          written.push(...records);
          return records.length;
        },
      };
    };
    const [first, second] = [store(ns), store(ns)];
    const firstSink = sink();
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

    const secondSink = sink();
    const error = await rejection(
      new Pipeline(source(), secondSink, { stateStore: second, stateKey: "numbers" }).run(),
    );
    expect(error.kind).toBe("state");
    expect(error.message).toMatch(/already running: state key "numbers" is held by pid \d+/);
    expect(secondSink.written).toEqual([]);
    expect(await second.get("numbers")).toBe(2);

    unblock();
    const result = await firstRun;
    expect(result).toMatchObject({ recordsWritten: 4, bookmark: 4 });
    expect(pages).toBe(4);
    expect(firstSink.written).toEqual([1, 2, 3, 4].map((id) => ({ id })));
    expect(await raw.get(`${ns}:numbers`)).toBe("4");
    expect(await raw.exists(`${ns}|lease:numbers`)).toBe(0); // released when the run ended

    // Now the second store may run: it resumes after 4 and writes nothing new.
    const third = await new Pipeline(source(), secondSink, { stateStore: second, stateKey: "numbers" }).run();
    expect(third.recordsWritten).toBe(0);
    await Promise.all([first.close(), second.close()]);
  });
});

import type { Sink, Source, StreamPage, Value } from "faucet-core";
import { FaucetError, MemoryStateStore, Pipeline, retryCategory, silentLogger } from "faucet-core";
import { describe, expect, test } from "vitest";
import { CollectSink, CountingSource, PickySink } from "./helpers.js";

const quiet = { logger: silentLogger };
const fast = { maxAttempts: 5, baseMs: 1, maxMs: 2, jitter: false };

/** A replay-safe sink that fails its first `failures` writes with `error`. */
function scriptedSink(failures: number, error: () => FaucetError) {
  const rows: Value[] = [];
  let attempts = 0;
  const sink: Sink = {
    async writeBatch(records) {
      attempts++;
      if (attempts <= failures) throw error();
      rows.push(...records);
      return records.length;
    },
    capabilities: () => ({
      writeModes: ["append", "upsert"],
      replaySafeWrites: true,
      atomicWatermark: false,
      dedupsByKey: true,
      schemaEvolution: false,
    }),
  };
  return { sink, rows, attempts: () => attempts };
}

const one = (): Source => ({ fetchWithContext: async () => [{ id: 1 }] });

test("retry categories", () => {
  expect(retryCategory(new FaucetError("http_status", "x", { status: 503 }))).toBe("http_5xx");
  expect(retryCategory(new FaucetError("http_status", "x", { status: 404 }))).toBeUndefined();
  expect(retryCategory(new FaucetError("rate_limited", "x"))).toBe("rate_limited");
  expect(retryCategory(new FaucetError("sink", "x", { retryable: true }))).toBeUndefined();
});

describe("retry_on and retries that do not multiply", () => {
  test("retryOn narrows retries to its categories", async () => {
    const timeouts = scriptedSink(2, () => new FaucetError("timeout", "slow"));
    await new Pipeline(one(), timeouts.sink, { ...quiet, retry: fast, retryOn: ["timeout"] }).run();
    expect(timeouts.attempts()).toBe(3);

    const refused = scriptedSink(2, () => new FaucetError("connection", "refused"));
    await expect(
      new Pipeline(one(), refused.sink, { ...quiet, retry: fast, retryOn: ["timeout"] }).run(),
    ).rejects.toMatchObject({ kind: "connection" });
    expect(refused.attempts()).toBe(1);
  });

  test("an error the connector already retried is not retried again by the pipeline", async () => {
    const retried = scriptedSink(1, () => new FaucetError("connection", "gave up after 3 attempts", { attempts: 3 }));
    await expect(new Pipeline(one(), retried.sink, { ...quiet, retry: fast }).run()).rejects.toMatchObject({
      kind: "connection",
    });
    expect(retried.attempts()).toBe(1);
  });
});

describe("circuit breaker", () => {
  test("opens after N consecutive failures, waits the cooldown, and fails when the probe fails", async () => {
    const down = scriptedSink(100, () => new FaucetError("connection", "refused"));
    const started = performance.now();
    const error = await new Pipeline(one(), down.sink, {
      ...quiet,
      retry: { ...fast, maxAttempts: 10 },
      circuitBreaker: { consecutiveFailures: 2, cooldownMs: 50 },
    })
      .run()
      .catch((e: unknown) => e as FaucetError);
    expect(error).toMatchObject({ kind: "circuit_open", retryable: false });
    expect(error.message).toContain("3 consecutive failures");
    expect(down.attempts()).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  test("a successful probe closes the circuit and the run completes", async () => {
    const flaky = scriptedSink(2, () => new FaucetError("connection", "refused"));
    const result = await new Pipeline(one(), flaky.sink, {
      ...quiet,
      retry: { ...fast, maxAttempts: 10 },
      circuitBreaker: { consecutiveFailures: 2, cooldownMs: 5 },
    }).run();
    expect(result.recordsWritten).toBe(1);
    expect(flaky.attempts()).toBe(3);
  });
});

describe("restarting a failed source", () => {
  /** A deterministic source that drops its connection once, after `failAfter` pages. */
  class DroppingSource extends CountingSource {
    failures = 0;
    constructor(
      total: number,
      readonly failAfter: number,
      readonly kind: "connection" | "config" = "connection",
    ) {
      super(total);
    }
    override async *streamPages(ctx: unknown, batchSize: number, signal?: AbortSignal): AsyncIterable<StreamPage> {
      let sent = 0;
      for await (const page of super.streamPages(ctx, batchSize, signal)) {
        if (sent === this.failAfter && this.failures === 0) {
          this.failures++;
          throw new FaucetError(this.kind, "connection reset by peer");
        }
        sent++;
        yield page;
      }
    }
  }

  test("a deterministic source resumes from the last committed bookmark: every row exactly once", async () => {
    const source = new DroppingSource(50, 3);
    const sink = new CollectSink();
    const result = await new Pipeline(source, sink, { ...quiet, batchSize: 10, retry: fast, prefetch: 2 }).run();
    expect(source.failures).toBe(1);
    expect(sink.rows.map((r) => (r as { id: number }).id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(result.recordsWritten).toBe(50);
  });

  test("a non-retryable source error is not retried", async () => {
    const source = new DroppingSource(50, 3, "config");
    await expect(
      new Pipeline(source, new CollectSink(), { ...quiet, batchSize: 10, retry: fast }).run(),
    ).rejects.toMatchObject({ kind: "config" });
  });

  test("a source without deterministic replay is not re-read once something was written", async () => {
    let calls = 0;
    const source: Source = {
      fetchWithContext: async () => [],
      async *streamPages() {
        calls++;
        yield { records: [{ id: 1 }], bookmark: 1 };
        throw new FaucetError("connection", "reset");
      },
    };
    const sink = new CollectSink();
    await expect(new Pipeline(source, sink, { ...quiet, retry: fast }).run()).rejects.toMatchObject({
      kind: "connection",
    });
    expect(calls).toBe(1);
    expect(sink.rows).toEqual([{ id: 1 }]);
  });

  test("any source is re-read when it failed before anything was written", async () => {
    let calls = 0;
    const source: Source = {
      async fetchWithContext() {
        calls++;
        if (calls < 3) throw new FaucetError("timeout", "slow");
        return [{ id: 1 }];
      },
    };
    const result = await new Pipeline(source, new CollectSink(), { ...quiet, retry: fast }).run();
    expect(calls).toBe(3);
    expect(result.recordsWritten).toBe(1);
  });
});

describe("poison rows", () => {
  /** A transactional sink: a page with a bad row fails whole and writes nothing. */
  function atomicSink() {
    const rows: Value[] = [];
    let writes = 0;
    const sink: Sink = {
      async writeBatch(records) {
        writes++;
        if (records.some((r) => (r as { bad?: boolean }).bad)) throw new FaucetError("sink", "constraint violated");
        rows.push(...records);
        return records.length;
      },
      capabilities: () => ({
        writeModes: ["append"],
        replaySafeWrites: false,
        atomicWatermark: false,
        dedupsByKey: false,
        schemaEvolution: false,
        atomicBatches: true,
      }),
    };
    return { sink, rows, writes: () => writes };
  }
  const page = () => Array.from({ length: 100 }, (_, i) => ({ id: i, bad: i === 17 || i === 80 }));
  const source = () => {
    const records = page();
    return {
      fetchWithContext: async () => records,
      async *streamPages() {
        yield { records, bookmark: 99 };
      },
    } satisfies Source;
  };

  test("a failing page is split until the bad rows are alone; they go to the dead-letter sink", async () => {
    const { sink, rows, writes } = atomicSink();
    const dlq = new CollectSink();
    const state = new MemoryStateStore();
    const result = await new Pipeline(source(), sink, {
      ...quiet,
      stateStore: state,
      stateKey: "k",
      deadLetter: { sink: dlq },
      poison: { maxRowAttempts: 2, action: "dlq" },
    }).run();
    expect(rows.map((r) => (r as { id: number }).id)).toEqual(
      page()
        .filter((r) => !r.bad)
        .map((r) => r.id),
    );
    expect(dlq.rows.map((r) => (r as { payload: { id: number } }).payload.id)).toEqual([17, 80]);
    expect(dlq.rows[0]).toMatchObject({ reason: "poison", record_index: 17, error: { kind: "sink" } });
    expect(result).toMatchObject({ recordsWritten: 98, deadLettered: 2 });
    expect(await state.get("k")).toBe(99);
    expect(writes()).toBeLessThan(40);
  });

  test("action drop skips them with a count; action fail stops the run", async () => {
    const dropping = atomicSink();
    const result = await new Pipeline(source(), dropping.sink, {
      ...quiet,
      poison: { maxRowAttempts: 1, action: "drop" },
    }).run();
    expect(result).toMatchObject({ recordsWritten: 98, dropped: 2 });

    const failing = atomicSink();
    await expect(
      new Pipeline(source(), failing.sink, { ...quiet, poison: { maxRowAttempts: 1, action: "fail" } }).run(),
    ).rejects.toMatchObject({ kind: "sink", message: expect.stringContaining("row 17 of the page failed 1 times") });
  });

  test("with per-row outcomes, a row gets its remaining attempts alone", async () => {
    let refusals = 0;
    const sink = new PickySink();
    const partial = sink.writeBatchPartial.bind(sink);
    sink.writeBatchPartial = async (records) => {
      // The bad row is refused twice, then accepted (a transient lock, say).
      if (records.some((r) => (r as { bad?: boolean }).bad) && refusals++ >= 2) {
        return await partial(records.map((r) => ({ ...(r as object), bad: false })));
      }
      return await partial(records);
    };
    const records = [{ id: 1 }, { id: 2, bad: true }];
    const result = await new Pipeline({ fetchWithContext: async () => records }, sink, {
      ...quiet,
      poison: { maxRowAttempts: 3, action: "fail" },
    }).run();
    expect(result.recordsWritten).toBe(2);
    expect(refusals).toBe(3);
  });

  test("impossible poison policies are config errors before anything is read", async () => {
    const { sink } = atomicSink();
    await expect(
      new Pipeline(source(), sink, { ...quiet, poison: { maxRowAttempts: 2, action: "dlq" } }).run(),
    ).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("needs a dead-letter sink") });
    const plain: Sink = { writeBatch: async (r) => r.length };
    await expect(
      new Pipeline(source(), plain, { ...quiet, poison: { maxRowAttempts: 2, action: "drop" } }).run(),
    ).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("per-row outcomes") });
  });
});

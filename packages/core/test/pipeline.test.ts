import type { Sink, Source, StreamPage, Transform, Value } from "faucet-core";
import { FaucetError, MemoryStateStore, Pipeline, silentLogger } from "faucet-core";
import { describe, expect, test } from "vitest";
import { CountingSource, pagesSource, RecordingSink } from "./helpers.js";

const quiet = { logger: silentLogger };

describe("per page: transform → write → flush → state.put", () => {
  test("the order of operations is exact and the bookmark follows the sink", async () => {
    const order: string[] = [];
    const state = new MemoryStateStore();
    const put = state.put.bind(state);
    state.put = async (key, value) => {
      order.push(`put:${JSON.stringify(value)}`);
      await put(key, value);
    };
    const sink = new RecordingSink();
    const write = sink.writeBatch.bind(sink);
    sink.writeBatch = async (records) => {
      order.push(`write:${records.length}`);
      return await write(records);
    };
    const flush = sink.flush.bind(sink);
    sink.flush = async () => {
      order.push("flush");
      await flush();
    };
    const mark: Transform = (records) => {
      order.push(`transform:${records.length}`);
      return records;
    };
    const result = await new Pipeline(new CountingSource(5), sink, {
      ...quiet,
      batchSize: 2,
      prefetch: 0,
      stateStore: state,
      stateKey: "k",
      transforms: [mark],
    }).run();
    expect(order).toEqual([
      "transform:2",
      "write:2",
      "flush",
      "put:2",
      "transform:2",
      "write:2",
      "flush",
      "put:4",
      "transform:1",
      "write:1",
      "flush",
      "put:5",
      "flush",
    ]);
    expect(result).toMatchObject({ recordsWritten: 5, recordsRead: 5, pages: 3, bookmark: 5, cancelled: false });
    expect(await state.get("k")).toBe(5);
  });

  test("a sink whose flush fails leaves the stored bookmark unchanged", async () => {
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    sink.failFlushAt = 2;
    const run = new Pipeline(new CountingSource(6), sink, {
      ...quiet,
      batchSize: 2,
      stateStore: state,
      stateKey: "k",
      retry: false,
    }).run();
    await expect(run).rejects.toMatchObject({ kind: "sink", message: expect.stringContaining("flush 2 failed") });
    expect(await state.get("k")).toBe(2);
  });

  test("pages without a bookmark are written but never flushed or saved mid-run", async () => {
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    const source = pagesSource([
      { records: [{ a: 1 }] },
      { records: [{ a: 2 }] },
      { records: [{ a: 3 }], bookmark: "x" },
    ]);
    await new Pipeline(source, sink, { ...quiet, stateStore: state, stateKey: "k", prefetch: 0 }).run();
    expect(sink.calls).toEqual(["write:1", "write:1", "write:1", "flush", "flush"]);
    expect(await state.get("k")).toBe("x");
  });

  test("a later run resumes from the saved bookmark", async () => {
    const state = new MemoryStateStore();
    const first = new RecordingSink();
    await new Pipeline(new CountingSource(5), first, {
      ...quiet,
      batchSize: 2,
      stateStore: state,
      stateKey: "k",
    }).run();
    const source = new CountingSource(8);
    const second = new RecordingSink();
    const result = await new Pipeline(source, second, {
      ...quiet,
      batchSize: 2,
      stateStore: state,
      stateKey: "k",
    }).run();
    expect(source.start).toBe(5);
    expect(second.rows).toEqual([{ id: 6 }, { id: 7 }, { id: 8 }]);
    expect(result.bookmark).toBe(8);
  });
});

describe("ordering and read-ahead", () => {
  test("a fast source and a slow sink never have more than prefetch + 1 pages alive", async () => {
    for (const prefetch of [0, 1, 3]) {
      let alive = 0;
      let peak = 0;
      const source: Source = {
        async fetchWithContext() {
          return [];
        },
        async *streamPages() {
          for (let i = 0; i < 30; i++) {
            alive++;
            peak = Math.max(peak, alive);
            yield { records: [{ page: i }], bookmark: i };
          }
        },
      };
      const written: number[] = [];
      const sink: Sink = {
        async writeBatch(records) {
          await new Promise((r) => setTimeout(r, 2));
          written.push((records[0] as { page: number }).page);
          alive--;
          return records.length;
        },
      };
      await new Pipeline(source, sink, { ...quiet, prefetch }).run();
      expect(written).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(peak).toBeLessThanOrEqual(prefetch + 1);
      if (prefetch > 0) expect(peak).toBe(prefetch + 1);
    }
  });

  test("batchSize 0 yields exactly one page", async () => {
    const sink = new RecordingSink();
    const result = await new Pipeline(new CountingSource(2500), sink, { ...quiet, batchSize: 0 }).run();
    expect(result.pages).toBe(1);
    expect(sink.calls[0]).toBe("write:2500");
  });

  test("the default chunks fetchWithContext by batchSize", async () => {
    const source: Source = { fetchWithContext: async () => Array.from({ length: 2500 }, (_, i) => i) };
    const sink = new RecordingSink();
    const result = await new Pipeline(source, sink, { ...quiet, batchSize: 1000 }).run();
    expect(sink.calls.filter((c) => c.startsWith("write"))).toEqual(["write:1000", "write:1000", "write:500"]);
    expect(result.recordsWritten).toBe(2500);
  });

  test("an empty source writes nothing and succeeds", async () => {
    const sink = new RecordingSink();
    const result = await new Pipeline({ fetchWithContext: async () => [] }, sink, quiet).run();
    expect(result).toMatchObject({ recordsWritten: 0, pages: 1, cancelled: false, bookmark: undefined });
    expect(sink.writes).toBe(0);
  });

  test("batch sizes outside 0…1,000,000 are config errors", async () => {
    const run = (batchSize: number) => new Pipeline(new CountingSource(1), new RecordingSink(), { batchSize }).run();
    await expect(run(-1)).rejects.toMatchObject({ kind: "config" });
    await expect(run(1_000_001)).rejects.toMatchObject({ kind: "config" });
    await expect(run(1.5)).rejects.toMatchObject({ kind: "config" });
  });

  test("limit stops after N records and never saves the bookmark of a cut page", async () => {
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    const result = await new Pipeline(new CountingSource(10), sink, {
      ...quiet,
      batchSize: 4,
      limit: 6,
      stateStore: state,
      stateKey: "k",
    }).run();
    expect(sink.rows).toHaveLength(6);
    expect(result.recordsWritten).toBe(6);
    expect(await state.get("k")).toBe(4);
  });
});

describe("cancellation", () => {
  test("abort stops reading, flushes, and every counted row is in the sink", async () => {
    const controller = new AbortController();
    const state = new MemoryStateStore();
    const sink = new RecordingSink();
    sink.writeDelayMs = 1;
    const source = new CountingSource(100_000);
    const result = await new Pipeline(source, sink, {
      ...quiet,
      batchSize: 10,
      signal: controller.signal,
      stateStore: state,
      stateKey: "k",
      onProgress: (p) => {
        if (p.pages === 3) controller.abort();
      },
    }).run();
    expect(result.cancelled).toBe(true);
    expect(result.recordsWritten).toBe(30);
    expect(sink.durable).toHaveLength(30);
    expect(sink.calls.at(-1)).toBe("flush");
    expect(await state.get("k")).toBe(30);
    expect(source.pagesProduced).toBeLessThanOrEqual(5);
  });

  test("a signal aborted before the run starts writes nothing", async () => {
    const sink = new RecordingSink();
    const result = await new Pipeline(new CountingSource(10), sink, { ...quiet, signal: AbortSignal.abort() }).run();
    expect(result).toMatchObject({ cancelled: true, recordsWritten: 0 });
    expect(sink.writes).toBe(0);
  });
});

describe("errors", () => {
  test("when a write fails and the flush fails too, the error returned is the write's", async () => {
    const sink = new RecordingSink();
    sink.failWriteAt = 2;
    sink.failFlushAt = 1;
    const source = pagesSource([{ records: [1] }, { records: [2] }]);
    const error = await new Pipeline(source, sink, { ...quiet, retry: false }).run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaucetError);
    expect((error as FaucetError).message).toContain("write 2 failed");
    expect((error as FaucetError).kind).toBe("sink");
    expect(((error as FaucetError).cause as Error).message).toBe("write 2 failed");
  });

  test("an unexpected source error arrives as a FaucetError of kind source with the cause kept", async () => {
    const original = new TypeError("boom");
    const source: Source = {
      connectorName: () => "source-broken",
      async fetchWithContext() {
        throw original;
      },
    };
    const error = (await new Pipeline(source, new RecordingSink(), quiet)
      .run()
      .catch((e: unknown) => e)) as FaucetError;
    expect(error).toBeInstanceOf(FaucetError);
    expect(error.kind).toBe("source");
    expect(error.cause).toBe(original);
    expect(error.message).toBe("[faucet] [source-broken] boom");
  });

  test("a streaming source that throws mid-stream keeps what was committed", async () => {
    const state = new MemoryStateStore();
    const source: Source = {
      async fetchWithContext() {
        return [];
      },
      async *streamPages() {
        yield { records: [1], bookmark: 1 };
        throw new Error("connection reset");
      },
    };
    const sink = new RecordingSink();
    await expect(
      new Pipeline(source, sink, { ...quiet, stateStore: state, stateKey: "k" }).run(),
    ).rejects.toMatchObject({ kind: "source" });
    expect(sink.durable).toEqual([1]);
    expect(await state.get("k")).toBe(1);
  });

  test("a source that returns something other than an array is a contract error", async () => {
    const source = { fetchWithContext: async () => ({ rows: [] }) } as unknown as Source;
    await expect(new Pipeline(source, new RecordingSink(), quiet).run()).rejects.toMatchObject({ kind: "contract" });
  });

  test("a transform that throws fails the page with kind transform and nothing is written", async () => {
    const sink = new RecordingSink();
    const broken: Transform = () => {
      throw new Error("bad field");
    };
    await expect(
      new Pipeline(new CountingSource(3), sink, { ...quiet, transforms: [broken] }).run(),
    ).rejects.toMatchObject({ kind: "transform" });
    expect(sink.writes).toBe(0);
  });

  test("a rejected record without a dead-letter sink fails the page before anything is written", async () => {
    const sink = new RecordingSink();
    const state = new MemoryStateStore();
    const rejectOdd: Transform = (records, ctx) =>
      records.filter((r) => {
        if ((r as { id: number }).id === 3) {
          ctx.reject(r, "id 3 is not allowed");
          return false;
        }
        return true;
      });
    const error = await new Pipeline(new CountingSource(4), sink, {
      ...quiet,
      batchSize: 2,
      transforms: [rejectOdd],
      stateStore: state,
      stateKey: "k",
    })
      .run()
      .catch((e: unknown) => e as FaucetError);
    expect(error).toMatchObject({ kind: "transform" });
    expect(String(error)).toContain("id 3 is not allowed");
    expect(sink.durable).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await state.get("k")).toBe(2);
  });

  test("the pipeline closes source and sink on every exit path unless asked not to", async () => {
    let sourceClosed = 0;
    const source: Source = {
      fetchWithContext: async () => [1],
      close: async () => {
        sourceClosed++;
      },
    };
    const sink = new RecordingSink();
    await new Pipeline(source, sink, quiet).run();
    expect([sourceClosed, sink.closed]).toEqual([1, 1]);
    sink.failWriteAt = 2;
    await new Pipeline(source, sink, { ...quiet, retry: false }).run().catch(() => {});
    expect([sourceClosed, sink.closed]).toEqual([2, 2]);
    await new Pipeline(source, sink, { ...quiet, closeConnectors: false }).run();
    expect([sourceClosed, sink.closed]).toEqual([2, 2]);
  });
});

describe("retries", () => {
  const flaky = (failures: number, kind: "connection" | "config") => {
    const sink = new RecordingSink();
    let attempts = 0;
    const write = sink.writeBatch.bind(sink);
    sink.writeBatch = async (records) => {
      attempts++;
      if (attempts <= failures) throw new FaucetError(kind, `attempt ${attempts} failed`);
      return await write(records);
    };
    return { sink, attempts: () => attempts };
  };
  const fast = { maxAttempts: 4, baseMs: 1, maxMs: 5 };

  test("retryable errors are retried with backoff when the sink is replay-safe", async () => {
    const { sink, attempts } = flaky(2, "connection");
    sink.caps = { replaySafeWrites: true };
    const result = await new Pipeline(pagesSource([{ records: [1, 2] }]), sink, { ...quiet, retry: fast }).run();
    expect(attempts()).toBe(3);
    expect(result.recordsWritten).toBe(2);
  });

  test("retries stop at maxAttempts and report the last error", async () => {
    const { sink, attempts } = flaky(10, "connection");
    sink.caps = { replaySafeWrites: true };
    await expect(
      new Pipeline(pagesSource([{ records: [1] }]), sink, { ...quiet, retry: fast }).run(),
    ).rejects.toMatchObject({ kind: "connection", message: "[faucet] attempt 4 failed" });
    expect(attempts()).toBe(4);
  });

  test("a plain write is not retried when the sink is not replay-safe", async () => {
    const { sink, attempts } = flaky(1, "connection");
    await expect(
      new Pipeline(pagesSource([{ records: [1] }]), sink, { ...quiet, retry: fast }).run(),
    ).rejects.toMatchObject({ kind: "connection" });
    expect(attempts()).toBe(1);
  });

  test("non-retryable errors are never retried", async () => {
    const { sink, attempts } = flaky(1, "config");
    sink.caps = { replaySafeWrites: true };
    await expect(
      new Pipeline(pagesSource([{ records: [1] }]), sink, { ...quiet, retry: fast }).run(),
    ).rejects.toMatchObject({ kind: "config" });
    expect(attempts()).toBe(1);
  });
});

describe("schema drift", () => {
  const evolving = () => {
    const columns = [{ name: "id", type: "integer", nullable: false }];
    const changes: unknown[] = [];
    const sink: Sink = {
      async writeBatch(records) {
        return records.length;
      },
      async currentSchema() {
        return { columns };
      },
      async evolveSchema(change) {
        changes.push(change);
        for (const c of change.addColumns) columns.push({ name: c.name, type: c.type, nullable: true });
      },
    };
    return { sink, changes };
  };
  const source = (): Source => pagesSource([{ records: [{ id: 1 }] }, { records: [{ id: 2, note: "x", n: 1.5 }] }]);

  test("evolve adds the new columns with inferred types before the page is written", async () => {
    const { sink, changes } = evolving();
    await new Pipeline(source(), sink, { ...quiet, schemaDrift: "evolve" }).run();
    expect(changes).toEqual([
      {
        addColumns: [
          { name: "note", type: "string", nullable: true },
          { name: "n", type: "number", nullable: true },
        ],
      },
    ]);
  });

  test("fail stops the run with a schema_drift error naming the keys", async () => {
    const { sink } = evolving();
    await expect(new Pipeline(source(), sink, { ...quiet, schemaDrift: "fail" }).run()).rejects.toMatchObject({
      kind: "schema_drift",
      message: expect.stringContaining("note, n"),
    });
  });
});

describe("overwrite", () => {
  const overwriteSink = () => {
    const events: string[] = [];
    const sink: Sink = {
      async writeBatch(records) {
        events.push("write");
        if ((records[0] as { fail?: boolean }).fail) throw new Error("nope");
        return records.length;
      },
      async beginOverwrite() {
        events.push("begin");
      },
      async commitOverwrite() {
        events.push("commit");
      },
      async abortOverwrite() {
        events.push("abort");
      },
    };
    return { sink, events };
  };

  test("commits after a successful run", async () => {
    const { sink, events } = overwriteSink();
    await new Pipeline(pagesSource([{ records: [{}] }]), sink, quiet).run();
    expect(events).toEqual(["begin", "write", "commit"]);
  });

  test("aborts after a failed run", async () => {
    const { sink, events } = overwriteSink();
    await new Pipeline(pagesSource([{ records: [{ fail: true }] }]), sink, { ...quiet, retry: false })
      .run()
      .catch(() => {});
    expect(events).toEqual(["begin", "write", "abort"]);
  });

  test("aborts after a cancelled run", async () => {
    const { sink, events } = overwriteSink();
    const result = await new Pipeline(pagesSource([{ records: [{}] }]), sink, {
      ...quiet,
      signal: AbortSignal.abort(),
    }).run();
    expect(result.cancelled).toBe(true);
    expect(events).toEqual(["begin", "abort"]);
  });
});

test("params reach the source through the fetch context", async () => {
  let seen: Value | undefined;
  const source: Source = {
    async fetchWithContext(ctx) {
      seen = ctx.params?.owner;
      return [];
    },
  };
  await new Pipeline(source, new RecordingSink(), { ...quiet, params: { owner: "faucet-hq" } }).run();
  expect(seen).toBe("faucet-hq");
});

test("StreamPage objects from a source are passed through in order", async () => {
  const pages: StreamPage[] = [
    { records: [{ a: 1 }], bookmark: 1 },
    { records: [], bookmark: 2 },
    { records: [{ a: 3 }], bookmark: 3 },
  ];
  const sink = new RecordingSink();
  const result = await new Pipeline(pagesSource(pages), sink, quiet).run();
  expect(sink.rows).toEqual([{ a: 1 }, { a: 3 }]);
  expect(result).toMatchObject({ pages: 3, bookmark: 3, recordsWritten: 2 });
});

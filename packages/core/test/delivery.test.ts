import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sink } from "faucet-core";
import {
  deliveryGuarantee,
  FileStateStore,
  formatCommitToken,
  MemoryStateStore,
  Pipeline,
  parseCommitToken,
  silentLogger,
} from "faucet-core";
import { afterAll, describe, expect, test } from "vitest";
import { CollectSink, CountingSource, RecordingSink, WatermarkSink } from "./helpers.js";

let dir = "";
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});
async function durableStore(): Promise<FileStateStore> {
  dir ||= await mkdtemp(join(tmpdir(), "faucet-delivery-"));
  return new FileStateStore(join(dir, String(Math.random())));
}

test("commit tokens are <seq, 20 digits>#<bookmark JSON> and parse back", () => {
  const token = formatCommitToken(7, { id: 42, at: "2024-01-01T00:00:00Z" });
  expect(token).toBe('00000000000000000007#{"id":42,"at":"2024-01-01T00:00:00Z"}');
  expect(parseCommitToken(token)).toEqual({ seq: 7, bookmark: { id: 42, at: "2024-01-01T00:00:00Z" } });
  expect(() => parseCommitToken("7#1")).toThrow(/malformed commit token/);
});

describe("deliveryGuarantee", () => {
  test("exactly_once is refused with one reason per failed condition", () => {
    const report = deliveryGuarantee({
      source: { fetchWithContext: async () => [] },
      sink: new RecordingSink(),
      stateStore: new MemoryStateStore(),
      hasDeadLetter: true,
      delivery: "exactly_once",
    });
    expect(report.guarantee).toBe("at_least_once");
    expect(report.problems).toHaveLength(4);
    expect(report.problems.join("\n")).toMatch(
      /atomically.*\n.*replay deterministically.*\n.*not durable.*\n.*dead-letter/s,
    );
  });

  test("atomic watermark needs an idempotent sink, a deterministic source and a durable store", async () => {
    const report = deliveryGuarantee({
      source: new CountingSource(1),
      sink: new WatermarkSink(),
      stateStore: await durableStore(),
      delivery: "exactly_once",
    });
    expect(report).toEqual({ guarantee: "exactly_once", mechanism: "atomic_watermark", problems: [] });
  });

  test("keyed upsert works with any source", () => {
    const sink = new RecordingSink();
    sink.caps = { dedupsByKey: true, writeModes: ["append", "upsert"] };
    const report = deliveryGuarantee({ source: { fetchWithContext: async () => [] }, sink, delivery: "exactly_once" });
    expect(report).toMatchObject({ guarantee: "exactly_once", mechanism: "keyed_upsert" });
  });

  test("a pipeline asked for an impossible exactly_once fails before reading anything", async () => {
    const source = new CountingSource(5);
    await expect(
      new Pipeline(source, new RecordingSink(), { delivery: "exactly_once", logger: silentLogger }).run(),
    ).rejects.toMatchObject({ kind: "config", message: expect.stringContaining("exactly_once is not possible") });
    expect(source.pagesProduced).toBe(0);
  });
});

describe("atomic watermark", () => {
  const options = async () => ({
    delivery: "exactly_once" as const,
    stateStore: await durableStore(),
    stateKey: "orders",
    batchSize: 10,
    logger: silentLogger,
  });

  test("each page commits with its token and the state holds { bookmark, seq }", async () => {
    const sink = new WatermarkSink();
    const opts = await options();
    const result = await new Pipeline(new CountingSource(25), sink, opts).run();
    expect(result.delivery.mechanism).toBe("atomic_watermark");
    expect(sink.rows).toHaveLength(25);
    expect(sink.tokens.get("orders")).toBe(formatCommitToken(3, 25));
    expect(await opts.stateStore.get("orders")).toEqual({ bookmark: 25, seq: 3 });
  });

  test("when the sink is ahead of the state store, the run resumes from the sink's token", async () => {
    const sink = new WatermarkSink();
    const opts = await options();
    // A crash after the sink committed page 2 but before the state store saw it.
    await opts.stateStore.put("orders", { bookmark: 10, seq: 1 });
    sink.rows.push(...Array.from({ length: 20 }, (_, i) => ({ id: i + 1 })));
    sink.tokens.set("orders", formatCommitToken(2, 20));
    const source = new CountingSource(25);
    await new Pipeline(source, sink, opts).run();
    expect(source.start).toBe(20);
    expect(sink.rows.map((r) => (r as { id: number }).id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(await opts.stateStore.get("orders")).toEqual({ bookmark: 25, seq: 3 });
  });

  test("a limit is refused before reading: a page it cuts short has no bookmark to commit", async () => {
    const sink = new WatermarkSink();
    const source = new CountingSource(25);
    await expect(new Pipeline(source, sink, { ...(await options()), limit: 15 }).run()).rejects.toMatchObject({
      kind: "config",
      message: expect.stringContaining("limit cannot be combined with delivery: exactly_once"),
    });
    expect(source.pagesProduced).toBe(0);
    expect(sink.rows).toEqual([]);
  });

  test("a page without a bookmark is refused rather than written outside the watermark", async () => {
    const sink = new WatermarkSink();
    const source = new CountingSource(5);
    source.streamPages = async function* () {
      yield { records: [{ id: 1 }] };
    };
    await expect(new Pipeline(source, sink, await options()).run()).rejects.toMatchObject({ kind: "contract" });
    expect(sink.rows).toEqual([]);
  });
});

describe("dead-letter path", () => {
  const quiet = { logger: silentLogger, retry: false as const };

  test("3 bad rows out of 1000 in one page: 997 written, 3 dead-lettered, the bookmark moves", async () => {
    const { PickySink } = await import("./helpers.js");
    const sink = new PickySink();
    const dlq = new CollectSink();
    const state = new MemoryStateStore();
    const records = Array.from({ length: 1000 }, (_, i) => ({ id: i, bad: i === 10 || i === 500 || i === 999 }));
    const source = {
      fetchWithContext: async () => records,
      async *streamPages() {
        yield { records, bookmark: 999 };
      },
    };
    const result = await new Pipeline(source, sink, {
      ...quiet,
      name: "orders",
      stateStore: state,
      stateKey: "k",
      deadLetter: { sink: dlq },
    }).run();
    expect(result.recordsWritten).toBe(997);
    expect(result.deadLettered).toBe(3);
    expect(sink.rows).toHaveLength(997);
    expect(await state.get("k")).toBe(999);
    expect(dlq.rows).toHaveLength(3);
    expect(dlq.rows[0]).toMatchObject({
      error: { kind: "sink", message: "[faucet] row 10 refused" },
      reason: "sink_rejected",
      payload: { id: 10, bad: true },
      pipeline: "orders",
      record_index: 10,
    });
    expect(typeof (dlq.rows[0] as { ts: string }).ts).toBe("string");
  });

  test("records a transform rejects go to the dead-letter sink with their reason", async () => {
    const sink = new RecordingSink();
    const dlq = new CollectSink();
    await new Pipeline(new CountingSource(4), sink, {
      ...quiet,
      deadLetter: { sink: dlq },
      transforms: [
        (records, ctx) =>
          records.filter((r) => {
            if ((r as { id: number }).id % 2 === 0) return true;
            ctx.reject(r, "odd id");
            return false;
          }),
      ],
    }).run();
    expect(sink.rows).toEqual([{ id: 2 }, { id: 4 }]);
    expect(dlq.rows.map((r) => (r as { reason: string; payload: unknown }).payload)).toEqual([{ id: 1 }, { id: 3 }]);
    expect(dlq.rows[0]).toMatchObject({ reason: "transform_rejected", error: { kind: "transform" }, record_index: 0 });
  });

  test("on_batch_error dlq_all dead-letters a failed page; propagate fails the run", async () => {
    const failing: Sink = {
      async writeBatch() {
        throw new Error("table is read-only");
      },
    };
    const dlq = new CollectSink();
    const result = await new Pipeline(new CountingSource(3), failing, {
      ...quiet,
      deadLetter: { sink: dlq, onBatchError: "dlq_all" },
    }).run();
    expect(result).toMatchObject({ recordsWritten: 0, deadLettered: 3 });
    expect(dlq.rows[0]).toMatchObject({ reason: "batch_failed", error: { kind: "sink" } });
    await expect(
      new Pipeline(new CountingSource(3), failing, { ...quiet, deadLetter: { sink: new CollectSink() } }).run(),
    ).rejects.toMatchObject({ kind: "sink" });
  });

  test("budgets abort only after the good rows are flushed and the bookmark saved", async () => {
    const { PickySink } = await import("./helpers.js");
    const sink = new PickySink();
    const dlq = new CollectSink();
    const state = new MemoryStateStore();
    const pages = [
      { records: [{ id: 1 }, { id: 2, bad: true }], bookmark: 2 },
      { records: [{ id: 3, bad: true }, { id: 4, bad: true }, { id: 5 }], bookmark: 5 },
      { records: [{ id: 6 }], bookmark: 6 },
    ];
    const source = {
      fetchWithContext: async () => [],
      async *streamPages() {
        yield* pages;
      },
    };
    const error = await new Pipeline(source, sink, {
      ...quiet,
      stateStore: state,
      stateKey: "k",
      deadLetter: { sink: dlq, maxFailuresTotal: 2 },
    })
      .run()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "quality", message: expect.stringContaining("3 records failed") });
    expect(sink.rows).toEqual([{ id: 1 }, { id: 5 }]);
    expect(dlq.rows).toHaveLength(3);
    expect(await state.get("k")).toBe(5);
  });
});

import type { Logger, Source, StreamPage, Value } from "faucet-core";
import { compareValues, IncrementalFilter, MemoryStateStore, Pipeline, silentLogger } from "faucet-core";
import { describe, expect, test } from "vitest";
import { RecordingSink } from "./helpers.js";

describe("compareValues", () => {
  test.each([
    [1, 2, -1],
    [2, 2, 0],
    [10, 9, 1],
    // integers beyond 2^53 carried as strings compare exactly
    ["9007199254740993", "9007199254740992", 1],
    ["9007199254740993", 9007199254740992, 1],
    ["-9223372036854775808", "9223372036854775807", -1],
    ["12345678901234567890.5", "12345678901234567890.25", 1],
    ["10", "9", 1],
    ["1e3", 999, 1],
    ["0.10", "0.1", 0],
    // RFC 3339 instants
    ["2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z", 1],
    ["2024-01-01T00:00:00.000001Z", "2024-01-01T00:00:00Z", 1],
    ["2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00Z", 0],
    ["2024-01-01T01:00:00+02:00", "2024-01-01T00:00:00Z", -1],
    ["2024-01-01 00:00:01Z", "2024-01-01T00:00:00Z", 1],
    // other strings lexically
    ["b", "a", 1],
    ["Z", "a", -1],
    // across families: null < boolean < number < string < array < object
    [null, false, -1],
    [true, 0, -1],
    [5, "x", -1],
    ["x", [], -1],
    [[1], {}, -1],
    [[1, 2], [1, 3], -1],
    [{ a: 1 }, { a: 1 }, 0],
  ] as [Value, Value, number][])("compareValues(%j, %j) = %i", (a, b, expected) => {
    expect(compareValues(a, b)).toBe(expected);
    expect(compareValues(b, a)).toBe(-expected || 0);
  });
});

function capture(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { logger: { ...silentLogger, warn: (m) => warnings.push(m) }, warnings };
}

describe("IncrementalFilter", () => {
  test("drops records not strictly newer than the start and tracks the maximum", () => {
    const inc = new IncrementalFilter({
      replicationKey: "updated_at",
      start: "2024-01-02T00:00:00Z",
      logger: silentLogger,
    });
    const kept = inc.filter([
      { id: 1, updated_at: "2024-01-01T00:00:00Z" },
      { id: 2, updated_at: "2024-01-02T00:00:00Z" },
      { id: 3, updated_at: "2024-01-02T00:00:00.5Z" },
      { id: 4, updated_at: "2024-01-03T00:00:00Z" },
      { id: 5, updated_at: "2024-01-02T12:00:00Z" },
    ]);
    expect(kept.map((r) => (r as { id: number }).id)).toEqual([3, 4, 5]);
    expect(inc.bookmark).toBe("2024-01-03T00:00:00Z");
  });

  test("a key of a different type is kept with a warning; a missing key is dropped with a warning", () => {
    const { logger, warnings } = capture();
    const inc = new IncrementalFilter({ replicationKey: "seq", start: 10, logger });
    const kept = inc.filter([{ seq: 11 }, { seq: "eleven" }, { other: 1 }, { seq: null }, { seq: 9 }]);
    expect(kept).toEqual([{ seq: 11 }, { seq: "eleven" }]);
    expect(inc.bookmark).toBe(11);
    expect(warnings.some((w) => w.includes("has type string but the bookmark is number; record kept"))).toBe(true);
    expect(warnings.some((w) => w.includes("record without replication key `seq` dropped"))).toBe(true);
  });

  test("big integers as strings compare numerically", () => {
    const inc = new IncrementalFilter({ replicationKey: "id", start: "9007199254740993", logger: silentLogger });
    expect(inc.filter([{ id: "9007199254740993" }, { id: "9007199254740994" }, { id: 5 }])).toEqual([
      { id: "9007199254740994" },
    ]);
  });

  test("dotted paths reach nested keys", () => {
    const inc = new IncrementalFilter({ replicationKey: "meta.v", logger: silentLogger });
    inc.filter([{ meta: { v: 2 } }, { meta: { v: 7 } }, { meta: { v: 3 } }]);
    expect(inc.bookmark).toBe(7);
  });
});

/** A source configured with `replication_key`, using the core helper, over a growing table. */
class TableSource implements Source {
  start: Value | undefined;
  constructor(
    readonly rows: Value[],
    readonly config: { replication_key: string },
  ) {}
  async fetchWithContext(): Promise<Value[]> {
    return this.rows;
  }
  applyStartBookmark(bookmark: Value): void {
    this.start = bookmark;
  }
  async *streamPages(_ctx: unknown, batchSize: number): AsyncIterable<StreamPage> {
    const inc = new IncrementalFilter({
      replicationKey: this.config.replication_key,
      start: this.start,
      logger: silentLogger,
    });
    for (let i = 0; i < this.rows.length; i += batchSize) {
      const records = inc.filter(this.rows.slice(i, i + batchSize));
      const last = i + batchSize >= this.rows.length;
      // Unordered input: only the last page knows the maximum, so only it carries the bookmark.
      yield last && inc.bookmark !== undefined ? { records, bookmark: inc.bookmark } : { records };
    }
  }
}

test("incremental replication: a second run from the saved bookmark writes only new rows", async () => {
  const rows: Value[] = [
    { id: 1, updated_at: "2024-01-01T00:00:00Z" },
    { id: 2, updated_at: "2024-01-03T00:00:00Z" },
    { id: 3, updated_at: "2024-01-02T00:00:00Z" },
  ];
  const state = new MemoryStateStore();
  const options = { stateStore: state, stateKey: "orders", batchSize: 2, logger: silentLogger };
  const first = new RecordingSink();
  const r1 = await new Pipeline(new TableSource(rows, { replication_key: "updated_at" }), first, options).run();
  expect(first.rows).toHaveLength(3);
  expect(r1.bookmark).toBe("2024-01-03T00:00:00Z");

  rows.push({ id: 4, updated_at: "2024-01-02T12:00:00Z" }, { id: 5, updated_at: "2024-01-03T00:00:00.25Z" });
  const second = new RecordingSink();
  const r2 = await new Pipeline(new TableSource(rows, { replication_key: "updated_at" }), second, options).run();
  expect(second.rows).toEqual([{ id: 5, updated_at: "2024-01-03T00:00:00.25Z" }]);
  expect(r2.bookmark).toBe("2024-01-03T00:00:00.25Z");
  expect(await state.get("orders")).toBe("2024-01-03T00:00:00.25Z");
});

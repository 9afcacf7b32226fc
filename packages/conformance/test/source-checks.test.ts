import {
  assertBatchSizeZeroSinglePage,
  assertBookmarkRoundtrip,
  assertBoundedMemory,
  assertDeterministicReplay,
  assertDiscoverRoundtrips,
  mergeConfigPatch,
} from "faucet-conformance";
import { describe, expect, test } from "vitest";
import { DatasetSource, records, type SourceFault, Table, TableSource } from "./doubles.js";
import { failure } from "./failure.js";

function tableOf(count: number): Table {
  const table = new Table();
  table.rows = records(count);
  return table;
}
const source = (count: number, batchSize: number, ...faults: SourceFault[]) =>
  new TableSource(tableOf(count), { batchSize, faults });

describe("assertBoundedMemory", () => {
  test("passes for a source that pages", async () => {
    await assertBoundedMemory(source(100, 30), { batchSize: 30, total: 100 });
  });

  test("fails for a source that returns everything in one page", async () => {
    const error = await failure("assertBoundedMemory", () =>
      assertBoundedMemory(source(100, 30, "one-big-page"), { batchSize: 30, total: 100 }),
    );
    expect(error.detail).toBe("a page held 100 records, more than batchSize 30: the source is not paging");
  });

  test("fails for a source that loses a record", async () => {
    const error = await failure("assertBoundedMemory", () =>
      assertBoundedMemory(source(100, 30, "loses-a-record"), { batchSize: 30, total: 100 }),
    );
    expect(error.detail).toBe("read 99 records in 4 pages, expected 100");
  });

  test("refuses a total it cannot prove anything with", async () => {
    await failure("assertBoundedMemory", () => assertBoundedMemory(source(10, 30), { batchSize: 30, total: 10 }));
  });
});

describe("assertBookmarkRoundtrip", () => {
  test("passes for a source that resumes, on itself or on a fresh instance", async () => {
    await assertBookmarkRoundtrip(source(50, 20));
    const table = tableOf(50);
    await assertBookmarkRoundtrip(new TableSource(table, { batchSize: 20 }), {
      resume: new TableSource(table, { batchSize: 20 }),
    });
  });

  test("fails for a source that ignores the bookmark", async () => {
    const error = await failure("assertBookmarkRoundtrip", () =>
      assertBookmarkRoundtrip(source(50, 20, "ignores-bookmark")),
    );
    expect(error.detail).toContain("read 50 records again (first read: 50); the bookmark was ignored");
  });

  test("fails for a source that emits no bookmark", async () => {
    const error = await failure("assertBookmarkRoundtrip", () =>
      assertBookmarkRoundtrip(source(50, 20, "no-bookmark")),
    );
    expect(error.detail).toContain("no page carried a bookmark");
  });

  test("fails for a bookmark that does not survive JSON", async () => {
    const error = await failure("assertBookmarkRoundtrip", () =>
      assertBookmarkRoundtrip(source(50, 20, "bookmark-not-json")),
    );
    expect(error.detail).toContain("does not survive a JSON round trip");
  });

  test("fails for an empty source", async () => {
    const error = await failure("assertBookmarkRoundtrip", () => assertBookmarkRoundtrip(source(0, 20)));
    expect(error.detail).toContain("returned no records");
  });
});

describe("assertBatchSizeZeroSinglePage", () => {
  test("passes for a source that reads everything at batch_size 0", async () => {
    await assertBatchSizeZeroSinglePage(source(45, 0));
  });

  test("fails for a source that still pages at batch_size 0", async () => {
    const error = await failure("assertBatchSizeZeroSinglePage", () =>
      assertBatchSizeZeroSinglePage(source(45, 0, "batch-zero-pages")),
    );
    expect(error.detail).toBe(
      "batch size 0 must give one page with every record, got 5 non-empty pages for 45 records",
    );
  });

  test("fails for a source with nothing to read", async () => {
    await failure("assertBatchSizeZeroSinglePage", () => assertBatchSizeZeroSinglePage(source(0, 0)));
  });
});

describe("assertDiscoverRoundtrips", () => {
  const datasets = { orders: records(3), users: records(2) };
  const rebuild = (patch: Record<string, unknown>) => new DatasetSource(datasets, mergeConfigPatch({}, patch as never));

  test("passes when every descriptor selects a readable dataset", async () => {
    await assertDiscoverRoundtrips(new DatasetSource(datasets, {}), { rebuild });
  });

  test("fails when a descriptor's configPatch selects nothing readable", async () => {
    const lying = new DatasetSource(datasets, {}, [
      { name: "ghost", kind: "table", configPatch: { dataset: "ghost" } },
    ]);
    const error = await failure("assertDiscoverRoundtrips", () => assertDiscoverRoundtrips(lying, { rebuild }));
    expect(error.detail).toContain('the source for dataset "ghost" (configPatch {"dataset":"ghost"}) failed');
  });

  test("fails when discover() finds nothing or a descriptor is malformed", async () => {
    const empty = new DatasetSource(datasets, {}, []);
    expect(
      (await failure("assertDiscoverRoundtrips", () => assertDiscoverRoundtrips(empty, { rebuild }))).detail,
    ).toContain("found no datasets");
    const noPatch = new DatasetSource(datasets, {}, [{ name: "orders", kind: "table" } as never]);
    expect(
      (await failure("assertDiscoverRoundtrips", () => assertDiscoverRoundtrips(noPatch, { rebuild }))).detail,
    ).toContain("has no configPatch");
  });

  test("fails for a source that does not claim discover", async () => {
    await failure("assertDiscoverRoundtrips", () => assertDiscoverRoundtrips(source(5, 5), { rebuild }));
  });
});

describe("assertDeterministicReplay", () => {
  test("passes for a source that reads the same pages every time", async () => {
    const table = tableOf(40);
    await assertDeterministicReplay(() => new TableSource(table, { batchSize: 10 }));
  });

  test("fails for a source whose order changes between reads", async () => {
    const table = tableOf(40);
    const error = await failure("assertDeterministicReplay", () =>
      assertDeterministicReplay(() => new TableSource(table, { batchSize: 10, faults: ["shuffles"] })),
    );
    expect(error.detail).toContain("differ");
  });
});

describe("mergeConfigPatch", () => {
  test("merges objects key by key and replaces everything else", () => {
    expect(mergeConfigPatch({ a: 1, o: { x: 1, y: [1] } }, { o: { y: [2], z: 3 }, b: "b" })).toEqual({
      a: 1,
      b: "b",
      o: { x: 1, y: [2], z: 3 },
    });
  });
});

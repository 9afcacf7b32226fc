import type { Source, StreamPage, Value } from "faucet-core";
import { chunkRecords, fetchAll, streamPagesOf, TransformingSource } from "faucet-core";
import { expect, test } from "vitest";

test("streamPagesOf uses the source's own streamPages when it has one", async () => {
  let native = 0;
  const source: Source = {
    fetchWithContext: async () => {
      throw new Error("must not be called");
    },
    async *streamPages() {
      native++;
      yield { records: [1, 2, 3], bookmark: 3 };
    },
  };
  const pages: StreamPage[] = [];
  for await (const page of streamPagesOf(source, {}, 2)) pages.push(page);
  expect(native).toBe(1);
  expect(pages).toEqual([{ records: [1, 2, 3], bookmark: 3 }]);
});

test("fetchAll drains native and default sources alike", async () => {
  expect(await fetchAll({ fetchWithContext: async () => [1, 2] })).toEqual([1, 2]);
  const streaming: Source = {
    fetchWithContext: async () => [],
    async *streamPages() {
      yield { records: [1] };
      yield { records: [2, 3] };
    },
  };
  expect(await fetchAll(streaming)).toEqual([1, 2, 3]);
});

test("fetchAll of a cancelled read throws cancelled, never part of the records as if complete", async () => {
  const before = new AbortController();
  before.abort();
  await expect(fetchAll({ fetchWithContext: async () => [1] }, { signal: before.signal })).rejects.toMatchObject({
    kind: "cancelled",
  });
  const during = new AbortController();
  const streaming: Source = {
    fetchWithContext: async () => [],
    async *streamPages() {
      yield { records: [1] };
      during.abort();
      yield { records: [2] };
    },
  };
  await expect(fetchAll(streaming, { signal: during.signal })).rejects.toMatchObject({ kind: "cancelled" });
});

test("chunkRecords splits by batch size and keeps one page for 0", () => {
  const sizes = (records: Value[], n: number) => [...chunkRecords(records, n)].map((p) => p.records.length);
  expect(sizes([1, 2, 3, 4, 5], 2)).toEqual([2, 2, 1]);
  expect(sizes([1, 2, 3], 0)).toEqual([3]);
  expect(sizes([], 10)).toEqual([0]);
});

test("stopping early closes the source's iterator", async () => {
  let closed = false;
  const source: Source = {
    fetchWithContext: async () => [],
    async *streamPages() {
      try {
        for (let i = 0; ; i++) yield { records: [i] };
      } finally {
        closed = true;
      }
    },
  };
  for await (const page of streamPagesOf(source, {}, 1)) if (page.records[0] === 2) break;
  expect(closed).toBe(true);
});

test("TransformingSource forwards every optional method the inner source has, and only those", async () => {
  const calls: string[] = [];
  const inner: Source = {
    fetchWithContext: async () => [{ n: 1 }],
    async *streamPages() {
      calls.push("streamPages");
      yield { records: [{ n: 1 }, { n: 2 }], bookmark: 2 };
    },
    connectorName: () => "source-inner",
    configSchema: () => ({ type: "object" }),
    stateKey: () => "inner-key",
    applyStartBookmark: (b) => {
      calls.push(`start:${JSON.stringify(b)}`);
    },
    capabilities: () => ({ incremental: true, deterministicReplay: true, discover: true }),
    discover: async () => [{ name: "t", kind: "table", configPatch: { table: "t" } }],
    check: async () => ({ probes: [{ name: "p", status: "pass", elapsedMs: 0 }] }),
    close: async () => {
      calls.push("close");
    },
  };
  const wrapped = new TransformingSource(inner, [(records) => records.map((r) => ({ ...(r as object), x: true }))]);
  expect(wrapped.connectorName?.()).toBe("source-inner");
  expect(wrapped.configSchema?.()).toEqual({ type: "object" });
  expect(wrapped.stateKey?.()).toBe("inner-key");
  expect(wrapped.capabilities?.()).toEqual({ incremental: true, deterministicReplay: true, discover: true });
  expect(await wrapped.discover?.()).toHaveLength(1);
  expect((await wrapped.check?.({}))?.probes[0]?.status).toBe("pass");
  await wrapped.applyStartBookmark?.(7);
  const pages: StreamPage[] = [];
  for await (const page of wrapped.streamPages({}, 100)) pages.push(page);
  expect(pages).toEqual([
    {
      records: [
        { n: 1, x: true },
        { n: 2, x: true },
      ],
      bookmark: 2,
    },
  ]);
  expect(await wrapped.fetchWithContext({})).toEqual([{ n: 1, x: true }]);
  await wrapped.close?.();
  expect(calls).toEqual(["start:7", "streamPages", "close"]);

  const bare = new TransformingSource({ fetchWithContext: async () => [] }, []);
  expect(bare.discover).toBeUndefined();
  expect(bare.close).toBeUndefined();
  expect(bare.applyStartBookmark).toBeUndefined();
});

test("TransformingSource without onReject fails a page that has rejected records", async () => {
  const wrapped = new TransformingSource({ fetchWithContext: async () => [1, 2] }, [
    (records, ctx) => {
      ctx.reject(records[0] as Value, "no ones");
      return records.slice(1);
    },
  ]);
  await expect(wrapped.fetchWithContext({})).rejects.toMatchObject({ kind: "transform" });
  const rejected: unknown[] = [];
  const lenient = new TransformingSource({ fetchWithContext: async () => [1, 2] }, wrapped.transforms, {
    onReject: (r) => {
      rejected.push(...r.map((x) => x.record));
    },
  });
  expect(await lenient.fetchWithContext({})).toEqual([2]);
  expect(rejected).toEqual([1]);
});

test("a pipeline that stops early (limit, failure) lets the source clean up before close", async () => {
  const { Pipeline, silentLogger } = await import("faucet-core");
  const events: string[] = [];
  const source: Source = {
    fetchWithContext: async () => [],
    async *streamPages() {
      try {
        for (let i = 0; ; i++) yield { records: [i, i], bookmark: i };
      } finally {
        events.push("source cleanup");
      }
    },
    close: async () => {
      events.push("close");
    },
  };
  const sink = { writeBatch: async (r: readonly Value[]) => r.length };
  await new Pipeline(source, sink, { limit: 3, logger: silentLogger }).run();
  expect(events).toEqual(["source cleanup", "close"]);
});

// Native pass-through: a source's own encoding handed to a sink that writes it as it is, with the
// records path as the fallback whenever the run, the source or the sink says no.
import type { LogFields, Logger, NativeFormat, NativePage, Sink, Source, StreamPage, Value } from "faucet-core";
import { FaucetError, instrumentSink, instrumentSource, MemoryStateStore, Pipeline } from "faucet-core";
import { describe, expect, test } from "vitest";

const FORMAT: NativeFormat = { encoding: "test/lines", columns: [{ name: "id", type: "int" }] };

/** `total` records `{ id }`; natively, lines of ids. Both paths bookmark each page with its last id. */
class LinesSource implements Source {
  readonly total: number;
  start = 0;
  offer: NativeFormat | undefined = FORMAT;
  failNativeAt: number | undefined;
  calls: string[] = [];
  constructor(total: number) {
    this.total = total;
  }
  async fetchWithContext(): Promise<Value[]> {
    return [];
  }
  capabilities() {
    return { incremental: true, deterministicReplay: true, discover: false };
  }
  applyStartBookmark(bookmark: Value): void {
    this.start = bookmark as number;
  }
  async *streamPages(_ctx: unknown, batchSize: number): AsyncIterable<StreamPage> {
    this.calls.push("streamPages");
    for (let from = this.start; from < this.total; from += batchSize) {
      const to = Math.min(from + batchSize, this.total);
      const records: Value[] = [];
      for (let id = from + 1; id <= to; id++) records.push({ id });
      yield { records, bookmark: to };
    }
  }
  async nativeFormat(): Promise<NativeFormat | undefined> {
    this.calls.push("nativeFormat");
    return this.offer;
  }
  async *nativePages(_ctx: unknown, batchSize: number): AsyncIterable<NativePage> {
    this.calls.push("nativePages");
    let page = 0;
    for (let from = this.start; from < this.total; from += batchSize) {
      if (++page === this.failNativeAt) {
        this.failNativeAt = undefined;
        throw new FaucetError("source", "the server went away", { retryable: true });
      }
      const to = Math.min(from + batchSize, this.total);
      let text = "";
      for (let id = from + 1; id <= to; id++) text += `${id}\n`;
      yield { bytes: Buffer.from(text), count: to - from, bookmark: to };
    }
  }
}

/** Keeps ids from records and from native lines alike; accepts `test/lines` unless told not to. */
class LinesSink implements Sink {
  readonly ids: number[] = [];
  readonly calls: string[] = [];
  decline: string | undefined;
  async writeBatch(records: readonly Value[]): Promise<number> {
    this.calls.push(`writeBatch:${records.length}`);
    for (const r of records) this.ids.push((r as { id: number }).id);
    return records.length;
  }
  async acceptNative(format: NativeFormat): Promise<true | string> {
    this.calls.push(`acceptNative:${format.encoding}`);
    if (this.decline) return this.decline;
    return format.encoding === "test/lines" ? true : `unknown encoding ${format.encoding}`;
  }
  async writeNative(bytes: Uint8Array, records: number): Promise<number> {
    this.calls.push(`writeNative:${records}`);
    const lines = Buffer.from(bytes).toString().split("\n").filter(Boolean);
    expect(lines).toHaveLength(records);
    for (const line of lines) this.ids.push(Number(line));
    return records;
  }
  async flush(): Promise<void> {
    this.calls.push("flush");
  }
}

function debugLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string, fields?: LogFields) => {
    if (message.startsWith("native")) lines.push(`${message}: ${fields?.reason ?? fields?.encoding ?? ""}`);
  };
  return { lines, debug: keep, info: () => undefined, warn: () => undefined, error: () => undefined };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("native pass-through", () => {
  test("pages move as bytes: counts, bookmarks and the state store as on the records path", async () => {
    const source = new LinesSource(25);
    const sink = new LinesSink();
    const store = new MemoryStateStore();
    const logger = debugLog();
    const pipeline = new Pipeline(source, sink, { batchSize: 10, stateStore: store, logger });
    const result = await pipeline.run();
    expect(result).toMatchObject({ recordsRead: 25, recordsWritten: 25, pages: 3, bookmark: 25 });
    expect(sink.ids).toEqual(range(1, 25));
    expect(sink.calls).toEqual([
      "acceptNative:test/lines",
      "writeNative:10",
      "flush",
      "writeNative:10",
      "flush",
      "writeNative:5",
      "flush",
      "flush", // the run's last
    ]);
    expect(source.calls).toEqual(["nativeFormat", "nativePages"]);
    expect(logger.lines).toEqual(["native pass-through on: test/lines"]);
    expect(await store.get(pipeline.stateKey())).toBe(25);
  });

  test("a resumed run starts the native read from the saved bookmark", async () => {
    const store = new MemoryStateStore();
    const first = new LinesSource(25);
    first.failNativeAt = 3;
    const sink = new LinesSink();
    await expect(new Pipeline(first, sink, { batchSize: 10, stateStore: store, retry: false }).run()).rejects.toThrow(
      /the server went away/,
    );
    expect(sink.ids).toEqual(range(1, 20));
    const result = await new Pipeline(new LinesSource(25), sink, { batchSize: 10, stateStore: store }).run();
    expect(result.recordsWritten).toBe(5);
    expect(sink.ids).toEqual(range(1, 25));
  });

  test("a source failure mid-read restarts reading natively from the last committed bookmark", async () => {
    const source = new LinesSource(25);
    source.failNativeAt = 2;
    const sink = new LinesSink();
    const result = await new Pipeline(source, sink, {
      batchSize: 10,
      stateStore: new MemoryStateStore(),
      retry: { maxAttempts: 3, initialDelayMs: 1 },
    }).run();
    expect(result.recordsWritten).toBe(25);
    expect(sink.ids).toEqual(range(1, 25));
    // Asked once per run; read twice, the second time from the bookmark after page 1.
    expect(source.calls).toEqual(["nativeFormat", "nativePages", "nativePages"]);
  });

  test.each([
    ["transforms", { transforms: [(records: Value[]) => records] }, "transforms need the records"],
    ["native: false", { native: false }, "native: false"],
    ["a record limit", { limit: 100 }, "a record limit cuts pages by record"],
    ["schema drift handling", { schemaDrift: "fail" as const }, "schema drift handling needs the records"],
  ])("%s keeps the records path, with the same output", async (_label, options, reason) => {
    const source = new LinesSource(25);
    const sink = new LinesSink();
    const logger = debugLog();
    const result = await new Pipeline(source, sink, { batchSize: 10, logger, ...options }).run();
    expect(result.recordsWritten).toBe(25);
    expect(sink.ids).toEqual(range(1, 25));
    expect(sink.calls.filter((c) => c.startsWith("writeNative") || c.startsWith("acceptNative"))).toEqual([]);
    expect(source.calls).toEqual(["streamPages"]);
    expect(logger.lines).toEqual([`native pass-through off: ${reason}`]);
  });

  test("a sink that declines, or a source with nothing to offer, falls back to records", async () => {
    const declined = new LinesSink();
    declined.decline = "the table has no column id";
    const logger = debugLog();
    await new Pipeline(new LinesSource(25), declined, { batchSize: 10, logger }).run();
    expect(declined.ids).toEqual(range(1, 25));
    expect(declined.calls.slice(0, 2)).toEqual(["acceptNative:test/lines", "writeBatch:10"]);
    expect(logger.lines).toEqual(["native pass-through off: the table has no column id"]);

    const quiet = new LinesSource(25);
    quiet.offer = undefined;
    const sink = new LinesSink();
    const log2 = debugLog();
    await new Pipeline(quiet, sink, { batchSize: 10, logger: log2 }).run();
    expect(sink.ids).toEqual(range(1, 25));
    expect(sink.calls).not.toContain("acceptNative:test/lines");
    expect(log2.lines).toEqual(["native pass-through off: the source's config has no native encoding"]);
  });

  test("instrumented connectors keep the native path, and reads and writes count every record", async () => {
    const events: { role: string; operation: string; records?: number }[] = [];
    const instrumentation = { onCall: (e: { role: string; operation: string; records?: number }) => events.push(e) };
    const sink = new LinesSink();
    const result = await new Pipeline(
      instrumentSource(new LinesSource(25), instrumentation),
      instrumentSink(sink, instrumentation),
      { batchSize: 10 },
    ).run();
    expect(result.recordsWritten).toBe(25);
    expect(sink.calls).toContain("writeNative:10");
    const total = (role: string, operation: string) =>
      events.filter((e) => e.role === role && e.operation === operation).reduce((n, e) => n + (e.records ?? 0), 0);
    expect(total("source", "read")).toBe(25);
    expect(total("sink", "write")).toBe(25);
    expect(events.some((e) => e.operation === "native_format")).toBe(true);
    expect(events.some((e) => e.operation === "accept_native")).toBe(true);
  });

  test("a failing native write fails the run as a sink error, and the bookmark stays before it", async () => {
    const sink = new LinesSink();
    let writes = 0;
    sink.writeNative = async (_bytes, records) => {
      if (++writes === 2) throw new Error("value too long for type character varying(3)");
      return records;
    };
    const store = new MemoryStateStore();
    const run = new Pipeline(new LinesSource(25), sink, { batchSize: 10, stateStore: store, retry: false }).run();
    await expect(run).rejects.toMatchObject({ kind: "sink" });
    const pipeline = new Pipeline(new LinesSource(25), new LinesSink(), { batchSize: 10, stateStore: store });
    expect(await store.get(pipeline.stateKey())).toBe(10);
  });
});

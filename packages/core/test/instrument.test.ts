import type { CallEvent, Sink, Source } from "faucet-core";
import { type FaucetError, instrumentSink, instrumentSource, Pipeline, silentLogger } from "faucet-core";
import { expect, test } from "vitest";
import { CountingSource, RecordingSink, WatermarkSink } from "./helpers.js";

test("instrumented connectors forward every method they have, and only those", async () => {
  const events: CallEvent[] = [];
  const source = instrumentSource(new CountingSource(3), { onCall: (e) => events.push(e) });
  expect(typeof source.streamPages).toBe("function");
  expect(typeof source.applyStartBookmark).toBe("function");
  expect(source.discover).toBeUndefined();
  expect(source.capabilities?.()).toEqual({ incremental: true, deterministicReplay: true, discover: false });
  const sink = instrumentSink(new WatermarkSink(), { onCall: (e) => events.push(e) });
  expect(typeof sink.writeBatchIdempotent).toBe("function");
  expect(typeof sink.lastCommittedToken).toBe("function");
  expect(sink.flush).toBeUndefined();
  expect(sink.writeBatchPartial).toBeUndefined();
});

test("a pipeline over instrumented connectors reports every page read and written", async () => {
  const events: CallEvent[] = [];
  const spans: string[] = [];
  const instrumentation = {
    onCall: (e: CallEvent) => events.push(e),
    startSpan: (name: string) => {
      spans.push(name);
      return { end: () => {} };
    },
  };
  const source = instrumentSource(new CountingSource(25), instrumentation);
  const sink = instrumentSink(new RecordingSink(), instrumentation);
  const result = await new Pipeline(source, sink, { batchSize: 10, logger: silentLogger }).run();
  expect(result.recordsWritten).toBe(25);
  const reads = events.filter((e) => e.operation === "read");
  expect(reads.map((e) => e.records)).toEqual([10, 10, 5, 0]);
  const writes = events.filter((e) => e.operation === "write");
  expect(writes.map((e) => e.records)).toEqual([10, 10, 5]);
  expect(writes.every((e) => e.role === "sink" && e.durationMs >= 0)).toBe(true);
  expect(events.filter((e) => e.operation === "flush")).toHaveLength(4);
  expect(spans).toContain("sink.write");
  expect(spans).toContain("source.read");
});

test("failures are reported with their FaucetError and still reach the caller unchanged", async () => {
  const events: CallEvent[] = [];
  const original = new Error("disk full");
  const failing: Sink = {
    connectorName: () => "sink-broken",
    async writeBatch() {
      throw original;
    },
  };
  const source: Source = { fetchWithContext: async () => [1] };
  const error = await new Pipeline(source, instrumentSink(failing, { onCall: (e) => events.push(e) }), {
    logger: silentLogger,
  })
    .run()
    .catch((e: unknown) => e as FaucetError);
  expect(error).toMatchObject({ kind: "sink", connector: "sink-broken" });
  expect(error.cause).toBe(original);
  expect(events[0]).toMatchObject({ operation: "write", connector: "sink-broken", error: { kind: "sink" } });
});

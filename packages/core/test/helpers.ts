import type { PartialWriteResult, Sink, SinkCapabilities, Source, StreamPage, Value } from "faucet-core";
import { appendOnlyCapabilities, FaucetError } from "faucet-core";

/** A source of `total` records `{ id }` in pages, each page bookmarked with its last id. */
export class CountingSource implements Source {
  readonly total: number;
  start = 0;
  pagesProduced = 0;
  constructor(total: number) {
    this.total = total;
  }
  async fetchWithContext(): Promise<Value[]> {
    return Array.from({ length: this.total - this.start }, (_, i) => ({ id: this.start + i + 1 }));
  }
  applyStartBookmark(bookmark: Value): void {
    this.start = bookmark as number;
  }
  capabilities() {
    return { incremental: true, deterministicReplay: true, discover: false };
  }
  async *streamPages(_ctx: unknown, batchSize: number, signal?: AbortSignal): AsyncIterable<StreamPage> {
    const size = batchSize || this.total;
    for (let from = this.start; from < this.total; from += size) {
      if (signal?.aborted) return;
      const records: Value[] = [];
      for (let id = from + 1; id <= Math.min(from + size, this.total); id++) records.push({ id });
      this.pagesProduced++;
      yield { records, bookmark: Math.min(from + size, this.total) };
    }
  }
}

/** Records every call, in order, so tests can assert the exact sequence of operations. */
export class RecordingSink implements Sink {
  readonly rows: Value[] = [];
  readonly durable: Value[] = [];
  readonly calls: string[] = [];
  failWriteAt: number | undefined;
  failFlushAt: number | undefined;
  writes = 0;
  flushes = 0;
  closed = 0;
  caps: Partial<SinkCapabilities> | undefined;
  writeDelayMs = 0;
  async writeBatch(records: readonly Value[]): Promise<number> {
    this.writes++;
    this.calls.push(`write:${records.length}`);
    if (this.writeDelayMs) await new Promise((r) => setTimeout(r, this.writeDelayMs));
    if (this.failWriteAt === this.writes) throw new Error(`write ${this.writes} failed`);
    this.rows.push(...records);
    return records.length;
  }
  async flush(): Promise<void> {
    this.flushes++;
    this.calls.push("flush");
    if (this.failFlushAt !== undefined && this.flushes >= this.failFlushAt)
      throw new Error(`flush ${this.flushes} failed`);
    this.durable.splice(0, this.durable.length, ...this.rows);
  }
  async close(): Promise<void> {
    this.closed++;
  }
  capabilities(): SinkCapabilities {
    return { ...appendOnlyCapabilities(), ...this.caps };
  }
}

/** An in-memory sink with an atomic watermark: page and token commit together. */
export class WatermarkSink implements Sink {
  readonly rows: Value[] = [];
  readonly tokens = new Map<string, string>();
  async writeBatch(records: readonly Value[]): Promise<number> {
    this.rows.push(...records);
    return records.length;
  }
  async writeBatchIdempotent(records: readonly Value[], scope: string, token: string): Promise<number> {
    this.rows.push(...records);
    this.tokens.set(scope, token);
    return records.length;
  }
  async lastCommittedToken(scope: string): Promise<string | undefined> {
    return this.tokens.get(scope);
  }
  capabilities(): SinkCapabilities {
    return { ...appendOnlyCapabilities(), atomicWatermark: true };
  }
}

/** A sink that refuses records whose `bad` field is true, row by row. */
export class PickySink implements Sink {
  readonly rows: Value[] = [];
  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.some((r) => (r as { bad?: boolean }).bad)) throw new FaucetError("sink", "page has a bad row");
    this.rows.push(...records);
    return records.length;
  }
  async writeBatchPartial(records: readonly Value[]): Promise<PartialWriteResult> {
    const failures: PartialWriteResult["failures"] = [];
    records.forEach((record, index) => {
      if ((record as { bad?: boolean }).bad)
        failures.push({ index, error: new FaucetError("sink", `row ${index} refused`) });
      else this.rows.push(record);
    });
    return { written: records.length - failures.length, failures };
  }
}

/** A sink that collects everything: the dead-letter target in tests. */
export class CollectSink implements Sink {
  readonly rows: Value[] = [];
  async writeBatch(records: readonly Value[]): Promise<number> {
    this.rows.push(...records);
    return records.length;
  }
}

/** A source over a fixed list of pages. */
export function pagesSource(pages: StreamPage[]): Source {
  return {
    async fetchWithContext() {
      return pages.flatMap((p) => p.records);
    },
    async *streamPages() {
      yield* pages;
    },
  };
}

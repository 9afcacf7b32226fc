import { readFileSync } from "node:fs";
import type {
  Logger,
  ParallelChunk,
  PipelineOptions,
  PipelineProgress,
  PipelineResult,
  Sink,
  Source,
  StreamPage,
  Value,
} from "faucet-core";
import {
  type CallEvent,
  createTransforms,
  FaucetError,
  instrumentSink,
  instrumentSource,
  MemoryStateStore,
  Pipeline,
  silentLogger,
} from "faucet-core";
import { describe, expect, test } from "vitest";
// @ts-expect-error: a plain .mjs fixture, shared with the worker threads
import { createChunkDecoder } from "./fixtures/parallel-lines.mjs";

const LINES = new URL("./fixtures/parallel-lines.mjs", import.meta.url).href;
const JSON_LINES = new URL("./fixtures/parallel-json.mjs", import.meta.url).href;

interface LinesOptions {
  pagesPerChunk?: number;
  decoder?: Record<string, unknown>;
  /** Milliseconds a worker spins on chunk i. */
  busyMs?: (chunk: number) => number;
  /** Declare one page more than a chunk has. */
  wrongPageCount?: boolean;
  /** parallelChunks fails after yielding this many chunks. */
  failAfterChunks?: number;
  /** parallelChunks returns undefined. */
  decline?: boolean;
  /** parallelChunks waits this long before each chunk (so workers are ready for the later ones). */
  chunkDelayMs?: number;
  /** Each chunk's last page carries the last number read as its bookmark. */
  bookmarks?: boolean;
}

interface Piece {
  end: number;
  bytes: Uint8Array;
  meta: { pageSize: number; length: number; busyMs: number };
  pages: number;
  records: number;
}

/**
 * Numbers 1..total as text lines, cut into chunks of whole pages. Both paths decode with the
 * same function (fixtures/parallel-lines.mjs): in-process for streamPages, on workers for
 * parallelChunks.
 */
class LinesSource implements Source {
  readonly total: number;
  readonly options: LinesOptions;
  readonly decoderSpec: { module: string; options: Record<string, unknown> };
  chunksPulled = 0;
  released = 0;

  constructor(total: number, options: LinesOptions = {}) {
    this.total = total;
    this.options = options;
    this.decoderSpec = { module: LINES, options: options.decoder ?? {} };
  }

  *pieces(batchSize: number): Generator<Piece> {
    const perChunk = batchSize * (this.options.pagesPerChunk ?? 3);
    for (let start = 1, i = 0; start <= this.total; start += perChunk, i++) {
      const end = Math.min(this.total, start + perChunk - 1);
      let text = "";
      for (let n = start; n <= end; n++) text += `${n}\n`;
      // Room to spare after the text: decoders must respect the length they are told.
      const bytes = new Uint8Array(text.length + 16);
      bytes.set(Buffer.from(text));
      const records = end - start + 1;
      yield {
        end,
        bytes,
        meta: { pageSize: batchSize, length: text.length, busyMs: this.options.busyMs?.(i) ?? 0 },
        pages: Math.ceil(records / batchSize),
        records,
      };
    }
  }

  async fetchWithContext(): Promise<Value[]> {
    throw new Error("not used");
  }

  async *streamPages(_ctx: unknown, batchSize: number): AsyncGenerator<StreamPage> {
    const decode = createChunkDecoder(this.options.decoder ?? {});
    let chunks = 0;
    for (const piece of this.pieces(batchSize)) {
      if (this.options.failAfterChunks !== undefined && chunks++ === this.options.failAfterChunks) {
        throw new FaucetError("source", "the disk went away", { connector: "source-lines" });
      }
      const pages = [...decode(piece.bytes, piece.meta)] as Value[][];
      for (const [i, records] of pages.entries()) {
        const last = this.options.bookmarks && i === pages.length - 1;
        yield last ? { records, bookmark: piece.end } : { records };
      }
    }
  }

  parallelChunks(_ctx: unknown, batchSize: number): AsyncIterable<ParallelChunk> | undefined {
    if (this.options.decline) return undefined;
    const self = this;
    return (async function* () {
      for (const piece of self.pieces(batchSize)) {
        if (self.options.failAfterChunks !== undefined && self.chunksPulled === self.options.failAfterChunks) {
          throw new FaucetError("source", "the disk went away", { connector: "source-lines" });
        }
        self.chunksPulled++;
        if (self.options.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, self.options.chunkDelayMs));
        yield {
          input: piece.bytes.buffer as ArrayBuffer,
          decoder: self.decoderSpec,
          meta: piece.meta,
          pages: piece.pages + (self.options.wrongPageCount ? 1 : 0),
          records: piece.records,
          ...(self.options.bookmarks ? { bookmark: piece.end } : {}),
          release: () => {
            self.released++;
          },
        };
      }
    })();
  }

  connectorName(): string {
    return "source-lines";
  }
}

/** JSON Lines in memory, written record by record or from a worker's bytes. */
class LinesSink implements Sink {
  readonly lines: string[] = [];
  readonly serializerOptions: Record<string, unknown>;
  writes = 0;
  serializedWrites = 0;

  constructor(serializerOptions: Record<string, unknown> = {}) {
    this.serializerOptions = serializerOptions;
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    this.writes++;
    for (const record of records) this.lines.push(JSON.stringify(record));
    return records.length;
  }

  serializer() {
    return { module: JSON_LINES, options: this.serializerOptions };
  }

  async writeSerialized(bytes: Uint8Array, records: number): Promise<number> {
    this.writes++;
    this.serializedWrites++;
    for (const line of Buffer.from(bytes).toString("utf8").split("\n")) if (line) this.lines.push(line);
    return records;
  }

  connectorName(): string {
    return "sink-lines";
  }
}

interface Outcome {
  result?: PipelineResult;
  error?: FaucetError;
  sink: LinesSink;
  source: LinesSource;
  progress: Omit<PipelineProgress, "elapsedMs">[];
  debug: string[];
}

async function run(
  source: LinesSource,
  sink: LinesSink,
  options: PipelineOptions & { onProgressHook?: (p: PipelineProgress) => void } = {},
): Promise<Outcome> {
  const progress: Omit<PipelineProgress, "elapsedMs">[] = [];
  const debug: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    debug: (message, fields) => {
      if (message.startsWith("parallel pages")) debug.push(`${message}: ${String(fields?.reason ?? fields?.workers)}`);
    },
  };
  const { onProgressHook, ...rest } = options;
  const outcome: Outcome = { sink, source, progress, debug };
  try {
    outcome.result = await new Pipeline(source, sink, {
      batchSize: 100,
      stateStore: new MemoryStateStore(),
      logger,
      ...rest,
      onProgress: (p) => {
        const { elapsedMs: _, ...counts } = p;
        progress.push(counts);
        onProgressHook?.(p);
      },
    }).run();
  } catch (error) {
    outcome.error = error as FaucetError;
  }
  return outcome;
}

/** The same run single-threaded and with two workers. */
async function both(make: () => [LinesSource, LinesSink], options: PipelineOptions = {}) {
  const [s1, k1] = make();
  const [s2, k2] = make();
  const single = await run(s1, k1, { ...options, workers: 0 });
  const parallel = await run(s2, k2, { ...options, workers: 2 });
  return { single, parallel };
}

function comparable(result: PipelineResult | undefined) {
  if (!result) return undefined;
  const { durationMs: _, ...rest } = result;
  return rest;
}

function threads(): number | undefined {
  try {
    return Number(/Threads:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
  } catch {
    return undefined;
  }
}

async function settledThreads(expected: number | undefined): Promise<number | undefined> {
  // A terminated worker's thread may take a moment to be reaped.
  for (let i = 0; i < 50 && threads() !== expected; i++) await new Promise((r) => setTimeout(r, 20));
  return threads();
}

describe("parallel pages: the same outcome as the single-threaded path", () => {
  test("records, order, pages, progress and results are identical, transforms included", async () => {
    const specs = [
      { type: "cast", config: { fields: { even: "bool" } } },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
      { type: "set", config: { values: { page: "${page.index}", tag: "x" } } },
      { type: "filter", config: { path: "even", op: "eq", value: true } },
    ];
    const options = { transforms: createTransforms(specs), transformSpecs: specs };
    const { single, parallel } = await both(() => [new LinesSource(5_050), new LinesSink()], options);
    expect(single.error).toBeUndefined();
    expect(parallel.error).toBeUndefined();
    expect(parallel.debug).toEqual(["parallel pages on: 2"]);
    expect(single.debug).toEqual(["parallel pages off: workers: 0"]);
    expect(parallel.sink.lines).toEqual(single.sink.lines);
    expect(parallel.sink.lines).toHaveLength(2_525);
    expect(JSON.parse(parallel.sink.lines[2_524] as string)).toEqual({
      n: 5_050,
      text: "r5050",
      even: true,
      page: 50,
      tag: "x",
    });
    expect(comparable(parallel.result)).toEqual(comparable(single.result));
    expect(parallel.result?.pages).toBe(51);
    expect(parallel.result?.recordsRead).toBe(5_050);
    expect(parallel.progress).toEqual(single.progress);
    expect(parallel.sink.serializedWrites).toBe(51);
    expect(parallel.sink.writes).toBe(single.sink.writes);
  });

  test("bookmarks: flushed and saved after the chunk's last page, and kept on cancellation", async () => {
    const puts = (store: MemoryStateStore, log: Value[]) => {
      const put = store.put.bind(store);
      store.put = async (key, value) => {
        log.push(value);
        await put(key, value);
      };
      return store;
    };
    const runs: { log: Value[]; outcome: Outcome }[] = [];
    for (const workers of [0, 2]) {
      const log: Value[] = [];
      const stateStore = puts(new MemoryStateStore(), log);
      runs.push({
        log,
        outcome: await run(new LinesSource(1_000, { bookmarks: true }), new LinesSink(), { workers, stateStore }),
      });
    }
    expect(runs[1]?.log).toEqual(runs[0]?.log);
    expect(runs[1]?.log).toEqual([300, 600, 900, 1_000]);
    expect(runs[1]?.outcome.result?.bookmark).toBe(1_000);

    const controller = new AbortController();
    const log: Value[] = [];
    const cancelled = await run(new LinesSource(9_000, { bookmarks: true, busyMs: () => 5 }), new LinesSink(), {
      workers: 2,
      signal: controller.signal,
      stateStore: puts(new MemoryStateStore(), log),
      onProgressHook: (p) => {
        if (p.pages === 7) controller.abort();
      },
    });
    expect(cancelled.result?.cancelled).toBe(true);
    expect(cancelled.result?.pages).toBe(7);
    // Pages 3 and 6 closed chunks: the state holds the last bookmark the sink had.
    expect(log).toEqual([300, 600]);
    expect(cancelled.result?.bookmark).toBe(600);
    expect(cancelled.sink.lines).toHaveLength(700);
  });

  test("chunks that finish out of order are written in source order", async () => {
    const source = new LinesSource(3_000, { pagesPerChunk: 1, busyMs: (i) => (i % 3 === 0 ? 40 : 0) });
    const outcome = await run(source, new LinesSink(), { workers: 2 });
    expect(outcome.error).toBeUndefined();
    expect(outcome.sink.lines.map((line) => (JSON.parse(line) as { n: number }).n)).toEqual(
      Array.from({ length: 3_000 }, (_, i) => i + 1),
    );
    // Every chunk's input went back to the source to be reused.
    expect(source.released).toBe(30);
  });

  test("the main thread decodes the first chunks while the workers start, then the workers take over", async () => {
    const source = new LinesSource(6_000, { pagesPerChunk: 1, decoder: { tagThread: true }, chunkDelayMs: 3 });
    const outcome = await run(source, new LinesSink(), { workers: 2 });
    expect(outcome.error).toBeUndefined();
    const records = outcome.sink.lines.map((line) => JSON.parse(line) as { n: number; main: boolean });
    expect(records.map((r) => r.n)).toEqual(Array.from({ length: 6_000 }, (_, i) => i + 1));
    expect(records[0]?.main).toBe(true);
    expect(records.at(-1)?.main).toBe(false);
    // Once a worker is ready, the main thread only dispatches.
    const firstOnWorker = records.findIndex((r) => !r.main);
    expect(records.slice(firstOnWorker).some((r) => r.main)).toBe(false);
  });

  test("at most 2 × workers + 1 chunks are in flight, so memory stays bounded", async () => {
    const source = new LinesSource(20_000, { pagesPerChunk: 1, busyMs: () => 2 });
    let most = 0;
    const outcome = await run(source, new LinesSink(), {
      workers: 2,
      onProgressHook: (p) => {
        // Pulled from the source and not yet committed (one page per chunk here).
        most = Math.max(most, source.chunksPulled - p.pages);
      },
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.pages).toBe(200);
    // 2 × workers + 1 dispatched (the one being written among them) and the page read ahead.
    expect(most).toBeLessThanOrEqual(2 * 2 + 1 + 1);
    expect(most).toBeGreaterThanOrEqual(2);
  });

  test("instrumented connectors keep the parallel path, and their calls count every record", async () => {
    const events: CallEvent[] = [];
    const source = new LinesSource(2_500);
    const sink = new LinesSink();
    const logger = { ...silentLogger, debug: (m: string) => m === "parallel pages on" && events.push({} as CallEvent) };
    const result = await new Pipeline(
      instrumentSource(source, { onCall: (e) => events.push(e) }),
      instrumentSink(sink, { onCall: (e) => events.push(e) }),
      { workers: 2, batchSize: 100, logger, stateStore: new MemoryStateStore() },
    ).run();
    expect(result.recordsWritten).toBe(2_500);
    expect(sink.serializedWrites).toBe(25);
    const total = (role: string, operation: string) =>
      events.filter((e) => e.role === role && e.operation === operation).reduce((n, e) => n + (e.records ?? 0), 0);
    expect(total("source", "read")).toBe(2_500);
    expect(total("sink", "write")).toBe(2_500);
    expect(events.filter((e) => e.role === undefined)).toHaveLength(1);
  });

  test("parallel pages stay off where the records are needed on the main thread, and the output is the same", async () => {
    const cases: [string, PipelineOptions][] = [
      ["a dead-letter sink needs the records on the main thread", { deadLetter: { sink: new LinesSink() } }],
      ["a record limit cuts pages on the main thread", { limit: 250 }],
      ["transforms given as functions (no transformSpecs)", { transforms: [(records) => records] }],
      [
        "transform `custom` is not a built-in a worker can compile",
        { transforms: [(records) => records], transformSpecs: [{ type: "custom", config: {} }] },
      ],
    ];
    for (const [reason, options] of cases) {
      const outcome = await run(new LinesSource(1_000), new LinesSink(), { ...options, workers: 2 });
      expect(outcome.debug).toEqual([`parallel pages off: ${reason}`]);
      expect(outcome.sink.serializedWrites).toBe(0);
      expect(outcome.sink.lines.length).toBe(options.limit ?? 1_000);
    }
    const declined = await run(new LinesSource(1_000, { decline: true }), new LinesSink(), { workers: 2 });
    expect(declined.debug).toEqual(["parallel pages off: the source declined (its config)"]);
    expect(declined.sink.lines).toHaveLength(1_000);
  });
});

describe("parallel pages: failures", () => {
  test("a record the decoder refuses fails the run with the same error, after the same pages", async () => {
    const { single, parallel } = await both(() => [
      new LinesSource(2_000, { decoder: { failAt: 1_234 } }),
      new LinesSink(),
    ]);
    expect(parallel.error).toBeInstanceOf(FaucetError);
    expect(parallel.error?.message).toBe(single.error?.message);
    expect(parallel.error?.message).toBe(
      "[faucet] [source-lines] lines line 1234: not a valid number (hint: fix the line)",
    );
    expect(parallel.error?.kind).toBe("source");
    expect(parallel.sink.lines).toEqual(single.sink.lines);
    expect(parallel.sink.lines).toHaveLength(1_200);
    expect(parallel.progress).toEqual(single.progress);
  });

  test("a decoder that throws a plain error is a source error naming the connector", async () => {
    const { single, parallel } = await both(() => [
      new LinesSource(1_000, { decoder: { crashAt: 350 } }),
      new LinesSink(),
    ]);
    expect(parallel.error?.message).toBe(single.error?.message);
    expect(parallel.error?.message).toBe("[faucet] [source-lines] crash at 350");
    expect(parallel.sink.lines).toEqual(single.sink.lines);
  });

  test("a transform error and a rejection without a dead-letter sink read as on the single-threaded path", async () => {
    const failing = [{ type: "cast", config: { fields: { text: "int" } } }];
    const rejecting = [{ type: "cast", config: { fields: { text: "int" }, on_error: "dlq" } }];
    for (const specs of [failing, rejecting]) {
      const options = { transforms: createTransforms(specs), transformSpecs: specs };
      const { single, parallel } = await both(() => [new LinesSource(1_000), new LinesSink()], options);
      expect(single.error).toBeInstanceOf(FaucetError);
      expect(parallel.error?.message).toBe(single.error?.message);
      expect(parallel.error?.kind).toBe(single.error?.kind);
      expect(parallel.sink.lines).toEqual([]);
    }
  });

  test("a source that fails while reading fails after the chunks read before it are written", async () => {
    const { single, parallel } = await both(() => [new LinesSource(3_000, { failAfterChunks: 4 }), new LinesSink()]);
    expect(parallel.error?.message).toBe("[faucet] [source-lines] the disk went away");
    expect(parallel.error?.message).toBe(single.error?.message);
    expect(parallel.sink.lines).toHaveLength(1_200);
    expect(parallel.sink.lines).toEqual(single.sink.lines);
  });

  test("a serializer failure is a sink write failure", async () => {
    const outcome = await run(new LinesSource(1_000), new LinesSink({ failAt: 777 }), { workers: 2 });
    expect(outcome.error?.kind).toBe("sink");
    expect(outcome.error?.message).toBe("[faucet] [sink-lines] write failed: cannot serialize 777");
    expect(outcome.sink.lines).toHaveLength(700);
  });

  test("a chunk that decodes to another page count than declared is a contract error", async () => {
    const outcome = await run(new LinesSource(1_000, { wrongPageCount: true }), new LinesSink(), { workers: 2 });
    expect(outcome.error?.kind).toBe("contract");
    expect(outcome.error?.message).toContain("a parallel chunk decoded to 3 pages, but the source said 4");
  });
});

describe("parallel pages: workers end on every exit path", () => {
  test("success, failure, cancellation and a crashed worker leave no thread behind", async () => {
    const before = threads();
    const ok = await run(new LinesSource(2_000), new LinesSink(), { workers: 2 });
    expect(ok.error).toBeUndefined();
    expect(await settledThreads(before)).toBe(before);

    const failed = await run(new LinesSource(2_000, { decoder: { failAt: 900 } }), new LinesSink(), { workers: 2 });
    expect(failed.error).toBeInstanceOf(FaucetError);
    expect(await settledThreads(before)).toBe(before);

    const controller = new AbortController();
    const cancelled = await run(new LinesSource(50_000, { busyMs: () => 5 }), new LinesSink(), {
      workers: 2,
      signal: controller.signal,
      onProgressHook: (p) => {
        if (p.pages === 5) controller.abort();
      },
    });
    expect(cancelled.error).toBeUndefined();
    expect(cancelled.result?.cancelled).toBe(true);
    expect(cancelled.result?.pages).toBe(5);
    expect(cancelled.sink.lines).toHaveLength(500);
    expect(await settledThreads(before)).toBe(before);

    const crashing = new LinesSource(10_000, { pagesPerChunk: 1, decoder: { exitAt: 9_950 }, chunkDelayMs: 3 });
    const crashed = await run(crashing, new LinesSink(), { workers: 2 });
    expect(crashed.error).toBeInstanceOf(FaucetError);
    expect(crashed.error?.message).toContain("a parallel-pages worker exited (code 3)");
    expect(crashed.sink.lines.length).toBeLessThan(9_950);
    expect(await settledThreads(before)).toBe(before);
  });

  test("a serializer module that cannot be loaded fails the run with the reason", async () => {
    const sink = new LinesSink();
    sink.serializer = () => ({ module: new URL("./fixtures/missing.mjs", import.meta.url).href, options: {} });
    const outcome = await run(new LinesSource(500), sink, { workers: 1 });
    expect(outcome.error).toBeInstanceOf(FaucetError);
    expect(outcome.error?.message).toContain("missing.mjs");
    expect(sink.lines).toEqual([]);
  });
});

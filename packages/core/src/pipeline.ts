import type { DeadLetterOptions } from "./dead-letter.js";
import type { DeliveryMode, DeliveryReport } from "./delivery.js";
import { deliveryGuarantee } from "./delivery.js";
import type { LeaseOptions } from "./lease.js";
import type { Logger } from "./logger.js";
import { PipelineRun } from "./pipeline-run.js";
import type { CircuitBreakerOptions, PoisonOptions, RetryCategory } from "./resilience.js";
import type { RetryPolicy } from "./retry.js";
import type { SchemaDriftPolicy } from "./schema-drift.js";
import type { Sink } from "./sink.js";
import type { Source } from "./source.js";
import { sourceName } from "./source.js";
import type { StateStore } from "./state.js";
import type { Transform } from "./transform.js";
import type { TransformSpec } from "./transforms/registry.js";
import type { Value } from "./value.js";

/** Options of {@link Pipeline}. Everything is optional. */
export interface PipelineOptions {
  /** Used in logs, dead-letter envelopes and as the default state key. */
  name?: string;
  /** Records per page: default 1000, 0 = everything in one page, at most 1,000,000. */
  batchSize?: number;
  /** Pages read ahead of the one being written: default 1, 0 = no overlap. */
  prefetch?: number;
  /** Where bookmarks are kept between runs. Without one, the run starts from the beginning. */
  stateStore?: StateStore;
  /** Default: the source's `stateKey()`, else the pipeline name, else the source name. */
  stateKey?: string;
  /** Start from this bookmark when the state store holds none. */
  startBookmark?: Value;
  /** Page stages, applied in order to every page. */
  transforms?: readonly Transform[];
  /**
   * The `{type, config}` specs `transforms` were compiled from (`createTransforms`), so worker
   * threads can compile them too. Without them, transforms keep a run single-threaded.
   */
  transformSpecs?: readonly TransformSpec[];
  /**
   * Worker threads for parallel pages (docs/concepts.md): when the source can cut its input into
   * chunks and the sink can serialize on a worker, workers parse, transform and serialize whole
   * pages while the main thread writes them in order. Default 2 where at least four cores exist
   * and two of them are free, else 0; 0 runs single-threaded.
   */
  workers?: number;
  /**
   * Native pass-through (docs/concepts.md): when the source can hand its pages over in an encoding
   * the sink writes as it is (PostgreSQL's COPY text between two PostgreSQL connectors), and the
   * run needs no records (no transforms, dead letters, limit or drift handling; exactly-once
   * needs the sink's `writeNativeIdempotent`), pages move as bytes without a value being
   * decoded. Default true; false always decodes the records.
   */
  native?: boolean;
  /** Aborting stops reading, flushes what was written and returns `cancelled: true`. */
  signal?: AbortSignal;
  /**
   * Retry policy for sink writes and flushes, and for restarting a source that failed (from the
   * last committed bookmark); `false` disables retries.
   */
  retry?: RetryPolicy | false;
  /** Narrows pipeline retries to these failure classes. Default: every retryable error. */
  retryOn?: readonly RetryCategory[];
  /** Stops a run whose source or sink keeps failing instead of hammering it. */
  circuitBreaker?: CircuitBreakerOptions;
  /** Isolates rows that keep failing and dead-letters, drops or fails on them. */
  poison?: PoisonOptions;
  /** Where rejected records go instead of failing the run. */
  deadLetter?: DeadLetterOptions;
  /** `exactly_once` is refused at start unless the source, sink and state make it possible. */
  delivery?: DeliveryMode;
  /** What to do when records carry keys the destination lacks. Default: leave it to the sink. */
  schemaDrift?: SchemaDriftPolicy;
  /** Stop after writing this many records. */
  limit?: number;
  /** Values a source may use to fill placeholders (see FetchContext.params). */
  params?: Record<string, Value>;
  logger?: Logger;
  /** Called after every committed page. */
  onProgress?: (progress: PipelineProgress) => void;
  /** Close the source and sink (and dead-letter sink) when the run ends. Default true. */
  closeConnectors?: boolean;
  /**
   * Hold the state key exclusively for the run when the state store supports leases, so two
   * runs never advance the same bookmark. Default true; `{ ttlMs }` sets the lease lifetime.
   */
  lease?: boolean | LeaseOptions;
}

/** Counters reported after every committed page. */
export interface PipelineProgress {
  pages: number;
  recordsRead: number;
  recordsWritten: number;
  deadLettered: number;
  bookmark: Value | undefined;
  elapsedMs: number;
}

/** What a run did. */
export interface PipelineResult {
  name: string;
  recordsRead: number;
  recordsWritten: number;
  pages: number;
  /** The last committed bookmark: where the next run starts. */
  bookmark: Value | undefined;
  cancelled: boolean;
  durationMs: number;
  deadLettered: number;
  /** Rows skipped by a `poison.action: drop` policy. */
  dropped: number;
  /** The guarantee this run had. */
  delivery: DeliveryReport;
}

/**
 * Moves every page of a source into a sink: per page transform → write → (when the page has a
 * bookmark) flush → save state, in source order, reading ahead by at most `prefetch` pages.
 *
 * @example
 * const result = await new Pipeline(new MySource(), new MySink(), { batchSize: 500 }).run();
 * console.log(`${result.recordsWritten} rows in ${result.durationMs} ms`);
 */
export class Pipeline {
  readonly source: Source;
  readonly sink: Sink;
  readonly options: Readonly<PipelineOptions>;

  constructor(source: Source, sink: Sink, options: PipelineOptions = {}) {
    this.source = source;
    this.sink = sink;
    this.options = options;
  }

  /** The state key this pipeline's bookmark is stored under. */
  stateKey(): string {
    return this.options.stateKey ?? this.source.stateKey?.() ?? this.options.name ?? sourceName(this.source);
  }

  /** The delivery guarantee this pipeline will have. */
  delivery(): DeliveryReport {
    return deliveryGuarantee({
      source: this.source,
      sink: this.sink,
      stateStore: this.options.stateStore,
      hasDeadLetter: this.options.deadLetter !== undefined,
      delivery: this.options.delivery ?? "at_least_once",
    });
  }

  /** Runs the pipeline to the end of the source, a cancellation, or the first failure. */
  async run(): Promise<PipelineResult> {
    return await new PipelineRun(this).execute();
  }
}

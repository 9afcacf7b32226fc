import type { DeadLetterItem, DeadLetterOptions } from "./dead-letter.js";
import { budgetExceeded, deadLetterEnvelope } from "./dead-letter.js";
import type { DeliveryMode, DeliveryReport } from "./delivery.js";
import { deliveryGuarantee, formatCommitToken, parseCommitToken, toCommittedPosition } from "./delivery.js";
import { FaucetError } from "./errors.js";
import type { LeaseOptions, StateLease } from "./lease.js";
import { DEFAULT_LEASE_TTL_MS } from "./lease.js";
import type { Logger } from "./logger.js";
import { consoleLogger } from "./logger.js";
import { PageWriter } from "./page-writer.js";
import { prefetch } from "./prefetch.js";
import type { CircuitBreakerOptions, PoisonOptions, RetryCategory } from "./resilience.js";
import { CircuitBreaker, pipelineMayRetry } from "./resilience.js";
import type { RetryPolicy } from "./retry.js";
import { backoffDelay, sleep, withRetry } from "./retry.js";
import { SchemaDriftGuard, type SchemaDriftPolicy } from "./schema-drift.js";
import type { Sink } from "./sink.js";
import { sinkCapabilities, sinkName } from "./sink.js";
import type { FetchContext, Source, StreamPage } from "./source.js";
import { sourceCapabilities, sourceName } from "./source.js";
import type { StateStore } from "./state.js";
import { MAX_BATCH_SIZE, streamPagesOf } from "./streaming.js";
import type { RejectedRecord, Transform } from "./transform.js";
import { applyTransforms, rejectionError } from "./transform.js";
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

interface PreparedPage {
  index: number;
  records: Value[];
  bookmark: Value | undefined;
  rejected: RejectedRecord[];
  rawCount: number;
}

const DEFAULT_BATCH_SIZE = 1000;

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

/** The state of one run; a Pipeline may be run more than once. */
class PipelineRun {
  readonly #pipeline: Pipeline;
  readonly #options: Readonly<PipelineOptions>;
  readonly #source: Source;
  readonly #sink: Sink;
  readonly #logger: Logger;
  readonly #name: string;
  readonly #started = performance.now();
  readonly #startedAt = new Date();
  readonly #abort = new AbortController();
  readonly #retry: RetryPolicy;
  #delivery!: DeliveryReport;
  #stateKey = "";
  #seq = 0;
  #bookmark: Value | undefined;
  #pages = 0;
  #recordsRead = 0;
  #recordsWritten = 0;
  #deadLettered = 0;
  #cancelled = false;
  #limitReached = false;
  #drift: SchemaDriftGuard | undefined;
  #writer!: PageWriter;
  #lease: StateLease | undefined;
  #breaker: CircuitBreaker | undefined;
  /** Records written since the last saved bookmark: re-reading would write them twice. */
  #sinceBookmark = 0;
  /** Errors raised by the source (as opposed to the sink or state), so only those restart it. */
  readonly #sourceFailures = new WeakSet<object>();

  constructor(pipeline: Pipeline) {
    this.#pipeline = pipeline;
    this.#options = pipeline.options;
    this.#source = pipeline.source;
    this.#sink = pipeline.sink;
    this.#logger = this.#options.logger ?? consoleLogger;
    this.#name = this.#options.name ?? `${sourceName(this.#source)}-to-${sinkName(this.#sink)}`;
    this.#retry = this.#options.retry === false ? { maxAttempts: 1 } : (this.#options.retry ?? {});
  }

  async execute(): Promise<PipelineResult> {
    let batchSize: number;
    try {
      batchSize = this.#prepare();
    } catch (error) {
      // Refused before reading anything; still release what the caller handed us.
      if (this.#options.closeConnectors !== false) await this.#closeAll();
      throw error;
    }
    const userSignal = this.#options.signal;
    const onAbort = () => this.#abort.abort(userSignal?.reason);
    if (userSignal?.aborted) onAbort();
    else userSignal?.addEventListener("abort", onAbort, { once: true });

    let failure: FaucetError | undefined;
    let deferred: FaucetError | undefined;
    let overwriteBegun = false;
    try {
      await this.#loadStart();
      if (this.#options.schemaDrift && this.#options.schemaDrift !== "ignore") {
        this.#drift = new SchemaDriftGuard(this.#sink, this.#options.schemaDrift);
      }
      if (this.#sink.beginOverwrite) {
        await this.#writer.call("begin overwrite", () => this.#sink.beginOverwrite?.() as Promise<void>);
        overwriteBegun = true;
      }
      deferred = await this.#drive(batchSize);
      if (this.#abort.signal.aborted && !this.#limitReached) this.#cancelled = true;
    } catch (error) {
      if (this.#abort.signal.aborted && FaucetError.is(error, "cancelled")) this.#cancelled = true;
      else failure = FaucetError.wrap(error, "custom");
    } finally {
      userSignal?.removeEventListener("abort", onAbort);
      failure = await this.#finish(failure, overwriteBegun && !deferred);
    }
    if (failure) throw failure;
    if (deferred) throw deferred;
    return this.#result();
  }

  /** Validates options and builds the run's helpers; throws config errors before any I/O. */
  #prepare(): number {
    const batchSize = this.#validateNumbers();
    this.#delivery = this.#pipeline.delivery();
    if (this.#options.delivery === "exactly_once" && this.#delivery.problems.length > 0) {
      throw new FaucetError("config", `delivery: exactly_once is not possible: ${this.#delivery.problems.join("; ")}`, {
        hint: "fix the conditions above or use delivery: at_least_once",
      });
    }
    if (this.#delivery.mechanism === "atomic_watermark" && this.#options.limit !== undefined) {
      // A page cut short by the limit has no bookmark of its own, so it could not commit atomically.
      throw new FaucetError(
        "config",
        "limit cannot be combined with delivery: exactly_once (a page cut short by the limit has no bookmark to commit with it)",
        { hint: "drop the limit, or use delivery: at_least_once for a limited run" },
      );
    }
    this.#breaker = this.#options.circuitBreaker ? new CircuitBreaker(this.#options.circuitBreaker) : undefined;
    this.#writer = new PageWriter(this.#sink, {
      retry: this.#retry,
      retryOn: this.#options.retryOn,
      breaker: this.#breaker,
      deadLetter: this.#options.deadLetter,
      poison: this.#options.poison,
      logger: this.#logger,
    });
    return batchSize;
  }

  #validateNumbers(): number {
    const batchSize = this.#options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 0 || batchSize > MAX_BATCH_SIZE) {
      throw new FaucetError("config", `batchSize must be an integer from 0 to ${MAX_BATCH_SIZE}, got ${batchSize}`, {
        hint: "use 0 for one page holding everything, or a page size such as 1000",
      });
    }
    const depth = this.#options.prefetch ?? 1;
    if (!Number.isInteger(depth) || depth < 0) {
      throw new FaucetError("config", `prefetch must be a non-negative integer, got ${depth}`);
    }
    const limit = this.#options.limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new FaucetError("config", `limit must be a non-negative integer, got ${limit}`);
    }
    return batchSize;
  }

  /** Reads the saved position (and, for exactly-once, the sink's own) and applies it. */
  async #loadStart(): Promise<void> {
    const store = this.#options.stateStore;
    this.#stateKey = this.#pipeline.stateKey();
    const lease = this.#options.lease ?? true;
    if (store?.acquireLease && lease !== false) {
      this.#lease = await store.acquireLease(this.#stateKey, lease === true ? { ttlMs: DEFAULT_LEASE_TTL_MS } : lease);
    }
    const stored = store ? await this.#stateCall(() => store.get(this.#stateKey)) : undefined;
    const watermark = this.#delivery.mechanism === "atomic_watermark";
    let position = watermark ? toCommittedPosition(stored) : { bookmark: stored, seq: 0 };
    if (watermark) {
      const token = await this.#writer.call(
        "read commit token",
        () => this.#sink.lastCommittedToken?.(this.#stateKey) as Promise<string | undefined>,
      );
      if (token !== undefined) {
        const committed = parseCommitToken(token);
        if (committed.seq > position.seq) {
          this.#logger.info("the sink is ahead of the state store; resuming from the sink's commit token", {
            state_seq: position.seq,
            sink_seq: committed.seq,
          });
          position = committed;
        }
      }
    }
    this.#seq = position.seq;
    this.#bookmark = position.bookmark ?? this.#options.startBookmark;
    if (this.#bookmark !== undefined && this.#source.applyStartBookmark) {
      const bookmark = this.#bookmark;
      try {
        await this.#source.applyStartBookmark(bookmark);
      } catch (error) {
        throw FaucetError.wrap(error, "source", {
          connector: sourceName(this.#source),
          message: "could not apply the start bookmark",
        });
      }
    }
    if (this.#bookmark !== undefined && this.#sink.resume) {
      const bookmark = this.#bookmark;
      await this.#writer.call("resume", () => this.#sink.resume?.(bookmark) as Promise<void>);
    }
  }

  /**
   * Reads and commits every page. A retryable source failure restarts reading from the last
   * committed bookmark when that cannot write anything twice. Returns a budget error to raise
   * after committing.
   */
  async #drive(batchSize: number): Promise<FaucetError | undefined> {
    const depth = Math.max(0, this.#options.prefetch ?? 1);
    for (let failures = 0; ; ) {
      const committedBefore = this.#pages;
      try {
        for await (const page of prefetch(this.#readPages(batchSize), depth)) {
          if (this.#abort.signal.aborted) return undefined;
          const deferred = await this.#commitPage(page);
          if (deferred || this.#limitReached) return deferred;
        }
        return undefined;
      } catch (error) {
        if (!(error instanceof FaucetError) || !this.#sourceFailures.has(error)) throw error;
        if (this.#pages > committedBefore) failures = 0;
        failures++;
        const cooldown = this.#breaker?.failure(error);
        if (!this.#mayRestartSource(error, failures)) throw error;
        const delayMs = Math.max(cooldown ?? 0, backoffDelay(this.#retry, failures, error.retryAfterMs));
        this.#logger.warn("source failed; restarting from the last committed bookmark", {
          connector: sourceName(this.#source),
          attempt: failures,
          delay_ms: delayMs,
          error: error.message,
        });
        await sleep(delayMs, this.#abort.signal);
        if (this.#bookmark !== undefined) await this.#source.applyStartBookmark?.(this.#bookmark);
      }
    }
  }

  /** A source may be re-read when nothing would be written twice and the error is worth it. */
  #mayRestartSource(error: FaucetError, failures: number): boolean {
    if (failures >= (this.#retry.maxAttempts ?? 3) || this.#abort.signal.aborted) return false;
    if (!pipelineMayRetry(error, this.#options.retryOn) || this.#sinceBookmark > 0) return false;
    if (this.#recordsWritten === 0 && this.#deadLettered === 0) return true;
    return sourceCapabilities(this.#source).deterministicReplay && this.#source.applyStartBookmark !== undefined;
  }

  async *#readPages(batchSize: number): AsyncGenerator<PreparedPage> {
    const transforms = this.#options.transforms ?? [];
    const ctx: FetchContext = {
      ...(this.#options.params ? { params: this.#options.params } : {}),
      signal: this.#abort.signal,
      logger: this.#logger,
    };
    let index = this.#pages;
    const pages = streamPagesOf(this.#source, ctx, batchSize, this.#abort.signal);
    for (;;) {
      let step: IteratorResult<StreamPage>;
      try {
        step = await pages.next();
      } catch (error) {
        const failure = FaucetError.wrap(error, "source", { connector: sourceName(this.#source) });
        this.#sourceFailures.add(failure);
        throw failure;
      }
      if (step.done) return;
      const page = step.value;
      const { records, rejected } =
        transforms.length === 0
          ? { records: page.records, rejected: [] }
          : await applyTransforms(page.records, transforms, {
              logger: this.#logger,
              pageIndex: index,
              runStartedAt: this.#startedAt,
              pipeline: this.#name,
            });
      yield { index: index++, records, bookmark: page.bookmark, rejected, rawCount: page.records.length };
    }
  }

  /** Writes one page and commits its bookmark. Returns a budget error to raise after committing. */
  async #commitPage(page: PreparedPage): Promise<FaucetError | undefined> {
    let { records, bookmark } = page;
    const limit = this.#options.limit;
    if (limit !== undefined && this.#recordsWritten + records.length >= limit) {
      const keep = limit - this.#recordsWritten;
      if (keep < records.length) {
        records = records.slice(0, keep);
        bookmark = undefined; // the page is cut short, so its bookmark would skip unread rows
      }
      this.#limitReached = true;
    }
    const deadLetter = this.#options.deadLetter;
    const failed: DeadLetterItem[] = page.rejected.map((r) => ({ ...r, reason: "transform_rejected" as const }));
    if (failed.length > 0 && !deadLetter) throw rejectionError(page.rejected);
    if (this.#drift && records.length > 0) await this.#drift.check(records);

    let written = 0;
    if (this.#delivery.mechanism === "atomic_watermark") {
      written = await this.#writeWatermarked(records, bookmark);
    } else if (records.length > 0) {
      written = await this.#writer.write(records, failed);
    }
    this.#recordsWritten += written;
    this.#sinceBookmark += written;
    if (failed.length > 0) await this.#deadLetter(failed);

    if (bookmark !== undefined) {
      await this.#flushAll();
      const store = this.#options.stateStore;
      const state: Value = this.#delivery.mechanism === "atomic_watermark" ? { bookmark, seq: this.#seq } : bookmark;
      if (store) await this.#stateCall(() => store.put(this.#stateKey, state));
      this.#bookmark = bookmark;
      this.#sinceBookmark = 0;
    }
    this.#pages++;
    this.#recordsRead += page.rawCount;
    this.#logger.debug("page committed", {
      pipeline: this.#name,
      page: page.index,
      records: written,
      dead_lettered: failed.length,
      bookmark: bookmark === undefined ? undefined : JSON.stringify(bookmark),
    });
    this.#options.onProgress?.(this.#progress());
    return this.#checkBudgets(failed.length);
  }

  async #writeWatermarked(records: Value[], bookmark: Value | undefined): Promise<number> {
    if (bookmark === undefined && records.length > 0) {
      throw new FaucetError(
        "contract",
        "exactly-once delivery needs a bookmark on every page, but a page came without one",
        {
          connector: sourceName(this.#source),
          hint: "configure incremental replication (replication_key) so the source bookmarks each page",
        },
      );
    }
    if (bookmark === undefined) return 0;
    const seq = this.#seq + 1;
    const token = formatCommitToken(seq, bookmark);
    const sink = this.#sink;
    const written = await this.#writer.call(
      "write",
      () => sink.writeBatchIdempotent?.(records, this.#stateKey, token) as Promise<number>,
      true,
    );
    this.#seq = seq;
    return countOf(written, records.length);
  }

  async #deadLetter(items: DeadLetterItem[]): Promise<void> {
    const target = this.#options.deadLetter?.sink as Sink;
    const now = new Date();
    const envelopes = items.map((item) => deadLetterEnvelope(item, this.#name, now));
    try {
      await withRetry(() => target.writeBatch(envelopes), this.#retry, {
        canRetry: () => sinkCapabilities(target).replaySafeWrites,
        wrap: (e) => FaucetError.wrap(e, "sink", { connector: sinkName(target), message: "dead-letter write failed" }),
      });
    } catch (error) {
      throw FaucetError.wrap(error, "sink", { connector: sinkName(target), message: "dead-letter write failed" });
    }
    this.#deadLettered += items.length;
  }

  #checkBudgets(pageFailures: number): FaucetError | undefined {
    const dl = this.#options.deadLetter;
    if (!dl || pageFailures === 0) return undefined;
    if (dl.maxFailuresPerPage !== undefined && pageFailures > dl.maxFailuresPerPage) {
      return budgetExceeded(`page ${this.#pages}`, pageFailures, dl.maxFailuresPerPage);
    }
    if (dl.maxFailuresTotal !== undefined && this.#deadLettered > dl.maxFailuresTotal) {
      return budgetExceeded("the run", this.#deadLettered, dl.maxFailuresTotal);
    }
    return undefined;
  }

  async #flushAll(): Promise<void> {
    if (this.#sink.flush) await this.#writer.call("flush", () => this.#sink.flush?.() as Promise<void>, true);
    const dlq = this.#options.deadLetter?.sink;
    if (dlq?.flush && this.#deadLettered > 0) {
      await withRetry(() => dlq.flush?.() as Promise<void>, this.#retry, {
        wrap: (e) => FaucetError.wrap(e, "sink", { connector: sinkName(dlq), message: "dead-letter flush failed" }),
      });
    }
  }

  /** Every exit path: flush, settle the overwrite, close. Returns the error the run reports. */
  async #finish(failure: FaucetError | undefined, overwriteBegun: boolean): Promise<FaucetError | undefined> {
    let result = failure;
    try {
      await this.#flushAll();
    } catch (error) {
      if (result) this.#logger.warn("flush after a failed run also failed", { error: String(error) });
      else result = FaucetError.wrap(error, "sink");
    }
    if (overwriteBegun) {
      if (!result && !this.#cancelled) {
        try {
          await this.#writer.call("commit overwrite", () => this.#sink.commitOverwrite?.() as Promise<void>);
        } catch (error) {
          result = FaucetError.wrap(error, "sink");
        }
      } else {
        await this.#sink.abortOverwrite?.().catch((error: unknown) => {
          this.#logger.warn("abort overwrite failed", { error: String(error) });
        });
      }
    }
    await this.#lease?.release().catch((error: unknown) => {
      this.#logger.warn("releasing the state lease failed", { error: String(error) });
    });
    if (this.#options.closeConnectors !== false) await this.#closeAll();
    return result;
  }

  async #closeAll(): Promise<void> {
    const closers: [string, (() => Promise<void>) | undefined][] = [
      [sourceName(this.#source), this.#source.close?.bind(this.#source)],
      [sinkName(this.#sink), this.#sink.close?.bind(this.#sink)],
    ];
    const dlq = this.#options.deadLetter?.sink;
    if (dlq) closers.push([sinkName(dlq), dlq.close?.bind(dlq)]);
    for (const [name, close] of closers) {
      try {
        await close?.();
      } catch (error) {
        this.#logger.warn(`closing ${name} failed`, { error: String(error) });
      }
    }
  }

  async #stateCall<T>(call: () => Promise<T>): Promise<T> {
    return await withRetry(call, this.#retry, {
      wrap: (error) => FaucetError.wrap(error, "state", { message: `state store failed for key ${this.#stateKey}` }),
    });
  }

  #progress(): PipelineProgress {
    return {
      pages: this.#pages,
      recordsRead: this.#recordsRead,
      recordsWritten: this.#recordsWritten,
      deadLettered: this.#deadLettered,
      bookmark: this.#bookmark,
      elapsedMs: performance.now() - this.#started,
    };
  }

  #result(): PipelineResult {
    return {
      name: this.#name,
      recordsRead: this.#recordsRead,
      recordsWritten: this.#recordsWritten,
      pages: this.#pages,
      bookmark: this.#bookmark,
      cancelled: this.#cancelled,
      durationMs: Math.round((performance.now() - this.#started) * 1000) / 1000,
      deadLettered: this.#deadLettered,
      dropped: this.#writer?.dropped ?? 0,
      delivery: this.#delivery,
    };
  }
}

function countOf(written: unknown, fallback: number): number {
  return typeof written === "number" && Number.isFinite(written) ? written : fallback;
}

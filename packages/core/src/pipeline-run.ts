import type { DeadLetterItem } from "./dead-letter.js";
import { DeadLetterWriter } from "./dead-letter.js";
import type { DeliveryReport } from "./delivery.js";
import { formatCommitToken } from "./delivery.js";
import { cancelledError, FaucetError } from "./errors.js";
import type { StateLease } from "./lease.js";
import type { Logger } from "./logger.js";
import { consoleLogger } from "./logger.js";
import { planNative } from "./native.js";
import { PageWriter } from "./page-writer.js";
import type { ParallelChunk } from "./parallel/contract.js";
import type { ParallelPlan } from "./parallel/plan.js";
import { planParallel } from "./parallel/plan.js";
import { WorkerPool } from "./parallel/pool.js";
import { parallelPages, StagedError } from "./parallel/read.js";
import type { Pipeline, PipelineOptions, PipelineProgress, PipelineResult } from "./pipeline.js";
import { prefetch } from "./prefetch.js";
import { CircuitBreaker, pipelineMayRetry } from "./resilience.js";
import type { RetryPolicy } from "./retry.js";
import { backoffDelay, sleep, withRetry } from "./retry.js";
import { SchemaDriftGuard } from "./schema-drift.js";
import type { Sink } from "./sink.js";
import { sinkName } from "./sink.js";
import type { FetchContext, Source, StreamPage } from "./source.js";
import { sourceCapabilities, sourceName } from "./source.js";
import { resolveStart } from "./start.js";
import { MAX_BATCH_SIZE, streamPagesOf } from "./streaming.js";
import type { RejectedRecord } from "./transform.js";
import { applyTransforms, rejectionError } from "./transform.js";
import type { Value } from "./value.js";

interface PreparedPage {
  index: number;
  records: Value[];
  bookmark: Value | undefined;
  rejected: RejectedRecord[];
  rawCount: number;
  /**
   * Parallel or native pages: the page as bytes (`records` is then empty) and its record count;
   * `native` when the bytes are the source's encoding, for `writeNative`.
   */
  serialized?: Uint8Array;
  count?: number;
  native?: boolean;
  /** Called once the page is written: its memory can be filled again. */
  release?: (() => void) | undefined;
}

const NO_RECORDS: Value[] = [];

const DEFAULT_BATCH_SIZE = 1000;

/** The state of one run; a Pipeline may be run more than once. */
export class PipelineRun {
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
  #deadLetters: DeadLetterWriter | undefined;
  #cancelled = false;
  #limitReached = false;
  #drift: SchemaDriftGuard | undefined;
  #writer!: PageWriter;
  #lease: StateLease | undefined;
  #leaseLost: FaucetError | undefined;
  #breaker: CircuitBreaker | undefined;
  #parallel: ParallelPlan | undefined;
  /** Native pass-through: possible for this run (then asked of source and sink once), or not. */
  #nativePlanned = false;
  #native: boolean | undefined;
  #pool: WorkerPool | undefined;
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
      if (this.#leaseLost) {
        failure ??= this.#leaseLost;
        this.#cancelled = false;
      }
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
    const deadLetter = this.#options.deadLetter;
    this.#deadLetters = deadLetter ? new DeadLetterWriter(deadLetter, this.#retry, this.#name) : undefined;
    this.#breaker = this.#options.circuitBreaker ? new CircuitBreaker(this.#options.circuitBreaker) : undefined;
    this.#writer = new PageWriter(this.#sink, {
      retry: this.#retry,
      retryOn: this.#options.retryOn,
      breaker: this.#breaker,
      deadLetter: this.#options.deadLetter,
      poison: this.#options.poison,
      logger: this.#logger,
    });
    const native = planNative(this.#options, this.#source, this.#sink, this.#delivery);
    if (native === true) this.#nativePlanned = true;
    else this.#logger.debug("native pass-through off", { pipeline: this.#name, reason: native });
    const plan = planParallel(this.#options, this.#source, this.#sink, this.#delivery);
    if (typeof plan === "string") this.#logger.debug("parallel pages off", { pipeline: this.#name, reason: plan });
    else this.#parallel = plan;
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

  /** Takes the lease, reads the saved position (and the sink's own) and applies it. */
  async #loadStart(): Promise<void> {
    this.#stateKey = this.#pipeline.stateKey();
    const start = await resolveStart({
      source: this.#source,
      sink: this.#sink,
      stateStore: this.#options.stateStore,
      stateKey: this.#stateKey,
      lease: this.#options.lease ?? true,
      watermark: this.#delivery.mechanism === "atomic_watermark",
      startBookmark: this.#options.startBookmark,
      logger: this.#logger,
      sinkCall: (what, call) => this.#writer.call(what, call),
      stateCall: (call) => this.#stateCall(call),
      onLease: (lease) => {
        this.#lease = lease;
        lease.signal?.addEventListener(
          "abort",
          () => {
            this.#leaseLost = FaucetError.wrap(lease.signal?.reason, "state");
            this.#abort.abort(this.#leaseLost);
          },
          { once: true },
        );
      },
    });
    this.#seq = start.seq;
    this.#bookmark = start.bookmark;
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
        for await (const page of prefetch(this.#pagesOf(batchSize), depth)) {
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
    if (this.#recordsWritten === 0 && (this.#deadLetters?.count ?? 0) === 0) return true;
    return sourceCapabilities(this.#source).deterministicReplay && this.#source.applyStartBookmark !== undefined;
  }

  /** The run's pages: native when source and sink agree, else parallel, else read and transformed here. */
  async *#pagesOf(batchSize: number): AsyncGenerator<PreparedPage> {
    if (await this.#nativeAgreed()) yield* this.#readNative(batchSize);
    else yield* this.#parallelPages(batchSize) ?? this.#readPages(batchSize);
  }

  #fetchContext(): FetchContext {
    return {
      ...(this.#options.params ? { params: this.#options.params } : {}),
      signal: this.#abort.signal,
      logger: this.#logger,
    };
  }

  /** A source call; its failure is marked as the source's, so the run may restart reading. */
  async #fromSource<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const failure = FaucetError.wrap(error, "source", { connector: sourceName(this.#source) });
      this.#sourceFailures.add(failure);
      throw failure;
    }
  }

  /**
   * Asks the source for its native encoding and the sink whether it takes it, once per run
   * (docs/concepts.md, "Native pass-through").
   */
  async #nativeAgreed(): Promise<boolean> {
    if (!this.#nativePlanned) return false;
    if (this.#native !== undefined) return this.#native;
    const source = this.#source;
    const sink = this.#sink;
    const format = await this.#fromSource(async () => await source.nativeFormat?.(this.#fetchContext()));
    const answer =
      format === undefined
        ? "the source's config has no native encoding"
        : await this.#writer.call("accept native", async () => (await sink.acceptNative?.(format)) ?? "no answer");
    this.#native = answer === true;
    this.#logger.debug(this.#native ? "native pass-through on" : "native pass-through off", {
      pipeline: this.#name,
      ...(format ? { encoding: format.encoding } : {}),
      ...(answer === true ? {} : { reason: answer }),
    });
    return this.#native;
  }

  async *#readNative(batchSize: number): AsyncGenerator<PreparedPage> {
    let index = this.#pages;
    const read = this.#source.nativePages as NonNullable<Source["nativePages"]>; // planNative checked it
    const pages = read.call(this.#source, this.#fetchContext(), batchSize, this.#abort.signal)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const step = await this.#fromSource(() => pages.next());
        if (step.done) return;
        const { bytes, count, bookmark } = step.value;
        yield {
          index: index++,
          records: NO_RECORDS,
          bookmark,
          rejected: [],
          rawCount: count,
          serialized: bytes,
          count,
          native: true,
        };
      }
    } finally {
      await pages.return?.(undefined);
    }
  }

  async *#readPages(batchSize: number): AsyncGenerator<PreparedPage> {
    const transforms = this.#options.transforms ?? [];
    let index = this.#pages;
    const pages = streamPagesOf(this.#source, this.#fetchContext(), batchSize, this.#abort.signal);
    try {
      for (;;) {
        const step: IteratorResult<StreamPage> = await this.#fromSource(() => pages.next());
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
    } finally {
      // Stopping early (failure, cancel, limit) lets the source release its cursor or handle now.
      await pages.return(undefined);
    }
  }

  /**
   * Parallel pages (docs/concepts.md): the source's chunks decoded, transformed and serialized
   * on worker threads, yielded in source order; undefined when the run or the source cannot.
   */
  #parallelPages(batchSize: number): AsyncGenerator<PreparedPage> | undefined {
    const plan = this.#parallel;
    if (!plan || !this.#source.parallelChunks) return undefined;
    let chunks: AsyncIterable<ParallelChunk> | undefined;
    try {
      chunks = this.#source.parallelChunks(this.#fetchContext(), batchSize, this.#abort.signal);
    } catch (error) {
      // Inside #drive's try: a source failure like any other (restarted when that is safe).
      throw this.#stagedFailure(new StagedError(error, "read"));
    }
    if (!chunks) {
      this.#logger.debug("parallel pages off", { pipeline: this.#name, reason: "the source declined (its config)" });
      return undefined;
    }
    return this.#readParallel(plan, chunks);
  }

  async *#readParallel(plan: ParallelPlan, chunks: AsyncIterable<ParallelChunk>): AsyncGenerator<PreparedPage> {
    this.#logger.debug("parallel pages on", { pipeline: this.#name, workers: plan.workers });
    // Started before the first read, so thread start-up overlaps it.
    const pool = new WorkerPool({
      size: plan.workers,
      logger: this.#logger,
      local: { transforms: this.#options.transforms ?? [] },
      setup: {
        serializer: plan.serializer,
        transforms: plan.transforms,
        pipeline: this.#name,
        runStartedAt: this.#startedAt.getTime(),
        baseDir: process.cwd(),
      },
    });
    this.#pool = pool;
    try {
      const pages = parallelPages(chunks, pool, {
        // Two per worker (one decoding, one queued) and one being written: a worker that finishes
        // a chunk never waits for the main thread to hand it the next (3 in flight left workers
        // idle, 5 took ~10% off the wall time at the same peak RSS, with chunks half as large).
        inFlight: 2 * plan.workers + 1,
        firstPage: this.#pages,
        signal: this.#abort.signal,
      });
      for await (const page of pages) {
        yield {
          index: page.index,
          records: NO_RECORDS,
          bookmark: page.bookmark,
          rejected: [],
          rawCount: page.raw,
          serialized: page.bytes,
          count: page.count,
          release: page.release,
        };
      }
    } catch (error) {
      if (error instanceof StagedError) throw this.#stagedFailure(error);
      throw error;
    } finally {
      await pool.terminate();
    }
  }

  /** A parallel-path failure, reported as the single-threaded path reports the same stage. */
  #stagedFailure(staged: StagedError): FaucetError {
    const error = staged.error;
    switch (staged.stage) {
      case "read":
      case "source": {
        if (this.#abort.signal.aborted && !(error instanceof FaucetError)) return cancelledError();
        const failure = FaucetError.wrap(error, "source", { connector: sourceName(this.#source) });
        this.#sourceFailures.add(failure);
        return failure;
      }
      case "transform":
        return FaucetError.wrap(error, "transform");
      case "sink":
        return FaucetError.wrap(error, "sink", { connector: sinkName(this.#sink), message: "write failed" });
      default:
        if (this.#abort.signal.aborted && FaucetError.is(error, "cancelled")) return error;
        return FaucetError.wrap(error, "custom");
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
    const watermark = this.#delivery.mechanism === "atomic_watermark";
    const bytes = page.serialized;
    if (bytes && page.native && watermark) {
      const count = page.count ?? 0;
      written = await this.#writeWatermarked(count, bookmark, (scope, token) =>
        this.#sink.writeNativeIdempotent?.(bytes, count, scope, token),
      );
    } else if (bytes) {
      // Parallel or native pages: no limit, drift or dead letters (planParallel, planNative).
      if (page.count) written = await this.#writer.writeBytes(bytes, page.count, page.native === true);
      page.release?.();
    } else if (watermark) {
      written = await this.#writeWatermarked(records.length, bookmark, (scope, token) =>
        this.#sink.writeBatchIdempotent?.(records, scope, token),
      );
    } else if (records.length > 0) {
      written = await this.#writer.write(records, failed);
    }
    this.#recordsWritten += written;
    this.#sinceBookmark += written;
    if (failed.length > 0) await this.#deadLetters?.write(failed);

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
    return this.#deadLetters?.budgetError(failed.length, this.#pages);
  }

  /** Writes a page of `count` records with its commit token (`write(scope, token)`), in one atomic step. */
  async #writeWatermarked(
    count: number,
    bookmark: Value | undefined,
    write: (scope: string, token: string) => Promise<number> | undefined,
  ): Promise<number> {
    if (bookmark === undefined && count > 0) {
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
    const written = await this.#writer.call("write", () => write(this.#stateKey, token) as Promise<number>, true);
    this.#seq = seq;
    return countOf(written, count);
  }

  async #flushAll(): Promise<void> {
    if (this.#sink.flush) await this.#writer.call("flush", () => this.#sink.flush?.() as Promise<void>, true);
    await this.#deadLetters?.flush();
  }

  /** Every exit path: flush, settle the overwrite, close. Returns the error the run reports. */
  async #finish(failure: FaucetError | undefined, overwriteBegun: boolean): Promise<FaucetError | undefined> {
    let result = failure;
    // Every exit path ends the workers (reading ends them too; this covers a stuck read).
    await this.#pool?.terminate();
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
      deadLettered: this.#deadLetters?.count ?? 0,
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
      deadLettered: this.#deadLetters?.count ?? 0,
      dropped: this.#writer?.dropped ?? 0,
      delivery: this.#delivery,
    };
  }
}

function countOf(written: unknown, fallback: number): number {
  return typeof written === "number" && Number.isFinite(written) ? written : fallback;
}

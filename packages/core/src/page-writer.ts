import type { DeadLetterItem, DeadLetterOptions } from "./dead-letter.js";
import { FaucetError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { CircuitBreaker, PoisonOptions, RetryCategory } from "./resilience.js";
import { pipelineMayRetry } from "./resilience.js";
import type { RetryPolicy } from "./retry.js";
import { withRetry } from "./retry.js";
import type { PartialWriteResult, Sink } from "./sink.js";
import { sinkCapabilities, sinkName } from "./sink.js";
import type { Value } from "./value.js";

/** How the pipeline calls its sink: retries, circuit breaker, dead letters and poison rows. */
export interface PageWriterOptions {
  retry: RetryPolicy;
  retryOn?: readonly RetryCategory[] | undefined;
  breaker?: CircuitBreaker | undefined;
  deadLetter?: DeadLetterOptions | undefined;
  poison?: PoisonOptions | undefined;
  logger: Logger;
}

/**
 * Writes pages to a sink on behalf of the pipeline. A plain write is retried only when the sink
 * is replay-safe; rows the sink refuses are collected for the dead-letter path; with a poison
 * policy, a page that keeps failing is split until the rows at fault are isolated.
 */
export class PageWriter {
  readonly sink: Sink;
  readonly #options: PageWriterOptions;
  readonly #name: string;
  readonly #replaySafe: boolean;
  /** Rows dropped by a `poison.action: drop` policy. */
  dropped = 0;

  constructor(sink: Sink, options: PageWriterOptions) {
    this.sink = sink;
    this.#options = options;
    this.#name = sinkName(sink);
    const caps = sinkCapabilities(sink);
    this.#replaySafe = caps.replaySafeWrites;
    const poison = options.poison;
    if (poison?.action === "dlq" && !options.deadLetter) {
      throw new FaucetError("config", "resilience.poison.action: dlq needs a dead-letter sink (pipeline.dlq)", {
        hint: "configure pipeline.dlq, or use poison.action: drop or fail",
      });
    }
    if (poison && !sink.writeBatchPartial && !caps.replaySafeWrites && !caps.atomicBatches) {
      throw new FaucetError(
        "config",
        `resilience.poison needs a sink that reports per-row outcomes, writes replay-safely or writes each page atomically, and ${this.#name} does none of these`,
        { hint: "remove resilience.poison, or use an upsert write mode" },
      );
    }
  }

  /** Calls the sink with retries (only when `replaySafe`) and maps failures to `sink` errors. */
  async call<T>(what: string, operation: () => Promise<T>, replaySafe = false): Promise<T> {
    const connector = this.#name;
    return await withRetry(operation, this.#options.retry, {
      breaker: this.#options.breaker,
      canRetry: (error) => replaySafe && pipelineMayRetry(error, this.#options.retryOn),
      onRetry: (e) =>
        this.#options.logger.warn(`${what} failed; retrying`, {
          connector,
          attempt: e.attempt,
          delay_ms: e.delayMs,
          error: e.error.message,
        }),
      wrap: (error) => FaucetError.wrap(error, "sink", { connector, message: `${what} failed` }),
    });
  }

  /**
   * A page as bytes: serialized on a worker thread (`writeSerialized`) or in the source's native
   * encoding (`writeNative`). Resolves to rows written.
   */
  async writeBytes(bytes: Uint8Array, count: number, native: boolean): Promise<number> {
    const sink = this.sink;
    const write = native ? sink.writeNative : sink.writeSerialized;
    const written = await this.call(
      "write",
      () => write?.call(sink, bytes, count) as Promise<number>,
      this.#replaySafe,
    );
    return countOf(written, count);
  }

  /** A plain or partial write; refused rows are appended to `failed`. Resolves to rows written. */
  async write(records: Value[], failed: DeadLetterItem[]): Promise<number> {
    const { deadLetter, poison } = this.#options;
    if ((deadLetter || poison) && this.sink.writeBatchPartial) return await this.#writePartial(records, failed);
    try {
      return countOf(await this.call("write", () => this.sink.writeBatch(records), this.#replaySafe), records.length);
    } catch (error) {
      if (!FaucetError.is(error) || error.kind === "cancelled" || error.kind === "circuit_open") throw error;
      if (poison) return await this.#isolate(records, 0, failed, error);
      if (deadLetter?.onBatchError !== "dlq_all") throw error;
      for (let index = 0; index < records.length; index++) {
        failed.push({ record: records[index] as Value, reason: "batch_failed", error, index });
      }
      return 0;
    }
  }

  async #writePartial(records: Value[], failed: DeadLetterItem[]): Promise<number> {
    const writePartial = (rows: readonly Value[]) =>
      this.call("write", () => this.sink.writeBatchPartial?.(rows) as Promise<PartialWriteResult>, this.#replaySafe);
    const outcome = await writePartial(records);
    let written = countOf(outcome.written, records.length - (outcome.failures?.length ?? 0));
    for (const failure of outcome.failures ?? []) {
      const record = records[failure.index] as Value;
      if (!this.#options.poison) {
        failed.push({ record, reason: "sink_rejected", error: failure.error, index: failure.index });
        continue;
      }
      // Poison policy: give the row its remaining attempts alone before acting on it.
      let error = failure.error;
      let landed = false;
      for (let attempt = 2; attempt <= this.#options.poison.maxRowAttempts && !landed; attempt++) {
        const retry = await writePartial([record]);
        landed = (retry.failures ?? []).length === 0;
        error = retry.failures?.[0]?.error ?? error;
      }
      if (landed) written++;
      else this.#poisoned(record, failure.index, error, failed);
    }
    return written;
  }

  /** Splits a failing page in halves until the failing rows are alone, then applies the policy. */
  async #isolate(records: Value[], offset: number, failed: DeadLetterItem[], error: FaucetError): Promise<number> {
    if (records.length === 1) {
      const record = records[0] as Value;
      let last = error;
      for (let attempt = 2; attempt <= (this.#options.poison?.maxRowAttempts ?? 1); attempt++) {
        try {
          return countOf(await this.call("write", () => this.sink.writeBatch(records)), 1);
        } catch (retryError) {
          if (!FaucetError.is(retryError) || retryError.kind === "circuit_open") throw retryError;
          last = retryError;
        }
      }
      this.#poisoned(record, offset, last, failed);
      return 0;
    }
    const middle = records.length >>> 1;
    let written = 0;
    for (const [part, start] of [
      [records.slice(0, middle), offset],
      [records.slice(middle), offset + middle],
    ] as const) {
      try {
        written += countOf(await this.call("write", () => this.sink.writeBatch(part)), part.length);
      } catch (partError) {
        if (!FaucetError.is(partError) || partError.kind === "circuit_open" || partError.kind === "cancelled") {
          throw partError;
        }
        written += await this.#isolate(part, start, failed, partError);
      }
    }
    return written;
  }

  #poisoned(record: Value, index: number, error: FaucetError, failed: DeadLetterItem[]): void {
    const poison = this.#options.poison as PoisonOptions;
    if (poison.action === "fail") {
      throw new FaucetError("sink", `row ${index} of the page failed ${poison.maxRowAttempts} times: ${error.detail}`, {
        cause: error,
        connector: this.#name,
        hint: "fix the row, or set resilience.poison.action to dlq or drop",
      });
    }
    if (poison.action === "dlq") {
      failed.push({ record, reason: "poison", error, index });
      return;
    }
    this.dropped++;
    this.#options.logger.warn("poison row dropped", { connector: this.#name, index, error: error.message });
  }
}

function countOf(written: unknown, fallback: number): number {
  return typeof written === "number" && Number.isFinite(written) ? written : fallback;
}

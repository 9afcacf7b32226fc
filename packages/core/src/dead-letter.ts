import type { ErrorKind } from "./errors.js";
import { FaucetError } from "./errors.js";
import { redactSecrets } from "./redact.js";
import type { RetryPolicy } from "./retry.js";
import { withRetry } from "./retry.js";
import type { Sink } from "./sink.js";
import { sinkCapabilities, sinkName } from "./sink.js";
import type { Value } from "./value.js";

/** Why a record went to the dead-letter sink. */
export type DeadLetterReason = "transform_rejected" | "sink_rejected" | "batch_failed" | "poison";

/** Where rejected records go, and how many the run tolerates. */
export interface DeadLetterOptions {
  sink: Sink;
  /** When the sink fails a whole page: `propagate` (default) fails the run, `dlq_all` dead-letters the page. */
  onBatchError?: "propagate" | "dlq_all";
  /** More failures than this in one page aborts the run (after the good rows are committed). */
  maxFailuresPerPage?: number;
  /** More failures than this in the run aborts it (after the good rows are committed). */
  maxFailuresTotal?: number;
}

/** One dead-letter row as written to the dead-letter sink. */
export interface DeadLetterEnvelope {
  [key: string]: Value;
  error: { kind: ErrorKind; message: string };
  reason: DeadLetterReason;
  payload: Value;
  ts: string;
  pipeline: string;
  record_index: number | null;
}

/** One failed record before it is wrapped. */
export interface DeadLetterItem {
  record: Value;
  reason: DeadLetterReason;
  error: FaucetError;
  index: number | null;
}

/**
 * Wraps a failed record in the dead-letter envelope, with secrets redacted from the message and
 * the payload.
 *
 * @example
 * deadLetterEnvelope({ record, reason: "sink_rejected", error, index: 3 }, "orders");
 */
export function deadLetterEnvelope(item: DeadLetterItem, pipeline: string, now = new Date()): DeadLetterEnvelope {
  return {
    error: { kind: item.error.kind, message: redactSecrets(item.error.message) },
    reason: item.reason,
    payload: redactPayload(item.record),
    ts: now.toISOString(),
    pipeline,
    record_index: item.index,
  };
}

function redactPayload(record: Value): Value {
  const text = JSON.stringify(record);
  const redacted = redactSecrets(text);
  return redacted === text ? record : (JSON.parse(redacted) as Value);
}

/** The error a run fails with when dead-letter budgets are exceeded. */
export function budgetExceeded(what: string, failures: number, limit: number): FaucetError {
  return new FaucetError("quality", `${what}: ${failures} records failed, more than the allowed ${limit}`, {
    hint: "inspect the dead-letter file with `faucet dlq inspect`, fix the input, or raise the dlq budget",
  });
}

/** Writes dead-letter envelopes for one run and keeps its failure budgets. */
export class DeadLetterWriter {
  readonly options: DeadLetterOptions;
  readonly #retry: RetryPolicy;
  readonly #pipeline: string;
  /** Records dead-lettered so far in the run. */
  count = 0;

  constructor(options: DeadLetterOptions, retry: RetryPolicy, pipeline: string) {
    this.options = options;
    this.#retry = retry;
    this.#pipeline = pipeline;
  }

  async write(items: readonly DeadLetterItem[]): Promise<void> {
    const target = this.options.sink;
    const now = new Date();
    const envelopes = items.map((item) => deadLetterEnvelope(item, this.#pipeline, now));
    const wrap = (e: unknown) =>
      FaucetError.wrap(e, "sink", { connector: sinkName(target), message: "dead-letter write failed" });
    try {
      await withRetry(() => target.writeBatch(envelopes), this.#retry, {
        canRetry: () => sinkCapabilities(target).replaySafeWrites,
        wrap,
      });
    } catch (error) {
      throw wrap(error);
    }
    this.count += items.length;
  }

  async flush(): Promise<void> {
    const target = this.options.sink;
    if (!target.flush || this.count === 0) return;
    await withRetry(() => target.flush?.() as Promise<void>, this.#retry, {
      wrap: (e) => FaucetError.wrap(e, "sink", { connector: sinkName(target), message: "dead-letter flush failed" }),
    });
  }

  /** The error to raise once page `page` (with `pageFailures` failures) is committed, if any. */
  budgetError(pageFailures: number, page: number): FaucetError | undefined {
    const { maxFailuresPerPage, maxFailuresTotal } = this.options;
    if (pageFailures === 0) return undefined;
    if (maxFailuresPerPage !== undefined && pageFailures > maxFailuresPerPage) {
      return budgetExceeded(`page ${page}`, pageFailures, maxFailuresPerPage);
    }
    if (maxFailuresTotal !== undefined && this.count > maxFailuresTotal) {
      return budgetExceeded("the run", this.count, maxFailuresTotal);
    }
    return undefined;
  }
}

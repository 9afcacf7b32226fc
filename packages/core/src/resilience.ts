import { FaucetError } from "./errors.js";

/** Failure classes a `retryOn` list can name. */
export type RetryCategory = "http_5xx" | "rate_limited" | "connection" | "timeout";

/** The categories accepted in `resilience.retry_on`. */
export const RETRY_CATEGORIES: readonly RetryCategory[] = ["http_5xx", "rate_limited", "connection", "timeout"];

/**
 * The retry category of an error, or undefined when it belongs to none (such an error is only
 * retried when no `retryOn` list narrows retries).
 *
 * @example
 * retryCategory(new FaucetError("http_status", "bad gateway", { status: 502 })); // "http_5xx"
 */
export function retryCategory(error: FaucetError): RetryCategory | undefined {
  switch (error.kind) {
    case "connection":
    case "timeout":
    case "rate_limited":
      return error.kind;
    case "http_status":
      return error.status !== undefined && error.status >= 500 ? "http_5xx" : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether the pipeline may retry `error` itself. Only retryable errors qualify; a `retryOn` list
 * narrows them to its categories; and an error a connector already retried (its `attempts` is
 * above 1) is not retried again, so connector-level and pipeline-level retries never multiply:
 * one failing request is attempted at most as often as the larger of the two settings allows.
 *
 * @example
 * pipelineMayRetry(error, ["connection", "timeout"]);
 */
export function pipelineMayRetry(error: FaucetError, retryOn?: readonly RetryCategory[]): boolean {
  if (!error.retryable || (error.attempts ?? 1) > 1) return false;
  if (!retryOn) return true;
  const category = retryCategory(error);
  return category !== undefined && retryOn.includes(category);
}

/** When the circuit breaker opens and how long it waits before one probe. */
export interface CircuitBreakerOptions {
  /** Consecutive failed attempts (source or sink) that open the circuit. */
  consecutiveFailures: number;
  /** How long an open circuit waits before letting one probe through. */
  cooldownMs: number;
}

/**
 * A circuit breaker shared by every call a run makes to its source and sink. After
 * `consecutiveFailures` failed attempts in a row it opens: the next attempt waits `cooldownMs`
 * and goes through alone (half-open). A success closes it; a failed probe fails the run with a
 * `circuit_open` error instead of hammering a target that is down.
 *
 * @example
 * const breaker = new CircuitBreaker({ consecutiveFailures: 5, cooldownMs: 30_000 });
 */
export class CircuitBreaker {
  readonly options: CircuitBreakerOptions;
  #failures = 0;
  #probing = false;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.consecutiveFailures) || options.consecutiveFailures < 1) {
      throw new FaucetError("config", "circuit_breaker.consecutive_failures must be a positive integer");
    }
    this.options = options;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** True once the failure threshold is reached. */
  get open(): boolean {
    return this.#failures >= this.options.consecutiveFailures;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
  }

  /**
   * Records a failed attempt. Returns the delay before the next attempt when the circuit just
   * opened (the cooldown), undefined while it is closed, and throws `circuit_open` when a
   * half-open probe failed.
   */
  failure(error: FaucetError): number | undefined {
    this.#failures++;
    if (!this.open) return undefined;
    if (this.#probing) {
      throw new FaucetError(
        "circuit_open",
        `circuit open: ${this.#failures} consecutive failures, and the probe after a ${Math.round(this.options.cooldownMs / 1000)} s cooldown failed too (last: ${error.detail})`,
        {
          cause: error,
          retryable: false,
          hint: "the target looks down; check it and run again (the bookmark is kept)",
        },
      );
    }
    this.#probing = true;
    return this.options.cooldownMs;
  }
}

/** What to do with a row that keeps failing. */
export interface PoisonOptions {
  /** How many times one row is written before it counts as poison. */
  maxRowAttempts: number;
  /** `dlq`: dead-letter it (needs a dead-letter sink); `drop`: skip it with a warning; `fail`: fail the run. */
  action: "dlq" | "drop" | "fail";
}

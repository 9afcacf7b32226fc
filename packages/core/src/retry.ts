import { cancelledError, FaucetError } from "./errors.js";
import type { CircuitBreaker } from "./resilience.js";

/** How failed operations are retried. Only `retryable` FaucetErrors are ever retried. */
export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. Default 3. */
  maxAttempts?: number;
  /** Default `exponential`. */
  backoff?: "none" | "fixed" | "exponential";
  /** First delay in milliseconds. Default 200. */
  baseMs?: number;
  /** Cap on any single delay. Default 30,000. */
  maxMs?: number;
  /** Full jitter: each delay is random in [0, computed]. Default true. */
  jitter?: boolean;
}

/** The policy used when none is given. */
export const DEFAULT_RETRY: Required<RetryPolicy> = {
  maxAttempts: 3,
  backoff: "exponential",
  baseMs: 200,
  maxMs: 30_000,
  jitter: true,
};

/** What {@link withRetry} reports before each retry. */
export interface RetryEvent {
  attempt: number;
  delayMs: number;
  error: FaucetError;
}

/**
 * The delay before retry number `attempt` (1-based), capped and jittered. A server's
 * `Retry-After` (carried as `retryAfterMs`) wins when it is longer.
 *
 * @example
 * backoffDelay({ baseMs: 100 }, 3); // up to 400 ms
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const p = { ...DEFAULT_RETRY, ...policy };
  let delay: number;
  switch (p.backoff) {
    case "none":
      delay = 0;
      break;
    case "fixed":
      delay = p.baseMs;
      break;
    default:
      delay = p.baseMs * 2 ** Math.max(0, attempt - 1);
  }
  delay = Math.min(delay, p.maxMs);
  if (p.jitter) delay = Math.random() * delay;
  if (retryAfterMs !== undefined && retryAfterMs > delay) delay = retryAfterMs;
  return Math.round(delay);
}

/** Options of {@link withRetry}. */
export interface RetryOptions {
  signal?: AbortSignal | undefined;
  /** Vetoes a retry, e.g. for a sink whose writes are not replay-safe. */
  canRetry?: (error: FaucetError) => boolean;
  onRetry?: (event: RetryEvent) => void;
  /** Turns a non-FaucetError into one, so its kind decides retrying. */
  wrap?: (error: unknown) => FaucetError;
  /** Shared breaker: counts failed attempts and stops a run that keeps failing. */
  breaker?: CircuitBreaker | undefined;
}

/**
 * Runs `operation`, retrying retryable FaucetErrors with capped, jittered backoff. Anything
 * else (and the last failure) is rethrown as a FaucetError.
 *
 * @example
 * const rows = await withRetry(() => sink.writeBatch(page), { maxAttempts: 5 });
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = Math.max(1, policy.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await operation(attempt);
      options.breaker?.success();
      return result;
    } catch (thrown) {
      const error =
        thrown instanceof FaucetError ? thrown : options.wrap ? options.wrap(thrown) : FaucetError.custom(thrown);
      if (error.kind === "cancelled" || error.kind === "circuit_open") throw error;
      const cooldown = options.breaker?.failure(error);
      const allowed = error.retryable && attempt < maxAttempts && (options.canRetry?.(error) ?? true);
      if (!allowed || options.signal?.aborted) throw error;
      const delayMs = Math.max(cooldown ?? 0, backoffDelay(policy, attempt, error.retryAfterMs));
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/**
 * Resolves after `ms`, or rejects with a `cancelled` FaucetError when `signal` aborts first.
 *
 * @example
 * await sleep(250, controller.signal);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

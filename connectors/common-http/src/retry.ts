import { backoffDelay, type RetryPolicy } from "faucet-core";

/** How an HTTP client retries. Every field has a default. */
export interface HttpRetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled per retry. Default 1,000. */
  backoffMs?: number;
  /** Cap on one computed backoff delay. Default 30,000. */
  maxBackoffMs?: number;
  /**
   * The longest `Retry-After` honoured. A server that asks for more fails the request at once
   * with a `rate_limited` error saying how long it wanted. Default 300,000 (5 minutes).
   */
  maxRetryAfterMs?: number;
  /** Full jitter on computed delays. Default true. */
  jitter?: boolean;
}

/** The defaults of {@link HttpRetryOptions}. */
export const DEFAULT_HTTP_RETRY: Required<HttpRetryOptions> = {
  maxRetries: 3,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 300_000,
  jitter: true,
};

/**
 * The delay before retry number `attempt` (1-based): capped, jittered exponential backoff,
 * or the server's `Retry-After` when that is longer.
 *
 * @example
 * retryDelayMs({ backoffMs: 100 }, 2); // random in [0, 200]
 * retryDelayMs({ backoffMs: 100 }, 1, 5000); // 5000
 */
export function retryDelayMs(options: HttpRetryOptions, attempt: number, retryAfterMs?: number): number {
  const o = { ...DEFAULT_HTTP_RETRY, ...options };
  const policy: RetryPolicy = {
    backoff: "exponential",
    baseMs: o.backoffMs,
    maxMs: o.maxBackoffMs,
    jitter: o.jitter,
  };
  return backoffDelay(policy, attempt, retryAfterMs);
}

/**
 * Parses a `Retry-After` header, delay-seconds or an HTTP date (RFC 9110 §10.2.3), into
 * milliseconds from `now`. Unparseable values give `undefined`; dates in the past give 0.
 *
 * @example
 * parseRetryAfter("2"); // 2000
 * parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date.parse("Wed, 21 Oct 2015 07:27:58 GMT")); // 2000
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

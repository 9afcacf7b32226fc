import {
  DEFAULT_HTTP_RETRY,
  errorCode,
  gaveUp,
  HttpClient,
  httpClientOptions,
  parseHttpConfig,
  retryDelayMs,
  tooLongToWait,
} from "faucet-common-http";
import {
  appendOnlyCapabilities,
  type CheckReport,
  consoleLogger,
  FaucetError,
  type FetchContext,
  type JsonSchema,
  type Logger,
  type PartialWriteResult,
  probe,
  type RowFailure,
  type Sink,
  type SinkCapabilities,
  schemaFor,
  sleep,
  type Value,
} from "faucet-core";
import { HttpSinkConfig, type HttpSinkConfigInput, hasPlaceholders } from "./config.js";
import { type Delivery, planDeliveries } from "./requests.js";

const CONNECTOR = "sink-http";

/** Options of {@link HttpSink} besides its config. */
export interface HttpSinkOptions {
  logger?: Logger;
  /** Where relative TLS file paths resolve from (the config file's folder in the CLI). */
  baseDir?: string;
}

/** Statuses that say the server did not process the request, so sending it again cannot duplicate. */
const NOT_PROCESSED_STATUSES = new Set([408, 429, 503]);
/** Socket errors raised before a request could reach the server. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "EAI_AGAIN", "ENOTFOUND"]);
/** 4xx statuses that are about the endpoint or the credentials, not about the record sent. */
const DESTINATION_STATUSES = new Set([401, 403, 407, 408, 429]);

/** How one page's requests ended. */
interface PageOutcome {
  written: number;
  failures: RowFailure[];
  /** A failure of the endpoint itself (unreachable, credentials, overload after retries). */
  fatal: FaucetError | undefined;
}

/**
 * Writes records to an HTTP endpoint. This file is the one place the sink performs I/O: one
 * keep-alive client made in the constructor carries every request (auth, rate limit, timeouts);
 * `requests.ts` turns a page into requests, which run `concurrency` at a time. A request is
 * retried only when sending it again cannot duplicate a row — the server said it did not process
 * it (429, 503, 408) or it never left (connection refused) — unless the endpoint is declared
 * idempotent (`idempotent`, or an `idempotency_key` the server deduplicates on), which is also
 * what makes the sink's writes replay-safe.
 *
 * A row the server refuses (any other 4xx) is a row failure: `writeBatchPartial` reports it so
 * the pipeline can dead-letter it, and `writeBatch` fails. A failure of the endpoint itself
 * (unreachable, credentials refused, still overloaded after the retries) fails the page in both,
 * saying how many of its rows were delivered, so an outage never empties a run into the
 * dead-letter sink.
 *
 * @example
 * const sink = new HttpSink({ url: "https://api.example.com/events", batch_mode: "array", batch_size: 500 });
 * await sink.writeBatch([{ id: 1 }, { id: 2 }]);
 * await sink.close();
 */
export class HttpSink implements Sink {
  readonly config: HttpSinkConfig;
  readonly #client: HttpClient;
  readonly #logger: Logger;
  readonly #replaySafe: boolean;
  readonly #closing = new AbortController();
  #retries = 0;

  constructor(config: HttpSinkConfigInput | HttpSinkConfig, options: HttpSinkOptions = {}) {
    this.config = parseHttpConfig(HttpSinkConfig, config, CONNECTOR);
    this.#logger = options.logger ?? consoleLogger;
    this.#replaySafe = this.config.idempotent || this.config.idempotency_key !== undefined;
    const base = new URL(templateFreeUrl(this.config.url));
    this.#client = new HttpClient(
      httpClientOptions(this.config, {
        connector: CONNECTOR,
        baseUrl: base.origin,
        headers: { "content-type": "application/json", ...this.config.headers },
        concurrency: this.config.concurrency,
        logger: this.#logger,
        baseDir: options.baseDir,
      }),
    );
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(HttpSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return { ...appendOnlyCapabilities(), replaySafeWrites: this.#replaySafe };
  }

  /** Requests sent (attempts included) and retries made so far. */
  get stats(): { requests: number; retries: number } {
    return { requests: this.#client.stats.requests, retries: this.#retries };
  }

  /** Sends every row of the page; the first refused row or endpoint failure fails it. */
  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.length === 0) return 0;
    const outcome = await this.#deliver(records, true);
    const first = outcome.fatal ?? outcome.failures[0]?.error;
    if (first) throw pageError(first, outcome.written, records.length);
    return outcome.written;
  }

  /**
   * Sends every row of the page and reports the rows the server refused (4xx other than
   * 401/403/407/408/429, or a row without its key field) instead of failing, so the pipeline
   * can dead-letter them. A failure of the endpoint itself still fails the page.
   */
  async writeBatchPartial(records: readonly Value[]): Promise<PartialWriteResult> {
    if (records.length === 0) return { written: 0, failures: [] };
    const outcome = await this.#deliver(records, false);
    if (outcome.fatal) throw pageError(outcome.fatal, outcome.written, records.length);
    outcome.failures.sort((a, b) => a.index - b.index);
    return { written: outcome.written, failures: outcome.failures };
  }

  /** Runs a page's requests `concurrency` at a time; stops starting new ones after a fatal failure. */
  async #deliver(records: readonly Value[], stopOnRowFailure: boolean): Promise<PageOutcome> {
    const plan = planDeliveries(this.config, records);
    const outcome: PageOutcome = {
      written: 0,
      failures: plan.unsendable.map((u) => ({ index: u.index, error: u.error })),
      fatal: undefined,
    };
    if (stopOnRowFailure && outcome.failures.length > 0) return outcome;
    const queue = plan.deliveries;
    let next = 0;
    const stop = () => outcome.fatal !== undefined || (stopOnRowFailure && outcome.failures.length > 0);
    const worker = async () => {
      while (next < queue.length && !stop()) {
        const delivery = queue[next++] as Delivery;
        try {
          await this.#send(delivery);
          outcome.written += delivery.count;
        } catch (thrown) {
          const error = FaucetError.wrap(thrown, "sink", { connector: CONNECTOR });
          if (isRowRejection(error)) {
            for (let index = delivery.first; index < delivery.first + delivery.count; index++) {
              outcome.failures.push({ index, error });
            }
          } else {
            outcome.fatal ??= error;
          }
        }
      }
    };
    const workers = Math.min(this.config.concurrency, queue.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return outcome;
  }

  /** One request, retried only when sending it again cannot duplicate it (or the endpoint is idempotent). */
  async #send(delivery: Delivery): Promise<void> {
    const policy = { backoffMs: this.config.retry_backoff * 1000 };
    const signal = this.#closing.signal;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.request({
          url: delivery.url,
          method: this.config.method,
          body: delivery.body,
          ...(delivery.headers ? { headers: delivery.headers } : {}),
          retry: false,
          signal,
        });
        return;
      } catch (thrown) {
        const error = FaucetError.wrap(thrown, "sink", { connector: CONNECTOR });
        const safe = this.#replaySafe || notProcessed(error);
        if (!error.retryable || !safe || attempt > this.config.max_retries || signal.aborted) {
          throw attempt > 1 ? gaveUp(error, attempt) : error;
        }
        if (error.retryAfterMs !== undefined && error.retryAfterMs > DEFAULT_HTTP_RETRY.maxRetryAfterMs) {
          throw tooLongToWait(error, DEFAULT_HTTP_RETRY.maxRetryAfterMs);
        }
        const delayMs = retryDelayMs(policy, attempt, error.retryAfterMs);
        this.#retries++;
        this.#logger.warn(
          `retrying in ${delayMs} ms (retry ${attempt} of ${this.config.max_retries}): ${error.detail}`,
          {
            connector: CONNECTOR,
          },
        );
        await sleep(delayMs, signal);
      }
    }
  }

  /**
   * Pre-flight: a HEAD request reaches the endpoint. Any answer passes (a 405 too) except
   * 401/403, which say the credentials are refused. Nothing is written.
   */
  async check(ctx: FetchContext = {}): Promise<CheckReport> {
    const url = hasPlaceholders(this.config.url)
      ? `${new URL(templateFreeUrl(this.config.url)).origin}/`
      : this.config.url;
    const reach = await probe(
      `reach ${url}`,
      async () => {
        await this.#client.request({
          url,
          method: "HEAD",
          retry: false,
          signal: ctx.signal,
          tolerate: NON_AUTH_STATUSES,
        });
      },
      "check url, auth and that the server is running",
    );
    return { probes: [reach] };
  }

  /** Aborts retry waits and closes the keep-alive sockets. Idempotent. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#client.close();
  }
}

/** Every status a HEAD may answer without failing the probe: all but 401 and 403. */
const NON_AUTH_STATUSES: readonly number[] = Array.from({ length: 500 }, (_, i) => i + 100).filter(
  (s) => s !== 401 && s !== 403,
);

/** The URL with `{field}` placeholders replaced, so it parses. */
function templateFreeUrl(url: string): string {
  const filled = url.replace(/\{[^}]*\}/g, "x");
  try {
    const parsed = new URL(filled);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`unsupported ${parsed.protocol}`);
    return filled;
  } catch (error) {
    throw new FaucetError("config", `url \`${url}\` is not a valid http(s) URL`, {
      connector: CONNECTOR,
      cause: error,
      hint: "write it like https://api.example.com/v1/events",
    });
  }
}

/** A 4xx that is about the row sent (bad payload, conflict), not about the endpoint, or a row that could not be keyed. */
function isRowRejection(error: FaucetError): boolean {
  if (error.status === undefined) return error.kind === "sink";
  return error.status >= 400 && error.status < 500 && !DESTINATION_STATUSES.has(error.status);
}

/** True when the failure proves the server did not process the request. */
function notProcessed(error: FaucetError): boolean {
  if (error.status !== undefined) return NOT_PROCESSED_STATUSES.has(error.status);
  return NOT_SENT_CODES.has(errorCode(error) ?? "");
}

/** The page's error: the first failure, with how far the page got. */
function pageError(error: FaucetError, written: number, total: number): FaucetError {
  const progress =
    written === 0
      ? "no row of this page was delivered"
      : `${written} of ${total} rows of this page were delivered before it`;
  return new FaucetError(error.kind, `${error.detail} (${progress})`, {
    cause: error,
    retryable: error.retryable,
    connector: CONNECTOR,
    ...(error.hint ? { hint: error.hint } : {}),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    // The requests already made, so pipeline retries do not multiply the connector's own.
    ...(error.attempts === undefined ? {} : { attempts: error.attempts }),
  });
}

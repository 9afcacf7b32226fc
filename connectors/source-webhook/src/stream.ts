import { createServer } from "node:net";
import { parseHttpConfig } from "faucet-common-http";
import {
  type CheckReport,
  consoleLogger,
  FaucetError,
  type FetchContext,
  fetchAll,
  type JsonSchema,
  type Logger,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
} from "faucet-core";
import { parseListenAddr, WebhookSourceConfig, type WebhookSourceConfigInput } from "./config.js";
import { type CloseReason, Inbox, type TakenPage } from "./inbox.js";
import { type ListeningAddress, Receiver, type RefusalCounts } from "./server.js";

const CONNECTOR = "source-webhook";
const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;

/** Options of {@link WebhookSource} besides its config. */
export interface WebhookSourceOptions {
  logger?: Logger;
}

/** One receive window: the server and the inbox it fills. */
interface Window {
  receiver: Receiver;
  inbox: Inbox;
  listening: Promise<ListeningAddress>;
  /** The page yielded and not yet asked past: acknowledged on the next pull, refused on shutdown. */
  handing?: TakenPage | undefined;
}

/**
 * Receives records pushed over HTTP. This file is the one place the webhook source performs
 * I/O: each run starts a node:http server (`server.ts`) on `listen_addr`, whose handlers offer
 * every accepted POST to a bounded inbox (`inbox.ts`); `streamPages` takes pages from the inbox
 * as fast as the pipeline asks for them and ends after `max_records`, `max_payloads`,
 * `idle_timeout` or `timeout_secs`, or when the run is cancelled.
 *
 * **When a sender gets its 2xx.** A POST is answered 200 only once all its records were handed
 * to the pipeline: the page holding them was yielded and the pipeline asked for the next page.
 * Until then the sender waits. With the pipeline's read-ahead (`prefetch`, default 1) that means
 * the page has been taken into the pipeline's buffer, not yet written: a crash or a failed run
 * after the 2xx can lose it. With `prefetch: 0` the pipeline asks for the next page only after
 * writing the previous one, so a 2xx then means the sink's `writeBatch` resolved for it. A run
 * that ends or fails before a record was handed over answers its POST 503 with Retry-After, so
 * the sender sends it again: delivery is at least once, never silently dropped.
 *
 * **Backpressure.** Records accepted and not yet taken are bounded by `max_buffered_records`;
 * a POST that does not fit is answered 503 with `Retry-After: retry_after_secs`.
 *
 * @example
 * const source = new WebhookSource({ listen_addr: "127.0.0.1:0", max_records: 100, timeout_secs: 0 });
 * const { url } = await source.listen();
 * // POST JSON objects or arrays to `url` while the pipeline runs:
 * await new Pipeline(source, sink).run();
 */
export class WebhookSource implements Source {
  readonly config: WebhookSourceConfig;
  readonly #logger: Logger;
  #window: Window | undefined;
  #lastRefusals: RefusalCounts | undefined;

  constructor(config: WebhookSourceConfigInput | WebhookSourceConfig, options: WebhookSourceOptions = {}) {
    this.config = parseHttpConfig(WebhookSourceConfig, config, CONNECTOR);
    this.#logger = options.logger ?? consoleLogger;
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(WebhookSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return { incremental: false, deterministicReplay: false, discover: false };
  }

  /** Requests refused so far in the current (or last) run, by reason. */
  get refused(): Readonly<RefusalCounts> | undefined {
    return this.#window?.receiver.refused ?? this.#lastRefusals;
  }

  /** Where the server listens while a run is open. */
  get address(): ListeningAddress | undefined {
    return this.#window?.receiver.address;
  }

  /**
   * Starts the server now (a run starts it anyway) and resolves to its address — with port 0 in
   * `listen_addr`, the port that was picked. POSTs that arrive before the run reads are kept in
   * the inbox (bounded) and answered once handed over. `params` fill `{name}` placeholders of `path`.
   */
  async listen(params: Readonly<Record<string, Value>> = {}): Promise<ListeningAddress> {
    return await this.#open(params).listening;
  }

  async fetchWithContext(ctx: FetchContext = {}): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  /**
   * Pages of what senders POST, in arrival order: each page holds what arrived while the
   * pipeline was busy (at most `batch_size`; with 0, everything, handed over when the run ends).
   * A POST is acknowledged when the pipeline asks for the page after the one holding its last
   * record (see the class documentation).
   */
  async *streamPages(ctx: FetchContext, _batchSize = 0, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const runSignal = signal ?? ctx.signal;
    const window = this.#open(ctx.params ?? {});
    const { inbox } = window;
    try {
      const address = await window.listening;
      const logger = ctx.logger ?? this.#logger;
      logger.info(`receiving POSTs at ${address.url}`, { connector: CONNECTOR });
      const started = performance.now();
      const timeoutMs = this.config.timeout_secs * 1000;
      const idleMs = this.config.idle_timeout === undefined ? undefined : this.config.idle_timeout * 1000;
      const batch = this.config.batch_size;
      while (!runSignal?.aborted) {
        if (inbox.pending > 0 && (batch > 0 || inbox.closed)) {
          const page = inbox.take(batch);
          window.handing = page;
          yield { records: page.records };
          // The pipeline asked for the next page: this one is in its hands.
          window.handing = undefined;
          page.ack();
          continue;
        }
        if (inbox.closed) break;
        const now = performance.now();
        const waits = [Number.POSITIVE_INFINITY];
        if (timeoutMs > 0) waits.push(started + timeoutMs - now);
        if (idleMs !== undefined) waits.push(inbox.lastAcceptedAt + idleMs - now);
        const wait = Math.min(...waits);
        if (wait <= 0) {
          const reason: CloseReason = timeoutMs > 0 && now - started >= timeoutMs ? "timeout" : "idle";
          inbox.close(reason);
          continue;
        }
        await inbox.changed(wait, runSignal);
      }
      if (inbox.closed && inbox.closed !== "stopped") {
        logger.info(`stopped receiving (${inbox.closed}) after ${inbox.acceptedRecords} records`, {
          connector: CONNECTOR,
        });
      }
    } finally {
      await this.#shut(window);
    }
  }

  /** Pre-flight: `listen_addr` can be bound (or is bound by this source). Nothing is received. */
  async check(): Promise<CheckReport> {
    const probes = [
      await probe(
        `listen on ${this.config.listen_addr}`,
        async () => {
          if (this.#window) return;
          const { host, port } = parseListenAddr(this.config.listen_addr) as { host: string; port: number };
          const server = createServer();
          await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen({ host, port }, () => resolve());
          });
          await new Promise((resolve) => server.close(resolve));
        },
        "pick a free port, or stop the process that holds it",
      ),
    ];
    return { probes };
  }

  /** Stops the server; POSTs still waiting are answered 503. Idempotent. */
  async close(): Promise<void> {
    if (this.#window) await this.#shut(this.#window);
  }

  #open(params: Readonly<Record<string, Value>>): Window {
    if (this.#window) return this.#window;
    const config = this.config;
    const inbox = new Inbox({
      capacity: config.max_buffered_records,
      maxRecords: config.max_records,
      maxPayloads: config.max_payloads,
    });
    const receiver = new Receiver(config, fillPath(config.path, params), inbox, this.#logger);
    const { host, port } = parseListenAddr(config.listen_addr) as { host: string; port: number };
    const listening = receiver.listen(host, port);
    // A failure to bind is reported by whoever awaits it; keep it from surfacing as unhandled.
    listening.catch(() => undefined);
    const window: Window = { receiver, inbox, listening };
    this.#window = window;
    return window;
  }

  async #shut(window: Window): Promise<void> {
    if (this.#window === window) this.#window = undefined;
    this.#lastRefusals = window.receiver.refused;
    // A page yielded but never asked past (the run stopped or failed) may not have been taken.
    window.handing?.nack();
    window.inbox.refuseAll();
    await window.receiver.stop();
  }
}

function fillPath(path: string, params: Readonly<Record<string, Value>>): string {
  return path.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) {
      throw new FaucetError("config", `path \`${path}\` needs \`{${name}}\`, which has no value here`, {
        connector: CONNECTOR,
        hint: "pass it from a parent record or partition, or remove the placeholder",
      });
    }
    return encodeURIComponent(typeof value === "object" ? JSON.stringify(value) : String(value));
  });
}

import { HttpClient, httpClientOptions, parseHttpConfig, replicationMethodOf } from "faucet-common-http";
import {
  type CheckReport,
  consoleLogger,
  type FetchContext,
  fetchAll,
  IncrementalFilter,
  isValueObject,
  type JsonSchema,
  type Logger,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  sleep,
  type Value,
} from "faucet-core";
import { describeAuth } from "./auth/index.js";
import { renderBind } from "./bind.js";
import { RestSourceConfig, type RestSourceConfigInput } from "./config.js";
import { createExtractor, type Extractor } from "./extract/index.js";
import { createPaginator } from "./pagination/index.js";
import { mergeConcurrent, partitionKey } from "./partitions.js";
import { planRequest } from "./request.js";

const CONNECTOR = "source-rest";

/** Options of {@link RestSource} besides its config. */
export interface RestSourceOptions {
  logger?: Logger;
  /** Where relative TLS file paths resolve from (the config file's folder in the CLI). */
  baseDir?: string;
}

/** One partition to read: its bookmark key and the values its placeholders take. */
interface PartitionPlan {
  key: string;
  context: Record<string, Value>;
}

/**
 * Reads records from an HTTP API. This file is the one place the REST source performs I/O: it
 * builds one keep-alive client in the constructor, and per partition loops request → records →
 * paginator until the paginator, a loop guard or `max_pages` ends it, yielding one page per
 * response. Requests are planned by `request.ts`, bodies read by `extract/`, next pages decided
 * by `pagination/`; auth, retries and rate limits live in the shared client.
 *
 * @example
 * const source = new RestSource({
 *   base_url: "https://api.github.com",
 *   path: "/repos/nodejs/undici/issues",
 *   query_params: { per_page: 100, state: "all" },
 *   pagination: { type: "link_header" },
 * });
 * for await (const page of source.streamPages({}, 0)) console.log(page.records.length);
 * await source.close();
 */
export class RestSource implements Source {
  readonly config: RestSourceConfig;
  readonly #client: HttpClient;
  readonly #logger: Logger;
  readonly #extract: Extractor;
  readonly #incremental: boolean;
  #startBookmark: Value | undefined;

  constructor(config: RestSourceConfigInput | RestSourceConfig, options: RestSourceOptions = {}) {
    this.config = parseHttpConfig(RestSourceConfig, config, CONNECTOR);
    this.#logger = options.logger ?? consoleLogger;
    this.#extract = createExtractor(this.config, CONNECTOR);
    this.#incremental = replicationMethodOf(this.config) === "incremental";
    this.#client = new HttpClient(
      httpClientOptions(this.config, {
        connector: CONNECTOR,
        baseUrl: this.config.base_url,
        logger: this.#logger,
        baseDir: options.baseDir,
      }),
    );
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(RestSourceConfig);
  }

  stateKey(): string | undefined {
    return this.config.state_key;
  }

  capabilities(): SourceCapabilities {
    return { incremental: this.#incremental, deterministicReplay: false, discover: false };
  }

  /** Resume after `bookmark`: a value, or with partitions an object keyed by partition. */
  applyStartBookmark(bookmark: Value): void {
    this.#startBookmark = bookmark;
  }

  /** Requests sent and retries made so far by this source's client. */
  get stats(): { requests: number; retries: number } {
    return this.#client.stats;
  }

  async fetchWithContext(ctx: FetchContext = {}): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  /**
   * One page per response. Without partitions a page's bookmark is the greatest replication
   * key so far; with partitions it is an object with one bookmark per partition key.
   */
  async *streamPages(ctx: FetchContext, _batchSize = 0, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const logger = ctx.logger ?? this.#logger;
    const runSignal = signal ?? ctx.signal;
    const plans = this.#plans(ctx);
    const keyed = this.config.partitions.length > 0;
    const bookmarks = keyed ? this.#startBookmarks(plans) : {};
    const read = (plan: PartitionPlan, partitionSignal: AbortSignal) =>
      this.#readPartition(plan, this.#startFor(plan, keyed), partitionSignal, logger);
    for await (const { item, value: page } of mergeConcurrent(
      plans,
      this.config.partition_concurrency,
      read,
      runSignal,
    )) {
      if (!keyed || page.bookmark === undefined) {
        yield page;
        continue;
      }
      bookmarks[item.key] = page.bookmark;
      yield { records: page.records, bookmark: { ...bookmarks } };
    }
  }

  /** Reads one partition: request, extract, paginate, until the end or a guard. */
  async *#readPartition(
    plan: PartitionPlan,
    start: Value | undefined,
    signal: AbortSignal,
    logger: Logger,
  ): AsyncGenerator<StreamPage> {
    const config = this.config;
    const paginator = createPaginator(config.pagination);
    const bind = config.replication_bind ? renderBind(config.replication_bind, start) : undefined;
    const filter = this.#incremental
      ? new IncrementalFilter({ replicationKey: config.replication_key as string, start, logger, connector: CONNECTOR })
      : undefined;
    const where = plan.key ? ` (partition ${plan.key})` : "";
    let patch = paginator.first();
    for (let pages = 1; ; pages++) {
      const request = planRequest(config, plan.context, patch, bind);
      const response = await this.#client.request({ ...request, signal, tolerate: config.tolerated_http_errors });
      if (response.status < 200 || response.status >= 300) {
        logger.info(`HTTP ${response.status} from ${response.url} is tolerated: read as an empty last page${where}`, {
          connector: CONNECTOR,
        });
        return;
      }
      const { records, body } = this.#extract(response);
      const step = paginator.next({
        body,
        text: response.text(),
        headers: response.headers,
        recordCount: records.length,
        url: response.url,
      });
      const kept = step.done && step.duplicate ? [] : records;
      const out = filter ? filter.filter(kept) : kept;
      if (out.length > 0)
        yield filter?.bookmark === undefined ? { records: out } : { records: out, bookmark: filter.bookmark };
      if (step.done) {
        if (step.warning) logger.warn(`${step.warning}${where}`, { connector: CONNECTOR, pages });
        return;
      }
      if (config.max_pages !== undefined && pages >= config.max_pages) {
        logger.warn(`stopped after max_pages (${config.max_pages}) pages; more pages remain${where}`, {
          connector: CONNECTOR,
        });
        return;
      }
      if (config.request_delay) await sleep(config.request_delay * 1000, signal);
      patch = step.patch;
    }
  }

  #plans(ctx: FetchContext): PartitionPlan[] {
    const parent = ctx.params ?? {};
    if (this.config.partitions.length === 0) return [{ key: "", context: { ...parent } }];
    return this.config.partitions.map((partition) => ({
      key: partitionKey(partition as Record<string, Value>),
      context: { ...parent, ...(partition as Record<string, Value>) },
    }));
  }

  /**
   * The per-partition bookmark object a keyed run starts from: the stored one (keeping keys of
   * partitions no longer configured), with every configured partition's start filled in, so a
   * partition that reads nothing new keeps its place.
   */
  #startBookmarks(plans: PartitionPlan[]): Record<string, Value> {
    const out: Record<string, Value> = isValueObject(this.#startBookmark) ? { ...this.#startBookmark } : {};
    for (const plan of plans) {
      const start = this.#startFor(plan, true);
      if (start !== undefined && out[plan.key] === undefined) out[plan.key] = start;
    }
    return out;
  }

  /** The bookmark a partition resumes after: stored state, else `start_replication_value`. */
  #startFor(plan: PartitionPlan, keyed: boolean): Value | undefined {
    const stored = this.#startBookmark;
    const fallback = this.config.start_replication_value as Value | undefined;
    if (!keyed) return stored ?? fallback;
    if (isValueObject(stored)) return stored[plan.key] ?? fallback;
    // A plain bookmark saved before partitions were configured applies to every partition.
    return stored ?? fallback;
  }

  /** Pre-flight: the first page of the first partition can be fetched and read. */
  async check(ctx: FetchContext = {}): Promise<CheckReport> {
    const plan = this.#plans(ctx)[0] as PartitionPlan;
    const first = await probe(
      `first page (auth: ${describeAuth(this.config.auth)})`,
      async () => {
        const request = planRequest(
          this.config,
          plan.context,
          createPaginator(this.config.pagination).first(),
          undefined,
        );
        const response = await this.#client.request({
          ...request,
          signal: ctx.signal,
          tolerate: this.config.tolerated_http_errors,
        });
        if (response.status >= 200 && response.status < 300) this.#extract(response);
      },
      "check base_url, path, auth and records_path",
    );
    return { probes: [first] };
  }

  /** Closes the client's keep-alive sockets. Idempotent. */
  async close(): Promise<void> {
    await this.#client.close();
  }
}

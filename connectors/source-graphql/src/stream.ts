import {
  DEFAULT_HTTP_RETRY,
  gaveUp,
  HttpClient,
  type HttpResponse,
  headerValue,
  httpClientOptions,
  parseHttpConfig,
  parseJsonResponse,
  parseRetryAfter,
  type RequestSite,
  replicationMethodOf,
  retryDelayMs,
  statusError,
} from "faucet-common-http";
import {
  type CheckReport,
  consoleLogger,
  FaucetError,
  type FetchContext,
  fetchAll,
  IncrementalFilter,
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
import { GraphqlSourceConfig, type GraphqlSourceConfigInput } from "./config.js";
import { type GraphqlRequestBody, type PagePosition, planRequest } from "./request.js";
import { createExtractor, createPaginator, graphqlError, type RecordExtractor } from "./response.js";

const CONNECTOR = "source-graphql";

/** Statuses a GraphQL-over-HTTP server answers request errors with, carrying `errors` in the body. */
const GRAPHQL_ERROR_STATUSES = [400, 422];

/** Options of {@link GraphqlSource} besides its config. */
export interface GraphqlSourceOptions {
  logger?: Logger;
  /** Where relative TLS file paths resolve from (the config file's folder in the CLI). */
  baseDir?: string;
}

/**
 * Reads records from a GraphQL API. This file is the one place the GraphQL source performs
 * I/O: one keep-alive client made in the constructor (auth, rate limit, timeouts, HTTP-level
 * retries), then per run a loop request → GraphQL errors check → records → paginator, one page
 * per response. `request.ts` builds each body, `response.ts` reads errors, records and the next
 * cursor. A response carrying `errors` is a failure even with status 200 and partial `data`;
 * throttling errors are retried like a 429.
 *
 * Incremental runs filter records on `replication_key` and put the bookmark (the greatest key)
 * on the last page only: connections are ordered by cursor, not by the key, so a bookmark
 * mid-run could skip older records on later pages if the run stopped there.
 *
 * @example
 * const source = new GraphqlSource({
 *   endpoint: "https://api.example.com/graphql",
 *   query: "query($first: Int, $after: String) { users(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }",
 *   records_path: "$.data.users.nodes",
 *   pagination: {},
 * });
 * for await (const page of source.streamPages({}, 0)) console.log(page.records.length);
 * await source.close();
 */
export class GraphqlSource implements Source {
  readonly config: GraphqlSourceConfig;
  readonly #client: HttpClient;
  readonly #logger: Logger;
  readonly #extract: RecordExtractor;
  readonly #incremental: boolean;
  #startBookmark: Value | undefined;
  #throttleRetries = 0;

  constructor(config: GraphqlSourceConfigInput | GraphqlSourceConfig, options: GraphqlSourceOptions = {}) {
    this.config = parseHttpConfig(GraphqlSourceConfig, config, CONNECTOR);
    this.#logger = options.logger ?? consoleLogger;
    this.#extract = createExtractor(this.config);
    this.#incremental = replicationMethodOf(this.config) === "incremental";
    this.#client = new HttpClient(
      httpClientOptions(this.config, {
        connector: CONNECTOR,
        baseUrl: this.config.endpoint,
        headers: { accept: "application/graphql-response+json, application/json;q=0.9", ...this.config.headers },
        logger: this.#logger,
        baseDir: options.baseDir,
      }),
    );
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(GraphqlSourceConfig);
  }

  stateKey(): string | undefined {
    return this.config.state_key;
  }

  capabilities(): SourceCapabilities {
    return { incremental: this.#incremental, deterministicReplay: false, discover: false };
  }

  applyStartBookmark(bookmark: Value): void {
    this.#startBookmark = bookmark;
  }

  /** Requests sent and retries made so far (HTTP-level and throttled GraphQL responses). */
  get stats(): { requests: number; retries: number } {
    const { requests, retries } = this.#client.stats;
    return { requests, retries: retries + this.#throttleRetries };
  }

  async fetchWithContext(ctx: FetchContext = {}): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  /**
   * One page per response. Values of `ctx.params` (a parent record or partition) are merged
   * into the variables. In incremental runs the bookmark rides the last page (or a trailing
   * empty page when `max_pages` cut the run short).
   */
  async *streamPages(ctx: FetchContext, _batchSize = 0, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const config = this.config;
    const logger = ctx.logger ?? this.#logger;
    const runSignal = signal ?? ctx.signal;
    const start = this.#incremental
      ? (this.#startBookmark ?? (config.start_replication_value as Value | undefined))
      : undefined;
    const filter = this.#incremental
      ? new IncrementalFilter({ replicationKey: config.replication_key as string, start, logger, connector: CONNECTOR })
      : undefined;
    const paginator = createPaginator(config.pagination);
    let position: PagePosition = {};
    for (let pages = 1; ; pages++) {
      const body = await this.#query(planRequest(config, ctx.params ?? {}, position, start), runSignal);
      const records = this.#extract(body);
      const step = paginator.next(body, records.length);
      if (step.warning) logger.warn(step.warning, { connector: CONNECTOR, pages });
      const out = filter ? filter.filter(records) : records;
      const capped = !step.done && config.max_pages !== undefined && pages >= config.max_pages;
      if (step.done || capped) {
        if (capped)
          logger.warn(`stopped after max_pages (${config.max_pages}); more pages remain`, { connector: CONNECTOR });
        const bookmark = filter?.bookmark;
        yield bookmark === undefined ? { records: out } : { records: out, bookmark };
        return;
      }
      if (out.length > 0) yield { records: out };
      position = {
        ...(step.cursor === undefined ? {} : { cursor: step.cursor }),
        ...(step.offset === undefined ? {} : { offset: step.offset }),
      };
    }
  }

  /** One request: HTTP errors and retries from the client; GraphQL errors and throttling here. */
  async #query(request: GraphqlRequestBody, signal: AbortSignal | undefined): Promise<Value> {
    const endpoint = this.config.endpoint;
    const policy = { backoffMs: this.config.retry_backoff * 1000 };
    for (let attempt = 1; ; attempt++) {
      const response = await this.#client.request({
        url: endpoint,
        method: "POST",
        json: request as unknown as Value,
        signal,
        tolerate: GRAPHQL_ERROR_STATUSES,
      });
      let body: Value;
      try {
        body = readBody(response);
      } catch (unreadable) {
        if (response.status < 300) throw unreadable;
        throw statusError(
          { status: response.status, headers: response.headers, body: response.text() },
          site(response),
        );
      }
      const retryAfterMs = parseRetryAfter(headerValue(response.headers, "retry-after"));
      const error = graphqlError(body, endpoint, retryAfterMs);
      if (!error && response.status >= 300) {
        throw statusError(
          { status: response.status, headers: response.headers, body: response.text() },
          site(response),
        );
      }
      if (!error) return body;
      if (error.kind !== "rate_limited" || attempt > this.config.max_retries) {
        throw attempt > 1 ? gaveUp(error, attempt) : error;
      }
      if ((error.retryAfterMs ?? 0) > DEFAULT_HTTP_RETRY.maxRetryAfterMs) throw error;
      const delayMs = retryDelayMs(policy, attempt, error.retryAfterMs);
      this.#throttleRetries++;
      this.#logger.warn(`throttled; retrying in ${delayMs} ms (retry ${attempt} of ${this.config.max_retries})`, {
        connector: CONNECTOR,
      });
      await sleep(delayMs, signal);
    }
  }

  /** Pre-flight: the endpoint answers `{ __typename }` with the configured auth. Reads nothing. */
  async check(ctx: FetchContext = {}): Promise<CheckReport> {
    const answers = await probe(
      "endpoint answers { __typename }",
      async () => {
        const body = await this.#query({ query: "{ __typename }", variables: {} }, ctx.signal);
        if (!body || typeof body !== "object" || !("data" in body)) {
          throw new FaucetError("json", "the response has no `data`", { connector: CONNECTOR });
        }
      },
      "check endpoint and auth",
    );
    return { probes: [answers] };
  }

  /** Closes the client's keep-alive sockets. Idempotent. */
  async close(): Promise<void> {
    await this.#client.close();
  }
}

function site(response: HttpResponse): RequestSite {
  return { method: "POST", url: response.url, connector: CONNECTOR };
}

function readBody(response: HttpResponse): Value {
  const body = parseJsonResponse(response, CONNECTOR);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new FaucetError("json", `the response of ${response.url} is not a GraphQL response object`, {
      connector: CONNECTOR,
      hint: "check that `endpoint` is the GraphQL endpoint",
    });
  }
  if (!("data" in body) && !("errors" in body)) {
    throw new FaucetError("json", `the response of ${response.url} has neither \`data\` nor \`errors\``, {
      connector: CONNECTOR,
      hint: "check that `endpoint` is the GraphQL endpoint",
    });
  }
  return body;
}

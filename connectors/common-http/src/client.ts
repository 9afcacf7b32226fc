import { cancelledError, consoleLogger, FaucetError, type Logger, sleep } from "faucet-core";
import type { Dispatcher } from "undici";
import { createAgent } from "./agent.js";
import { createAuthProvider } from "./auth/index.js";
import type { AuthConfig, TlsConfig } from "./config.js";
import { gaveUp, headerValue, type RequestSite, statusError, tooLongToWait, transportError } from "./errors.js";
import { ConcurrencyLimit, TokenBucket } from "./limits.js";
import { DEFAULT_HTTP_RETRY, type HttpRetryOptions, retryDelayMs } from "./retry.js";
import type { AuthProvider, AuthTarget, HttpRequest, HttpResponse, QueryPairs, ResponseHeaders } from "./types.js";

/** Options of {@link HttpClient}. Only `connector` is required. */
export interface HttpClientOptions {
  /** Named in errors and logs, e.g. `source-rest`. */
  connector: string;
  /** Relative request URLs resolve against it; credentials are only sent to its origin. */
  baseUrl?: string | undefined;
  /** Sent with every request (auth headers win on a clash). */
  headers?: Record<string, string> | undefined;
  auth?: AuthConfig | AuthProvider | undefined;
  /** Bound on one attempt, body included. Default 30,000 ms. */
  timeoutMs?: number | undefined;
  retry?: HttpRetryOptions | undefined;
  /** Requests per second (token bucket). */
  rateLimit?: number | undefined;
  /** Requests allowed at once after an idle spell. Default 1 (evenly spaced). */
  burst?: number | undefined;
  /** Most requests in flight at once. */
  concurrency?: number | undefined;
  tls?: TlsConfig | undefined;
  /** Where relative TLS file paths resolve from. */
  baseDir?: string | undefined;
  /** Bring your own dispatcher (its owner closes it); `tls` is then ignored. */
  dispatcher?: Dispatcher | undefined;
  /** Default 5. */
  maxRedirects?: number | undefined;
  logger?: Logger | undefined;
}

/** Counters a client keeps, for logs and benchmarks. */
export interface HttpClientStats {
  requests: number;
  retries: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The HTTP client faucet's HTTP connectors share: one keep-alive undici dispatcher, auth,
 * per-attempt timeouts, capped jittered retries that honour `Retry-After`, a shared token
 * bucket and concurrency limit, redirects that never carry credentials to another origin,
 * and every failure mapped to a FaucetError (`http`, `http_status`, `auth`, `rate_limited`,
 * `timeout`, `connection`).
 *
 * @example
 * const client = new HttpClient({ connector: "source-rest", baseUrl: "https://api.example.com", rateLimit: 5 });
 * const res = await client.request({ url: "/v1/items", query: [["page", "2"]] });
 * console.log(res.status, res.text());
 * await client.close();
 */
export class HttpClient {
  readonly #connector: string;
  readonly #base: URL | undefined;
  readonly #headers: Record<string, string>;
  readonly #auth: AuthProvider;
  readonly #timeoutMs: number;
  readonly #retry: Required<HttpRetryOptions>;
  readonly #bucket: TokenBucket | undefined;
  readonly #slots: ConcurrencyLimit | undefined;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #maxRedirects: number;
  readonly #logger: Logger;
  readonly #stats: HttpClientStats = { requests: 0, retries: 0 };
  #warnedOrigins = new Set<string>();
  #closed = false;

  constructor(options: HttpClientOptions) {
    this.#connector = options.connector;
    this.#base = options.baseUrl ? parseBaseUrl(options.baseUrl, options.connector) : undefined;
    this.#headers = { "user-agent": `faucet (${options.connector})`, ...lowerKeys(options.headers) };
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retry = { ...DEFAULT_HTTP_RETRY, ...options.retry };
    this.#bucket = options.rateLimit ? new TokenBucket(options.rateLimit, options.burst ?? 1) : undefined;
    this.#slots = options.concurrency ? new ConcurrencyLimit(options.concurrency) : undefined;
    this.#maxRedirects = options.maxRedirects ?? 5;
    this.#logger = options.logger ?? consoleLogger;
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher =
      options.dispatcher ??
      createAgent({
        connections: options.concurrency,
        tls: options.tls,
        baseDir: options.baseDir,
        connector: options.connector,
      });
    const auth = options.auth;
    this.#auth =
      auth && "apply" in auth
        ? auth
        : createAuthProvider(auth, (request) => this.#send(request, false), options.connector);
  }

  /** Requests sent and retries made so far. */
  get stats(): Readonly<HttpClientStats> {
    return { ...this.#stats };
  }

  /**
   * Sends one request and reads its whole body. Resolves for 2xx and `tolerate`d statuses;
   * anything else rejects with a FaucetError after the retries the policy allows.
   */
  request(request: HttpRequest): Promise<HttpResponse> {
    return this.#send(request, true);
  }

  /** Closes the keep-alive sockets. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  /** The absolute URL a request goes to, before auth query parameters. */
  resolveUrl(url: string, query?: QueryPairs): URL {
    let resolved: URL;
    try {
      resolved = this.#base ? new URL(url, this.#base) : new URL(url);
    } catch (error) {
      throw new FaucetError("config", `\`${url}\` is not a valid URL`, {
        connector: this.#connector,
        cause: error,
        hint: "use an absolute http(s) URL, or a path under base_url",
      });
    }
    if (query?.length) for (const [k, v] of query) resolved.searchParams.append(k, v);
    return resolved;
  }

  async #send(request: HttpRequest, withAuth: boolean): Promise<HttpResponse> {
    if (this.#closed) {
      throw new FaucetError("connection", "the HTTP client is closed", {
        connector: this.#connector,
        retryable: false,
      });
    }
    const method = (request.method ?? "GET").toUpperCase();
    const url = this.resolveUrl(request.url, request.query);
    const maxRetries = request.retry === false ? 0 : this.#retry.maxRetries;
    let refreshedAuth = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(method, url, request, withAuth);
      } catch (thrown) {
        const error = thrown instanceof FaucetError ? thrown : transportError(thrown, this.#site(method, url));
        if (error.kind === "cancelled" || request.signal?.aborted)
          throw request.signal?.aborted ? cancelledError() : error;
        if (withAuth && error.status === 401 && !refreshedAuth && this.#auth.invalidate?.()) {
          // The token expired early or was revoked: one more try with a fresh one, not counted.
          refreshedAuth = true;
          attempt--;
          this.#logger.info("token refused (401); fetching a new one", { connector: this.#connector });
          continue;
        }
        if (!error.retryable || attempt > maxRetries) throw attempt > 1 ? gaveUp(error, attempt) : error;
        if (error.retryAfterMs !== undefined && error.retryAfterMs > this.#retry.maxRetryAfterMs) {
          throw tooLongToWait(error, this.#retry.maxRetryAfterMs);
        }
        const delayMs = retryDelayMs(this.#retry, attempt, error.retryAfterMs);
        this.#stats.retries++;
        this.#logger.warn(`retrying in ${delayMs} ms (retry ${attempt} of ${maxRetries}): ${error.detail}`, {
          connector: this.#connector,
        });
        await sleep(delayMs, request.signal);
      }
    }
  }

  async #attempt(method: string, url: URL, request: HttpRequest, withAuth: boolean): Promise<HttpResponse> {
    const release = withAuth ? await this.#slots?.acquire(request.signal) : undefined;
    try {
      if (withAuth) await this.#bucket?.take(request.signal);
      const headers = { ...this.#headers, ...lowerKeys(request.headers) };
      let body: string | Uint8Array | undefined = request.body;
      if (request.json !== undefined) {
        body = JSON.stringify(request.json);
        headers["content-type"] ??= "application/json";
      }
      const plain = { headers: { ...headers }, url };
      const target: AuthTarget = { headers, query: [] };
      if (withAuth && this.#mayCarryCredentials(url)) await this.#auth.apply(target, request.signal);
      const authed = { headers: target.headers, url: withQuery(url, target.query) };
      return await this.#exchange(method, authed, plain, body, request);
    } finally {
      release?.();
    }
  }

  /** One attempt: send, follow redirects, read the body, all under one timeout. */
  async #exchange(
    method: string,
    authed: { headers: Record<string, string>; url: URL },
    plain: { headers: Record<string, string>; url: URL },
    initialBody: string | Uint8Array | undefined,
    request: HttpRequest,
  ): Promise<HttpResponse> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const onAbort = () => controller.abort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    let current = authed;
    let currentMethod = method;
    let body = initialBody;
    try {
      for (let hop = 0; ; hop++) {
        this.#stats.requests++;
        const res = await this.#dispatcher.request({
          origin: current.url.origin,
          path: current.url.pathname + current.url.search,
          method: currentMethod as Dispatcher.HttpMethod,
          headers: current.headers,
          body: body ?? null,
          signal: controller.signal,
        });
        const location = headerValue(res.headers, "location");
        if (REDIRECTS.has(res.statusCode) && location && hop < this.#maxRedirects) {
          await res.body.dump();
          const next = new URL(location, current.url);
          if (
            res.statusCode === 303 ||
            (res.statusCode <= 302 && currentMethod !== "GET" && currentMethod !== "HEAD")
          ) {
            currentMethod = "GET";
            body = undefined;
          }
          // Credentials never follow a redirect to another origin.
          const sameOrigin = next.origin === authed.url.origin;
          current = { headers: sameOrigin ? current.headers : plain.headers, url: next };
          continue;
        }
        const buffer = Buffer.from(await res.body.arrayBuffer());
        const response = createResponse(res.statusCode, res.headers as ResponseHeaders, current.url.href, buffer);
        if ((res.statusCode >= 200 && res.statusCode < 300) || request.tolerate?.includes(res.statusCode)) {
          return response;
        }
        throw statusError(
          { status: res.statusCode, headers: response.headers, body: response.text() },
          this.#site(currentMethod, current.url),
        );
      }
    } catch (error) {
      if (error instanceof FaucetError) throw error;
      if (request.signal?.aborted) throw cancelledError();
      if (timedOut) {
        throw new FaucetError(
          "timeout",
          `${currentMethod} ${current.url.href} took longer than ${this.#timeoutMs / 1000} s`,
          { connector: this.#connector, cause: error, hint: "raise `timeout`, or check why the server is slow" },
        );
      }
      throw transportError(error, this.#site(currentMethod, current.url));
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
  }

  #mayCarryCredentials(url: URL): boolean {
    if (!this.#base || url.origin === this.#base.origin) return true;
    if (!this.#warnedOrigins.has(url.origin)) {
      this.#warnedOrigins.add(url.origin);
      this.#logger.warn(`not sending credentials to ${url.origin}: they are only sent to ${this.#base.origin}`, {
        connector: this.#connector,
      });
    }
    return false;
  }

  #site(method: string, url: URL): RequestSite {
    return { method, url: url.href, connector: this.#connector };
  }
}

/**
 * Creates an {@link HttpClient}.
 *
 * @example
 * const client = createHttpClient({ connector: "sink-http", baseUrl: url, retry: { maxRetries: 5 } });
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new HttpClient(options);
}

function createResponse(status: number, headers: ResponseHeaders, url: string, body: Buffer): HttpResponse {
  let text: string | undefined;
  return {
    status,
    headers,
    url,
    body,
    text: () => {
      text ??= body.toString("utf8");
      return text;
    },
  };
}

function withQuery(url: URL, query: QueryPairs): URL {
  if (query.length === 0) return url;
  const copy = new URL(url);
  for (const [k, v] of query) copy.searchParams.append(k, v);
  return copy;
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers) for (const key of Object.keys(headers)) out[key.toLowerCase()] = headers[key] as string;
  return out;
}

function parseBaseUrl(url: string, connector: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      throw new Error(`unsupported protocol ${parsed.protocol}`);
    return parsed;
  } catch (error) {
    throw new FaucetError("config", `base URL \`${url}\` is not a valid http(s) URL`, {
      connector,
      cause: error,
      hint: "write it like https://api.example.com/v1",
    });
  }
}

import type { HttpClientOptions } from "./client.js";
import type { AuthConfig, TlsConfig } from "./config.js";

/** The resilience and transport keys of an HTTP connector's config, as parsed. */
export interface HttpConnectorConfig {
  timeout: number;
  max_retries: number;
  retry_backoff: number;
  rate_limit?: number | undefined;
  concurrency?: number | undefined;
  auth?: AuthConfig | undefined;
  tls?: TlsConfig | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * Turns the snake_case config keys (seconds) into {@link HttpClientOptions} (milliseconds).
 *
 * @example
 * new HttpClient(httpClientOptions(config, { connector: "source-rest", baseUrl: config.base_url }));
 */
export function httpClientOptions(
  config: HttpConnectorConfig,
  extra: Omit<HttpClientOptions, "timeoutMs" | "retry" | "rateLimit" | "auth" | "tls">,
): HttpClientOptions {
  return {
    headers: config.headers,
    ...extra,
    timeoutMs: config.timeout * 1000,
    retry: { maxRetries: config.max_retries, backoffMs: config.retry_backoff * 1000 },
    rateLimit: config.rate_limit,
    concurrency: extra.concurrency ?? config.concurrency,
    auth: config.auth,
    tls: config.tls,
  };
}

import { parseConfig, registerConfigSecrets, schemaFor, type ZodSchema, type z } from "faucet-core";
import { registerAuthSecrets } from "./auth/index.js";
import type { HttpClientOptions } from "./client.js";
import type { AuthConfig, TlsConfig } from "./config.js";

/**
 * Parses an HTTP connector's config (a FaucetError of kind `config` naming the connector when it
 * is wrong) and registers its secrets, the fields marked secret and those of its `auth` block,
 * so that no log or error shows them.
 *
 * @example
 * this.config = parseHttpConfig(RestSourceConfig, input, "source-rest");
 */
export function parseHttpConfig<T extends ZodSchema>(schema: T, input: unknown, connector: string): z.output<T> {
  const config = parseConfig(schema, input, { connector });
  registerConfigSecrets(schemaFor(schema), config);
  registerAuthSecrets((config as { auth?: AuthConfig | undefined }).auth);
  return config;
}

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

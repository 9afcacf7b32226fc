/**
 * faucet-common-http: what faucet's HTTP connectors share — the REST source, the HTTP sink and
 * the GraphQL source.
 *
 * - {@link HttpClient}: one keep-alive undici dispatcher per connector, per-attempt timeouts,
 *   capped and jittered retries that honour `Retry-After` (seconds or HTTP date), a token-bucket
 *   rate limiter and a concurrency limit shared by every caller, redirects that never carry
 *   credentials to another origin, and every failure mapped to a FaucetError kind (`http`,
 *   `http_status`, `auth`, `rate_limited`, `timeout`, `connection`).
 * - Auth providers for every `auth: {type, config}` of the Rust faucet-stream: none, bearer,
 *   basic, api_key, api_key_query, oauth2 (client credentials) and token_endpoint (cached,
 *   refreshed at 90% of their lifetime, retried once after a 401), custom headers.
 * - Config blocks to spread into a connector schema: {@link AuthConfig}, {@link TlsConfig},
 *   {@link httpResilienceFields}.
 * - {@link compileJsonPath} (a compact JSONPath) and {@link parseJson} (JSON without silent
 *   precision loss).
 *
 * @example
 * import { HttpClient, httpClientOptions, parseJsonResponse } from "faucet-common-http";
 *
 * const client = new HttpClient(httpClientOptions(config, { connector: "source-foo", baseUrl: config.base_url }));
 * const res = await client.request({ url: "/items", query: [["limit", "100"]] });
 * const body = parseJsonResponse(res, "source-foo");
 * await client.close();
 *
 * @packageDocumentation
 */
export type { AgentOptions } from "./agent.js";
export { createAgent } from "./agent.js";
export type { FetchedToken, OAuth2Options, TokenEndpointOptions, TokenPlacement } from "./auth/index.js";
export {
  apiKeyAuth,
  apiKeyQueryAuth,
  basicAuth,
  bearerAuth,
  cachedTokenAuth,
  createAuthProvider,
  customHeadersAuth,
  fetchEndpointToken,
  fetchOAuth2Token,
  noAuth,
  registerAuthSecrets,
} from "./auth/index.js";
export type { BookmarkFormat } from "./bookmark.js";
export { BOOKMARK_FORMATS, BOOKMARK_PLACEHOLDER, formatBookmark, renderBookmark } from "./bookmark.js";
export type { HttpClientOptions, HttpClientStats } from "./client.js";
export { createHttpClient, HttpClient } from "./client.js";
export type { ReplicationMethod } from "./config.js";
export {
  AuthConfig,
  batchSizeField,
  httpResilienceFields,
  jsonPathField,
  replicationMethodField,
  replicationMethodOf,
  TlsConfig,
} from "./config.js";
export type { RequestSite, StatusErrorInput } from "./errors.js";
export { bodyExcerpt, errorCode, gaveUp, headerValue, statusError, tooLongToWait, transportError } from "./errors.js";
export { parseJson, parseJsonResponse } from "./json.js";
export type { JsonPath } from "./json-path.js";
export { compileJsonPath } from "./json-path.js";
export { ConcurrencyLimit, TokenBucket } from "./limits.js";
export type { HttpConnectorConfig } from "./options.js";
export { httpClientOptions, parseHttpConfig } from "./options.js";
export type { HttpRetryOptions } from "./retry.js";
export { DEFAULT_HTTP_RETRY, parseRetryAfter, retryDelayMs } from "./retry.js";
export type {
  AuthProvider,
  AuthTarget,
  HttpRequest,
  HttpResponse,
  QueryPairs,
  ResponseHeaders,
  TokenTransport,
} from "./types.js";

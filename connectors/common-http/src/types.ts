import type { Value } from "faucet-core";

/** Response headers, lower-cased; a repeated header is an array. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Query parameters in order; a key may repeat (`?tag=a&tag=b`). */
export type QueryPairs = Array<[string, string]>;

/** One request, as a connector describes it. */
export interface HttpRequest {
  /** Absolute, or relative to the client's `baseUrl`. */
  url: string;
  /** Default `GET`. */
  method?: string;
  headers?: Record<string, string>;
  /** Appended to the URL's own query string. */
  query?: QueryPairs;
  /** A JSON body (sent with `content-type: application/json`); wins over `body`. */
  json?: Value;
  /** A raw body. */
  body?: string | Uint8Array;
  signal?: AbortSignal | undefined;
  /**
   * Whether failures may be retried. Default true; a sink whose writes are not replay-safe
   * passes false.
   */
  retry?: boolean;
  /** Statuses returned as responses instead of thrown, e.g. `[404]`. */
  tolerate?: readonly number[];
}

/** A complete response: the body is read whole, which is one page for a paging source. */
export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  /** The URL that answered, after redirects. */
  url: string;
  body: Buffer;
  /** The body decoded as UTF-8 (cached). */
  text(): string;
}

/** Where an auth provider puts credentials on a request. */
export interface AuthTarget {
  headers: Record<string, string>;
  query: QueryPairs;
}

/**
 * Puts credentials on requests. Token-based providers fetch and cache their token and may be
 * told that the server refused it.
 */
export interface AuthProvider {
  /** The `auth.type` it implements, e.g. `oauth2`. */
  readonly type: string;
  apply(target: AuthTarget, signal?: AbortSignal): void | Promise<void>;
  /**
   * Forgets a cached token after the server answered 401. Returns true when one retry with a
   * fresh token may succeed; static credentials return false (or do not implement it).
   */
  invalidate?(): boolean;
}

/** How token-based providers send their own requests: without auth, limits or rate limiting. */
export type TokenTransport = (request: HttpRequest) => Promise<HttpResponse>;

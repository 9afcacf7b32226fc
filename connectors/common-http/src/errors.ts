import { FaucetError } from "faucet-core";
import { parseRetryAfter } from "./retry.js";

/** Where an HTTP failure happened: used in every message. */
export interface RequestSite {
  method: string;
  url: string;
  connector: string;
}

const TIMEOUT_CODES = new Set([
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The error code of `error` or of the first error in its `cause` chain that has one. */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps a failure below the HTTP status level (socket, DNS, TLS, parser) to a FaucetError:
 * `timeout`, `connection` or `http`, each with a hint.
 *
 * @example
 * catch (err) { throw transportError(err, { method: "GET", url, connector: "source-rest" }); }
 */
export function transportError(error: unknown, site: RequestSite): FaucetError {
  if (error instanceof FaucetError) return error;
  const code = errorCode(error) ?? "";
  const where = `${site.method} ${site.url}`;
  const text = error instanceof Error ? error.message : String(error);
  const options = { connector: site.connector, cause: error };
  if (TIMEOUT_CODES.has(code)) {
    return new FaucetError("timeout", `${where} timed out (${code})`, {
      ...options,
      hint: "raise `timeout` or check that the server is healthy",
    });
  }
  if (code === "ENOTFOUND") {
    return new FaucetError("connection", `${where}: host not found (${code})`, {
      ...options,
      retryable: false,
      hint: "check the host name in the URL",
    });
  }
  if (CONNECTION_CODES.has(code)) {
    return new FaucetError(
      "connection",
      `${where}: could not connect or the connection dropped: ${withCode(text, code)}`,
      {
        ...options,
        hint: "check that the server is running and reachable from here",
      },
    );
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code)) {
    return new FaucetError("http", `${where}: TLS handshake failed: ${withCode(text, code)}`, {
      ...options,
      retryable: false,
      hint: "set `tls.ca_cert` to trust a private CA, or fix the server certificate",
    });
  }
  return new FaucetError("http", `${where} failed: ${withCode(text, code)}`, {
    ...options,
    retryable: false,
    hint: "the server answered with something that is not valid HTTP; check the URL and port",
  });
}

function withCode(text: string, code: string): string {
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

/** What {@link statusError} needs from a response. */
export interface StatusErrorInput {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

/**
 * Maps an unexpected HTTP status to a FaucetError: 401/403 → `auth`, 429 → `rate_limited`
 * (with `retryAfterMs` from `Retry-After`), 5xx and 408 → retryable `http_status`, other
 * statuses → `http_status`. The message carries a short, redacted excerpt of the body.
 *
 * @example
 * if (res.status >= 400) throw statusError({ status: res.status, headers: res.headers, body }, site);
 */
export function statusError(response: StatusErrorInput, site: RequestSite, now = Date.now()): FaucetError {
  const { status } = response;
  const excerpt = bodyExcerpt(response.body, headerValue(response.headers, "content-type"));
  const message = `${site.method} ${site.url} → HTTP ${status}${STATUS_TEXT[status] ? ` ${STATUS_TEXT[status]}` : ""}${excerpt ? `: ${excerpt}` : ""}`;
  const retryAfterMs = parseRetryAfter(headerValue(response.headers, "retry-after"), now);
  const common = {
    connector: site.connector,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
  if (status === 401 || status === 403) {
    return new FaucetError("auth", message, {
      ...common,
      hint:
        status === 401
          ? "the server refused the credentials; check `auth`"
          : "the credentials lack permission for this resource; check the token's scopes",
    });
  }
  if (status === 429) {
    return new FaucetError("rate_limited", message, {
      ...common,
      hint: "the server is rate limiting; lower `rate_limit` or `concurrency`, or raise `max_retries`",
    });
  }
  if (status >= 500 || status === 408) {
    return new FaucetError("http_status", message, {
      ...common,
      retryable: true,
      hint: "the server failed; it is retried up to `max_retries` times",
    });
  }
  return new FaucetError("http_status", message, {
    ...common,
    retryable: false,
    hint:
      status === 404
        ? "check the URL (base_url and path); list 404 in `tolerated_http_errors` to read it as an empty page"
        : "the server rejected the request; check the URL, query parameters and body",
  });
}

/** One header as a string (the first when repeated). */
export function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const EXCERPT_LENGTH = 200;

/**
 * A one-line excerpt of a response body for error messages: an HTML page's `<title>` (and its
 * first heading), otherwise the first 200 characters with whitespace collapsed.
 *
 * @example
 * bodyExcerpt("<html><title>502 Bad Gateway</title>…", "text/html"); // "HTML page \"502 Bad Gateway\""
 */
export function bodyExcerpt(body: string, contentType?: string): string {
  if (!body) return "";
  const head = body.slice(0, 4096);
  if (/html/i.test(contentType ?? "") || /^\s*<(!doctype|html)/i.test(head)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(head)?.[1]?.trim();
    const heading = /<h1[^>]*>([^<]*)<\/h1>/i.exec(head)?.[1]?.trim();
    const parts = [title, heading && heading !== title ? heading : undefined].filter(Boolean);
    return parts.length ? `HTML page "${parts.join(" — ")}"` : "an HTML page";
  }
  const flat = head.replace(/\s+/g, " ").trim();
  return flat.length > EXCERPT_LENGTH ? `${flat.slice(0, EXCERPT_LENGTH)}…` : flat;
}

/** The last error of a request that was retried, saying how many attempts were made. */
export function gaveUp(error: FaucetError, attempts: number): FaucetError {
  return new FaucetError(error.kind, `${error.detail} (gave up after ${attempts} attempts)`, {
    cause: error,
    retryable: error.retryable,
    ...(error.connector ? { connector: error.connector } : {}),
    ...(error.hint ? { hint: error.hint } : {}),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    // The pipeline reads this and does not retry what the client already retried.
    attempts,
  });
}

/** A `Retry-After` longer than the client waits: fail now, not in an hour. */
export function tooLongToWait(error: FaucetError, maxMs: number): FaucetError {
  return new FaucetError(
    "rate_limited",
    `${error.detail}; the server asked to wait ${Math.round((error.retryAfterMs ?? 0) / 1000)} s, more than the ${Math.round(maxMs / 1000)} s faucet waits`,
    {
      cause: error,
      retryable: false,
      ...(error.connector ? { connector: error.connector } : {}),
      ...(error.status === undefined ? {} : { status: error.status }),
      hint: "run again later, or lower `rate_limit`",
    },
  );
}

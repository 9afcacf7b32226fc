import { compileJsonPath, type JsonPath } from "faucet-common-http";
import { FaucetError, isValueObject, type Value } from "faucet-core";
import type { GraphqlSourceConfig, PaginationConfig } from "./config.js";

const CONNECTOR = "source-graphql";

/** `extensions.code` (or the GitHub-style `type`) values that mean the server is throttling. */
const THROTTLED = new Set(["THROTTLED", "RATE_LIMITED", "RATE_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS"]);
/** Codes that mean the credentials were refused. */
const REFUSED = new Set(["UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN", "ACCESS_DENIED"]);
/** Codes that mean the query or its variables are wrong. */
const REQUEST_INVALID = new Set(["BAD_REQUEST", "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"]);

/** The most error messages quoted in one failure. */
const QUOTED = 3;

/**
 * Turns the `errors` of a GraphQL response into one FaucetError, or returns undefined when there
 * are none. The kind is decided from typed fields, never from message text: a throttling
 * `extensions.code` (or `type`) → retryable `rate_limited`; `UNAUTHENTICATED` / `FORBIDDEN` →
 * `auth`; a request error (no `data` at all, which the spec reserves for errors raised before
 * execution — a parse, validation or variable error — or a `BAD_USER_INPUT`-style code) →
 * `config`; anything else (field errors beside `data`) → `source`. The message quotes the first
 * errors with their paths.
 *
 * @example
 * graphqlError({ errors: [{ message: "Cannot query field \"nme\" on type \"User\"." }] }, url);
 * // FaucetError kind config: GraphQL request to … failed: Cannot query field "nme" on type "User".
 */
export function graphqlError(body: Value, endpoint: string, retryAfterMs?: number): FaucetError | undefined {
  if (!isValueObject(body) || !Array.isArray(body.errors) || body.errors.length === 0) return undefined;
  const errors = body.errors;
  const codes = errors.map(codeOf);
  const messages = errors.slice(0, QUOTED).map(describeError);
  const more = errors.length > QUOTED ? ` (and ${errors.length - QUOTED} more)` : "";
  const text = `${messages.join("; ")}${more}`;
  if (codes.some((c) => THROTTLED.has(c))) {
    return new FaucetError("rate_limited", `${endpoint} is throttling: ${text}`, {
      connector: CONNECTOR,
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      hint: "lower `rate_limit` or `batch_size` (query cost), or raise `max_retries`",
    });
  }
  if (codes.some((c) => REFUSED.has(c))) {
    return new FaucetError("auth", `${endpoint} refused the credentials: ${text}`, {
      connector: CONNECTOR,
      hint: "check `auth` and the token's scopes",
    });
  }
  if (!("data" in body) || codes.some((c) => REQUEST_INVALID.has(c))) {
    return new FaucetError("config", `the GraphQL request to ${endpoint} was rejected: ${text}`, {
      connector: CONNECTOR,
      hint: "check `query` and `variables` against the server's schema (pagination variables are declared in the query?)",
    });
  }
  return new FaucetError("source", `the GraphQL query at ${endpoint} returned errors: ${text}`, {
    connector: CONNECTOR,
    hint: "the server answered with field errors; a partial response is never read as complete",
  });
}

function codeOf(error: Value): string {
  if (!isValueObject(error)) return "";
  const extensions = error.extensions;
  const code = isValueObject(extensions) ? extensions.code : undefined;
  if (typeof code === "string") return code.toUpperCase();
  return typeof error.type === "string" ? error.type.toUpperCase() : "";
}

function describeError(error: Value): string {
  if (!isValueObject(error)) return JSON.stringify(error);
  const message = typeof error.message === "string" ? error.message : JSON.stringify(error);
  const path = Array.isArray(error.path) ? ` (at ${error.path.join(".")})` : "";
  return `${message}${path}`;
}

/** Reads the records of a response: `records_path`, or `data` as one record. */
export type RecordExtractor = (body: Value) => Value[];

/** Compiles `records_path` once. */
export function createExtractor(config: GraphqlSourceConfig): RecordExtractor {
  if (config.records_path === undefined) {
    return (body) => {
      const data = isValueObject(body) ? body.data : undefined;
      return data === undefined || data === null ? [] : [data];
    };
  }
  const path = compileJsonPath(config.records_path);
  return (body) => {
    const found = path.query(body);
    // `$.data.users.nodes` selects one array: its elements are the records.
    if (!path.multiple && found.length === 1 && Array.isArray(found[0])) return found[0];
    return found.filter((record) => record !== null);
  };
}

/** What the paginator decides after a response. */
export type NextPage =
  | { done: false; cursor?: string; offset?: number; warning?: string }
  | {
      done: true;
      /** Set when a guard, not the server, ended the run: logged as a warning. */
      warning?: string;
    };

/** A small state machine per run: reads each response and says what the next request is. */
export interface Paginator {
  next(body: Value, recordCount: number): NextPage;
}

/**
 * The paginator of `pagination`. Cursor: `hasNextPage` false ends the run; true needs a new
 * cursor (a missing or repeated one ends it with a warning); a `hasNextPage` that does not
 * resolve to a boolean defers to the cursor's presence, once with a warning. Offset: advances by
 * `page_size` until a short (or, without `stop_when_short`, an empty) page.
 */
export function createPaginator(pagination: PaginationConfig | undefined): Paginator {
  if (!pagination) return { next: () => ({ done: true }) };
  if (pagination.type === "offset") {
    let offset = 0;
    return {
      next(_body, count) {
        const more = pagination.stop_when_short ? count >= pagination.page_size : count > 0;
        if (!more) return { done: true };
        offset += pagination.page_size;
        return { done: false, offset };
      },
    };
  }
  const hasNext: JsonPath = compileJsonPath(pagination.has_next_page_path);
  const cursorAt: JsonPath = compileJsonPath(pagination.cursor_path);
  const seen = new Set<string>();
  let warnedUnresolved = false;
  return {
    next(body) {
      const flag = hasNext.first(body);
      if (flag === false) return { done: true };
      const raw = cursorAt.first(body);
      const cursor = raw === undefined || raw === null || raw === "" ? undefined : String(raw);
      if (cursor === undefined) {
        return flag === true
          ? { done: true, warning: `pagination stopped: hasNextPage is true but ${pagination.cursor_path} is empty` }
          : { done: true };
      }
      let warning: string | undefined;
      if (flag !== true && !warnedUnresolved) {
        warnedUnresolved = true;
        warning = `${pagination.has_next_page_path} is not a boolean; following the cursor while there is one`;
      }
      if (seen.has(cursor)) {
        return { done: true, warning: `pagination stopped: the server returned cursor ${cursor} a second time` };
      }
      seen.add(cursor);
      if (seen.size > 1024) seen.delete(seen.values().next().value as string);
      return warning ? { done: false, cursor, warning } : { done: false, cursor };
    },
  };
}

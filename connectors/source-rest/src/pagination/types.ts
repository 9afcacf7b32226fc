import type { QueryPairs, ResponseHeaders } from "faucet-common-http";
import type { Value } from "faucet-core";

/** What the next request changes, relative to the configured one. */
export interface PagePatch {
  /** Absolute URL of the next page (link header, next link): replaces path and query. */
  url?: string;
  /** Query parameters set on the request, replacing any configured ones of the same name. */
  query?: QueryPairs;
  /** Request-body fields set: a top-level name or a JSON Pointer, and the value. */
  body?: Array<{ field: string; value: Value }>;
}

/** What a paginator sees of one response. */
export interface PageSeen {
  /** The parsed JSON body (undefined for jsonl and csv). */
  body: Value | undefined;
  /** The raw body, for the repeated-page guard. */
  text: string;
  headers: ResponseHeaders;
  /** Records in this response, before incremental filtering. */
  recordCount: number;
  /** The URL that answered; relative next links resolve against it. */
  url: string;
}

/** Either the next request, or the end of the partition (with a warning when a guard fired). */
export type NextStep =
  | { done: false; patch: PagePatch }
  | {
      done: true;
      /** Set when a loop guard ended the run: logged as a warning. */
      warning?: string;
      /** The page just seen repeats the previous one: drop its records. */
      duplicate?: boolean;
    };

/**
 * One pagination strategy, as a small state machine with no I/O: `first()` says how the first
 * request differs from the configured one, `next(page)` reads a response and says what comes
 * next. A new paginator is made for every partition.
 */
export interface Paginator {
  first(): PagePatch;
  next(page: PageSeen): NextStep;
}

export const DONE: NextStep = { done: true };

import type { QueryPairs } from "faucet-common-http";
import { RepeatGuard } from "./guards.js";
import { DONE, type NextStep, type PageSeen, type Paginator } from "./types.js";

/** The `page_number` options. */
export interface PageNumberOptions {
  param_name: string;
  start_page: number;
  page_size?: number | undefined;
  page_size_param?: string | undefined;
}

/**
 * Page-number pagination: `?page=1`, `?page=2`, … until a page is empty. An API that answers
 * every page past the end with its last page again (many do) is caught by the repeated-page
 * guard: the repeat is dropped and the run ends with a warning. A short page does not end the
 * run, because servers cap page sizes below what was asked.
 */
export function pageNumberPaginator(options: PageNumberOptions): Paginator {
  let page = options.start_page;
  const guard = new RepeatGuard();
  const query = (): QueryPairs => {
    const pairs: QueryPairs = [[options.param_name, String(page)]];
    if (options.page_size !== undefined && options.page_size_param) {
      pairs.push([options.page_size_param, String(options.page_size)]);
    }
    return pairs;
  };
  return {
    first: () => ({ query: query() }),
    next(seen: PageSeen): NextStep {
      if (seen.recordCount === 0) return DONE;
      if (guard.repeats(seen.text)) {
        return {
          done: true,
          duplicate: true,
          warning: `pagination stopped: page ${page} repeated the previous page (dropped)`,
        };
      }
      page += 1;
      return { done: false, patch: { query: query() } };
    },
  };
}

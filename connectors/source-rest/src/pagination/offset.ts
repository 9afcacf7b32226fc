import { compileJsonPath } from "faucet-common-http";
import { RepeatGuard } from "./guards.js";
import { DONE, type NextStep, type PageSeen, type Paginator } from "./types.js";

/** The `offset` options. */
export interface OffsetOptions {
  offset_param: string;
  limit_param: string;
  limit: number;
  total_path?: string | undefined;
}

/**
 * Offset/limit pagination: `?offset=0&limit=100`, then `offset=100`, … advancing by the
 * records each page really held. With `total_path` it stops when the offset reaches the total
 * (a short page then just means the server capped the page); without it, at the first short
 * page. An empty page always stops, and a server that ignores the offset and repeats the same
 * full page is caught by the repeated-page guard.
 */
export function offsetPaginator(options: OffsetOptions): Paginator {
  const totalPath = options.total_path === undefined ? undefined : compileJsonPath(options.total_path);
  const guard = new RepeatGuard();
  let offset = 0;
  const patch = () => ({
    query: [
      [options.offset_param, String(offset)],
      [options.limit_param, String(options.limit)],
    ] as Array<[string, string]>,
  });
  return {
    first: patch,
    next(page: PageSeen): NextStep {
      if (page.recordCount === 0) return DONE;
      const total = totalPath && page.body !== undefined ? Number(totalPath.first(page.body)) : Number.NaN;
      if (!Number.isFinite(total) && guard.repeats(page.text)) {
        return {
          done: true,
          duplicate: true,
          warning: `pagination stopped: offset ${offset} returned the same page as the previous one (dropped)`,
        };
      }
      offset += page.recordCount;
      if (Number.isFinite(total) ? offset >= total : page.recordCount < options.limit) return DONE;
      return { done: false, patch: patch() };
    },
  };
}

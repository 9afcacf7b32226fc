import { compileJsonPath } from "faucet-common-http";
import { SeenSet, tokenText } from "./guards.js";
import { DONE, type NextStep, type PagePatch, type PageSeen, type Paginator } from "./types.js";

/** Options shared by `cursor` and `cursor_in_body`. */
export interface CursorOptions {
  next_token_path: string;
  has_more_path?: string | undefined;
}

/**
 * Cursor pagination: the next-page token is read from the body and sent back, as a query
 * parameter (`cursor`) or a body field (`cursor_in_body`). Ends when the token is missing,
 * null or empty, when `has_more_path` says false, or — with a warning — when a token repeats.
 */
export function cursorPaginator(options: CursorOptions, place: (token: string) => PagePatch): Paginator {
  const tokenPath = compileJsonPath(options.next_token_path);
  const hasMorePath = options.has_more_path === undefined ? undefined : compileJsonPath(options.has_more_path);
  const seen = new SeenSet();
  return {
    first: () => ({}),
    next(page: PageSeen): NextStep {
      if (page.body === undefined) return DONE;
      if (hasMorePath && !hasMorePath.first(page.body)) return DONE;
      const token = tokenText(tokenPath.first(page.body));
      if (token === undefined) return DONE;
      if (!seen.add(token)) {
        return { done: true, warning: `pagination stopped: the server returned cursor ${token} a second time` };
      }
      return { done: false, patch: place(token) };
    },
  };
}

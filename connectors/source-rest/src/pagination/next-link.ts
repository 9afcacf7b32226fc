import { compileJsonPath } from "faucet-common-http";
import { SeenSet } from "./guards.js";
import { DONE, type NextStep, type PageSeen, type Paginator } from "./types.js";

/**
 * Next-link-in-body pagination: the body carries the next page's URL (absolute, or relative to
 * the page that carried it). Ends when it is missing, null or empty; a link already followed
 * ends the run with a warning.
 */
export function nextLinkPaginator(options: { next_link_path: string }): Paginator {
  const path = compileJsonPath(options.next_link_path);
  const seen = new SeenSet();
  return {
    first: () => ({}),
    next(page: PageSeen): NextStep {
      if (page.body === undefined) return DONE;
      const link = path.first(page.body);
      if (typeof link !== "string" || link.trim() === "") return DONE;
      const url = new URL(link, page.url).href;
      if (!seen.add(url)) {
        return { done: true, warning: `pagination stopped: the next link pointed back to ${url}` };
      }
      return { done: false, patch: { url } };
    },
  };
}

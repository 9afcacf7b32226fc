import type { PaginationConfig } from "../config.js";
import { cursorPaginator } from "./cursor.js";
import { linkHeaderPaginator } from "./link-header.js";
import { nextLinkPaginator } from "./next-link.js";
import { offsetPaginator } from "./offset.js";
import { pageNumberPaginator } from "./page-number.js";
import { DONE, type Paginator } from "./types.js";

export { nextLink } from "./link-header.js";
export type { NextStep, PagePatch, PageSeen, Paginator } from "./types.js";

/**
 * A fresh paginator for one partition. Every strategy ends on its own signal and has a loop
 * guard; `max_pages` is applied by the caller.
 *
 * @example
 * const paginator = createPaginator({ type: "link_header" });
 */
export function createPaginator(config: PaginationConfig): Paginator {
  switch (config.type) {
    case "none":
      return { first: () => ({}), next: () => DONE };
    case "cursor":
      return cursorPaginator(config, (token) => ({ query: [[config.param_name, token]] }));
    case "cursor_in_body":
      return cursorPaginator(config, (token) => ({ body: [{ field: config.body_cursor_field, value: token }] }));
    case "link_header":
      return linkHeaderPaginator();
    case "next_link_in_body":
      return nextLinkPaginator(config);
    case "page_number":
      return pageNumberPaginator(config);
    case "offset":
      return offsetPaginator(config);
  }
}

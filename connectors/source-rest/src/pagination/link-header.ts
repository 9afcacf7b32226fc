import { SeenSet } from "./guards.js";
import { DONE, type NextStep, type PageSeen, type Paginator } from "./types.js";

/**
 * Link-header pagination (RFC 8288, as GitHub does it): follow the `rel="next"` link until a
 * response has none. A link already followed ends the run with a warning.
 */
export function linkHeaderPaginator(): Paginator {
  const seen = new SeenSet();
  return {
    first: () => ({}),
    next(page: PageSeen): NextStep {
      const header = page.headers.link;
      const next = nextLink(Array.isArray(header) ? header.join(", ") : header);
      if (next === undefined) return DONE;
      const url = new URL(next, page.url).href;
      if (!seen.add(url)) {
        return { done: true, warning: `pagination stopped: the Link header pointed back to ${url}` };
      }
      return { done: false, patch: { url } };
    },
  };
}

/**
 * The target of the first link whose `rel` includes `next`, from a `Link` header value.
 *
 * @example
 * nextLink('<https://api.github.com/x?page=2>; rel="next", <…?page=9>; rel="last"'); // "https://api.github.com/x?page=2"
 */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const link of splitLinks(header)) {
    const target = /^\s*<([^>]*)>/.exec(link);
    if (!target) continue;
    const params = link.slice(target[0].length);
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next")) return target[1];
  }
  return undefined;
}

/** Splits a Link header at the commas between links (not those inside `<…>` or quotes). */
function splitLinks(header: string): string[] {
  const links: string[] = [];
  let inTarget = false;
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < header.length; i++) {
    const c = header[i];
    if (c === '"' && !inTarget) inQuote = !inQuote;
    else if (c === "<" && !inQuote) inTarget = true;
    else if (c === ">" && !inQuote) inTarget = false;
    else if (c === "," && !inTarget && !inQuote) {
      links.push(header.slice(start, i));
      start = i + 1;
    }
  }
  links.push(header.slice(start));
  return links;
}

import type { ServerResponse } from "node:http";
import { RestSource, type RestSourceConfigInput } from "faucet-source-rest";
import { vi } from "vitest";
import { captureLogger, closedAfterEach, type Handler, readPages, sendJson } from "../../common-http/test/server.js";

export * from "../../common-http/test/server.js";

/** One record of the fake APIs: ids from 1, a name and an ISO timestamp that grows with the id. */
export interface Item {
  id: number;
  name: string;
  updated_at: string;
}

export function items(count: number, from = 1): Item[] {
  return Array.from({ length: count }, (_, i) => item(from + i));
}

export function item(id: number): Item {
  return { id, name: `item ${id}`, updated_at: new Date(Date.UTC(2024, 0, 1) + id * 60_000).toISOString() };
}

// Every test here ends in seconds; a bound well below the global one turns a hang into a failure fast.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 20_000 });

const closing = closedAfterEach();

/** Starts a loopback server closed after the test. */
export const serve = closing.serve;

/** A REST source closed after the test, with a capturing logger and fast retries by default. */
export function source(
  config: RestSourceConfigInput,
  logger = captureLogger(),
): RestSource & { logger: typeof logger } {
  const s = new RestSource({ retry_backoff: 0.005, ...config }, { logger }) as RestSource & { logger: typeof logger };
  s.logger = logger;
  return closing.track(s);
}

/** Reads every page of a source: the records and the pages' bookmarks. */
export function readAll(s: RestSource, signal?: AbortSignal) {
  return readPages(s, signal ? { signal } : {}, signal);
}

const GITHUB_MAX_PER_PAGE = 100;

/**
 * GitHub-shaped: `GET /repos/{owner}/{repo}/issues?per_page=&page=`, a JSON array per page,
 * absolute `Link` URLs with `next` and `last`, `per_page` capped at 100, Bearer auth required.
 */
export function githubLike(data: Record<string, Item[]>, token = "gh-token"): Handler {
  return (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, 401, { message: "Bad credentials" });
    const match = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(req.path);
    const all = match ? data[`${match[1]}/${match[2]}`] : undefined;
    if (!all) return sendJson(res, 404, { message: "Not Found" });
    const perPage = Math.min(GITHUB_MAX_PER_PAGE, Number(req.query.get("per_page") ?? 30));
    const page = Number(req.query.get("page") ?? 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number) => {
      const q = new URLSearchParams(req.query);
      q.set("page", String(p));
      return `<http://${req.headers.host}${req.path}?${q}>`;
    };
    const links = [];
    if (page < last) links.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
    if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
    sendJson(res, 200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(", ") } : {});
  };
}

/** Stripe-shaped: `GET /v1/charges?limit=&starting_after=` → `{object: "list", data, has_more}`. */
export function stripeLike(all: Item[]): Handler {
  return (req, res) => {
    const limit = Number(req.query.get("limit") ?? 10);
    const after = req.query.get("starting_after");
    const start = after === null ? 0 : all.findIndex((i) => String(i.id) === after) + 1;
    const data = all.slice(start, start + limit);
    sendJson(res, 200, { object: "list", url: "/v1/charges", data, has_more: start + limit < all.length });
  };
}

/** Offset/limit with a total: `GET /items?offset=&limit=` → `{items, total}`; `cap` limits pages. */
export function offsetTotal(all: Item[], cap = Number.POSITIVE_INFINITY): Handler {
  return (req, res) => {
    const offset = Number(req.query.get("offset") ?? 0);
    const limit = Math.min(cap, Number(req.query.get("limit") ?? 10));
    sendJson(res, 200, { items: all.slice(offset, offset + limit), total: all.length });
  };
}

/** Page numbers that repeat the last page forever: `?page=n` past the end answers the last page. */
export function repeatsLastPage(all: Item[], size: number): Handler {
  return (req, res) => {
    const last = Math.ceil(all.length / size);
    const page = Math.min(last, Number(req.query.get("page") ?? 1));
    sendJson(res, 200, { page, results: all.slice((page - 1) * size, page * size) });
  };
}

/** Waits `ms` then answers. */
export function delayed(ms: number, handler: Handler): Handler {
  return async (req, res: ServerResponse) => {
    await new Promise((r) => setTimeout(r, ms));
    await handler(req, res);
  };
}

/** Ids of the records read, for exact comparisons. */
export function ids(records: unknown[]): number[] {
  return records.map((r) => (r as Item).id);
}

/** 1…n. */
export function range(n: number, from = 1): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

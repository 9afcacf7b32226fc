import { nextLink } from "faucet-source-rest";
import { describe, expect, it } from "vitest";
import {
  githubLike,
  ids,
  items,
  offsetTotal,
  range,
  readAll,
  repeatsLastPage,
  sendJson,
  serve,
  source,
  stripeLike,
} from "./apis.js";

describe("GitHub-like API: Link header, per_page", () => {
  it.each(["link_header", "LinkHeader"])("follows rel=next to the end (%s)", async (type) => {
    const server = await serve(githubLike({ "nodejs/undici": items(250) }));
    const s = source({
      base_url: server.url,
      path: "/repos/{owner}/{repo}/issues",
      query_params: { per_page: 100, state: "all" },
      auth: { type: "bearer", config: { token: "gh-token" } },
      pagination: { type: type as "link_header" },
      partitions: [{ owner: "nodejs", repo: "undici" }],
    });
    const { records, pages } = await readAll(s);
    expect(ids(records)).toEqual(range(250));
    expect(records[0]).toEqual(items(1)[0]);
    expect(pages).toBe(3);
    expect(server.requests.map((r) => r.query.get("page"))).toEqual([null, "2", "3"]);
    expect(server.requests.every((r) => r.query.get("per_page") === "100" && r.query.get("state") === "all")).toBe(
      true,
    );
    expect(s.logger.warnings()).toEqual([]);
  });

  it("keeps reading when the server caps per_page below what was asked", async () => {
    const server = await serve(githubLike({ "a/b": items(230) }));
    const s = source({
      base_url: server.url,
      path: "/repos/a/b/issues",
      query_params: { per_page: 500 },
      auth: { type: "bearer", config: { token: "gh-token" } },
      pagination: { type: "link_header" },
    });
    expect(ids((await readAll(s)).records)).toEqual(range(230));
  });

  it("a Link header that points back to a page already read ends the run with a warning", async () => {
    const server = await serve((req, res) =>
      sendJson(res, 200, items(2, Number(req.query.get("page") ?? 1) * 10), {
        link: `<${server.url}/loop?page=${req.query.get("page") === "2" ? 1 : 2}>; rel="next"`,
      }),
    );
    const s = source({ base_url: server.url, path: "/loop", pagination: { type: "link_header" } });
    const { records } = await readAll(s);
    expect(ids(records)).toEqual([10, 11, 20, 21, 10, 11]);
    expect(server.requests).toHaveLength(3);
    expect(s.logger.warnings().join()).toContain("pointed back to");
  });

  it("nextLink parses RFC 8288 headers", () => {
    expect(nextLink('<https://x/a?p=2>; rel="next", <https://x/a?p=9>; rel="last"')).toBe("https://x/a?p=2");
    expect(nextLink('<https://x/a?p=1>; rel="prev first", <https://x/a?p=3>; rel="next last"')).toBe("https://x/a?p=3");
    expect(nextLink('<https://x/a,b?p=2>; title="a, b"; rel=next')).toBe("https://x/a,b?p=2");
    expect(nextLink('<https://x/a?p=9>; rel="last"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});

describe("Stripe-like API: starting_after / has_more", () => {
  const charges = items(95);

  it("stops on has_more: false without asking for an empty page", async () => {
    const server = await serve(stripeLike(charges));
    const s = source({
      base_url: `${server.url}/v1`,
      path: "/charges",
      query_params: { limit: 20 },
      records_path: "$.data",
      pagination: {
        type: "Cursor",
        next_token_path: "$.data[-1].id",
        param_name: "starting_after",
        has_more_path: "$.has_more",
      },
    });
    const { records, pages } = await readAll(s);
    expect(records).toEqual(charges);
    expect(pages).toBe(5);
    expect(server.requests.map((r) => r.query.get("starting_after"))).toEqual([null, "20", "40", "60", "80"]);
    expect(server.requests.every((r) => r.path === "/v1/charges")).toBe(true);
  });

  it("without has_more_path, ends on the empty page after the last", async () => {
    const server = await serve(stripeLike(charges));
    const s = source({
      base_url: `${server.url}/v1`,
      path: "charges",
      query_params: { limit: 50 },
      records_path: "$.data[*]",
      pagination: { type: "cursor", next_token_path: "$.data[-1].id", param_name: "starting_after" },
    });
    expect(ids((await readAll(s)).records)).toEqual(range(95));
    expect(server.requests).toHaveLength(3);
  });

  it("a cursor the server repeats ends the run with a warning instead of looping", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { data: items(3), next: "same" }));
    const s = source({
      base_url: server.url,
      records_path: "$.data",
      pagination: { type: "cursor", next_token_path: "$.next", param_name: "cursor" },
    });
    const { records } = await readAll(s);
    expect(records).toHaveLength(6);
    expect(server.requests).toHaveLength(2);
    expect(s.logger.warnings().join()).toContain("cursor same a second time");
  });
});

describe("offset / total API", () => {
  const all = items(95);

  it("stops when the offset reaches the total", async () => {
    const server = await serve(offsetTotal(all));
    const s = source({
      base_url: server.url,
      path: "/items",
      records_path: "$.items",
      pagination: { type: "Offset", offset_param: "offset", limit_param: "limit", limit: 20, total_path: "$.total" },
    });
    expect((await readAll(s)).records).toEqual(all);
    expect(server.requests.map((r) => r.query.get("offset"))).toEqual(["0", "20", "40", "60", "80"]);
  });

  it("with a total, a page capped below the limit does not end the run", async () => {
    const server = await serve(offsetTotal(all, 10));
    const s = source({
      base_url: server.url,
      path: "/items",
      records_path: "$.items",
      pagination: { type: "offset", limit: 20, total_path: "$.total" },
    });
    expect(ids((await readAll(s)).records)).toEqual(range(95));
    expect(server.requests).toHaveLength(10);
  });

  it("without a total, stops at the first short page", async () => {
    const server = await serve(offsetTotal(all));
    const s = source({
      base_url: server.url,
      path: "/items",
      records_path: "$.items",
      pagination: { type: "offset", limit: 25 },
    });
    expect(ids((await readAll(s)).records)).toEqual(range(95));
    expect(server.requests).toHaveLength(4);
  });

  it("a server that ignores the offset is caught by the repeated-page guard", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { items: items(10) }));
    const s = source({ base_url: server.url, records_path: "$.items", pagination: { type: "offset", limit: 10 } });
    const { records } = await readAll(s);
    expect(ids(records)).toEqual(range(10));
    expect(server.requests).toHaveLength(2);
    expect(s.logger.warnings().join()).toContain("same page");
  });
});

describe("page-number API that repeats its last page forever", () => {
  it.each(["page_number", "PageNumber"])("reads every record once and stops (%s)", async (type) => {
    const all = items(45);
    const server = await serve(repeatsLastPage(all, 10));
    const s = source({
      base_url: server.url,
      path: "/things",
      records_path: "$.results",
      pagination: {
        type: type as "page_number",
        param_name: "page",
        start_page: 1,
        page_size: 10,
        page_size_param: "size",
      },
    });
    const { records } = await readAll(s);
    expect(records).toEqual(all);
    expect(server.requests.map((r) => r.query.get("page"))).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(server.requests.every((r) => r.query.get("size") === "10")).toBe(true);
    expect(s.logger.warnings().join()).toContain("page 6 repeated the previous page");
  });

  it("stops on an empty page", async () => {
    const all = items(30);
    const server = await serve((req, res) => {
      const page = Number(req.query.get("p"));
      sendJson(res, 200, all.slice(page * 10, page * 10 + 10));
    });
    const s = source({ base_url: server.url, pagination: { type: "page_number", param_name: "p", start_page: 0 } });
    expect(ids((await readAll(s)).records)).toEqual(range(30));
    expect(server.requests).toHaveLength(4);
    expect(s.logger.warnings()).toEqual([]);
  });
});

describe("cursor_in_body and next_link_in_body", () => {
  it("POST search: the cursor goes into the body, at a JSON Pointer", async () => {
    const all = items(7);
    const server = await serve((req, res) => {
      const body = JSON.parse(req.body) as { query: { status: string }; page: { after?: string } };
      const start = body.page.after ? Number(body.page.after) : 0;
      const data = all.slice(start, start + 3);
      sendJson(res, 200, {
        results: data,
        paging: start + 3 < all.length ? { next: { after: String(start + 3) } } : {},
      });
    });
    const s = source({
      base_url: server.url,
      path: "/search",
      method: "post",
      body: { query: { status: "open" }, page: {} },
      records_path: "$.results",
      pagination: { type: "CursorInBody", next_token_path: "$.paging.next.after", body_cursor_field: "/page/after" },
    });
    expect((await readAll(s)).records).toEqual(all);
    expect(server.requests.map((r) => JSON.parse(r.body))).toEqual([
      { query: { status: "open" }, page: {} },
      { query: { status: "open" }, page: { after: "3" } },
      { query: { status: "open" }, page: { after: "6" } },
    ]);
  });

  it("follows a relative next link from the body", async () => {
    const server = await serve((req, res) => {
      const page = Number(req.query.get("page") ?? 1);
      sendJson(res, 200, {
        value: items(2, page * 2 - 1),
        "@odata.nextLink": page < 3 ? `/odata/items?page=${page + 1}` : null,
      });
    });
    const s = source({
      base_url: server.url,
      path: "/odata/items",
      query_params: { $top: 2 },
      records_path: "$.value[*]",
      pagination: { type: "NextLinkInBody", next_link_path: "$['@odata.nextLink']" },
    });
    expect(ids((await readAll(s)).records)).toEqual(range(6));
    expect(server.requests.map((r) => r.query.toString())).toEqual(["%24top=2", "page=2", "page=3"]);
  });
});

describe("max_pages, request_delay and records_path", () => {
  it("request_delay spaces the pages of a partition", async () => {
    const server = await serve(repeatsLastPage(items(30), 10));
    const s = source({
      base_url: server.url,
      records_path: "$.results",
      request_delay: 0.05,
      pagination: { type: "page_number" },
    });
    expect(ids((await readAll(s)).records)).toEqual(range(30));
    const times = server.requests.map((r) => r.at);
    for (let i = 1; i < times.length; i++)
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(48);
  });

  it("max_pages stops early and says more pages remain; no cap by default", async () => {
    const server = await serve(repeatsLastPage(items(100), 10));
    const capped = source({
      base_url: server.url,
      records_path: "$.results",
      max_pages: 3,
      pagination: { type: "page_number" },
    });
    expect(ids((await readAll(capped)).records)).toEqual(range(30));
    expect(capped.logger.warnings().join()).toContain("max_pages (3)");
    const uncapped = source({ base_url: server.url, records_path: "$.results", pagination: { type: "page_number" } });
    expect(ids((await readAll(uncapped)).records)).toEqual(range(100));
  });

  it("records_path selects nested records; a single object body is one record", async () => {
    const server = await serve((req, res) =>
      req.path === "/one"
        ? sendJson(res, 200, { id: 1 })
        : sendJson(res, 200, { a: { b: [{ c: { id: 1 } }, { c: { id: 2 } }] } }),
    );
    expect(
      (await readAll(source({ base_url: server.url, path: "/nested", records_path: "$.a.b[*].c" }))).records,
    ).toEqual([{ id: 1 }, { id: 2 }]);
    expect((await readAll(source({ base_url: server.url, path: "/one" }))).records).toEqual([{ id: 1 }]);
    expect(
      (await readAll(source({ base_url: server.url, path: "/nested", records_path: "$.missing[*]" }))).records,
    ).toEqual([]);
  });
});

import { MemoryStateStore, Pipeline, type Value } from "faucet-core";
import { formatBookmark } from "faucet-source-rest";
import { describe, expect, it } from "vitest";
import {
  delayed,
  type Item,
  ids,
  item,
  items,
  memorySink,
  range,
  readAll,
  rejection,
  sendJson,
  serve,
  source,
} from "./apis.js";

/** An API over a growing list that filters on `?since=` (ISO) when given: server-side incremental. */
function sinceApi(data: Item[], options: { honourSince?: boolean } = {}) {
  return (req: { query: URLSearchParams }, res: Parameters<typeof sendJson>[0]) => {
    const since = req.query.get("since");
    const rows = since && options.honourSince !== false ? data.filter((r) => r.updated_at > since) : data;
    const page = Number(req.query.get("page") ?? 1);
    sendJson(res, 200, rows.slice((page - 1) * 10, page * 10));
  };
}

describe("incremental: replication_key, bookmarks, start_replication_value", () => {
  it("drops records not newer than start_replication_value; each page's bookmark is the max so far", async () => {
    const server = await serve(sinceApi(items(25)));
    const s = source({
      base_url: server.url,
      replication_key: "updated_at",
      start_replication_value: item(12).updated_at,
      pagination: { type: "page_number" },
    });
    const { records, bookmarks } = await readAll(s);
    expect(ids(records)).toEqual(range(13, 13));
    expect(bookmarks).toEqual([item(20).updated_at, item(25).updated_at]);
    expect(s.capabilities()).toEqual({ incremental: true, deterministicReplay: false, discover: false });
  });

  it("a second run resumes from the stored bookmark, binding it as a query parameter", async () => {
    const data = items(25);
    const server = await serve(sinceApi(data));
    const config = {
      base_url: server.url,
      replication_key: "updated_at",
      state_key: "items",
      replication_bind: { into: "query" as const, name: "since", format: "iso8601" as const },
      pagination: { type: "page_number" as const },
    };
    const state = new MemoryStateStore();
    const first = memorySink();
    await new Pipeline(source(config), first, { stateStore: state }).run();
    expect(ids(first.rows)).toEqual(range(25));
    expect(await state.get("items")).toBe(item(25).updated_at);
    expect(server.requests.every((r) => !r.query.has("since"))).toBe(true);

    data.push(...items(7, 26));
    server.requests.length = 0;
    const second = memorySink();
    await new Pipeline(source(config), second, { stateStore: state }).run();
    expect(ids(second.rows)).toEqual(range(7, 26));
    expect(await state.get("items")).toBe(item(32).updated_at);
    expect(server.requests[0]?.query.get("since")).toBe("2024-01-01T00:25:00Z");
  });

  it("records not newer than the bookmark are dropped client-side when the server ignores the filter", async () => {
    const server = await serve(sinceApi(items(30), { honourSince: false }));
    const s = source({
      base_url: server.url,
      replication_key: "id",
      replication_bind: { name: "since" },
      pagination: { type: "page_number" },
    });
    s.applyStartBookmark(22);
    expect(ids((await readAll(s)).records)).toEqual(range(8, 23));
    expect(server.requests[0]?.query.get("since")).toBe("22");
  });

  it("binds into a header, a body field (as a number, at a JSON Pointer) and the path", async () => {
    const server = await serve((req, res) =>
      sendJson(res, 200, [{ id: 4e9, headers: req.headers, body: req.body, path: req.path }]),
    );
    const header = source({
      base_url: server.url,
      path: "/h",
      replication_key: "id",
      replication_bind: { into: "header", name: "If-Modified-Since", format: "iso8601" },
    });
    header.applyStartBookmark("2024-05-01T10:00:00+02:00");
    const [h] = (await readAll(header)).records as Array<{ headers: Record<string, string> }>;
    expect(h?.headers["if-modified-since"]).toBe("2024-05-01T08:00:00Z");

    const body = source({
      base_url: server.url,
      path: "/b",
      method: "POST",
      body: { filter: { field: "updated", gte: null }, size: 100 },
      replication_key: "id",
      replication_bind: { into: "body", path: "/filter/gte", value_type: "number", format: "epoch_ms" },
    });
    body.applyStartBookmark("2024-05-01T00:00:00Z");
    const [b] = (await readAll(body)).records as Array<{ body: string }>;
    expect(JSON.parse(b?.body ?? "")).toEqual({ filter: { field: "updated", gte: 1714521600000 }, size: 100 });

    const path = source({
      base_url: server.url,
      path: "/changes/since/{since}",
      replication_key: "id",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder
      replication_bind: { into: "path", name: "since", format: "date", template: "d-${bookmark}" },
    });
    path.applyStartBookmark(1714521600);
    const [p] = (await readAll(path)).records as Array<{ path: string }>;
    expect(p?.path).toBe("/changes/since/d-2024-05-01");
  });

  it("formatBookmark converts between instants and epochs", () => {
    expect(formatBookmark("2024-05-01", "epoch_s")).toBe("1714521600");
    expect(formatBookmark(1714521600, "iso8601")).toBe("2024-05-01T00:00:00Z");
    expect(formatBookmark("2024-05-01T12:30:00.250Z", "epoch_ms")).toBe("1714566600250");
    expect(formatBookmark("2024-05-01T23:30:00", "date")).toBe("2024-05-01");
    expect(formatBookmark(42, "raw")).toBe("42");
    expect(() => formatBookmark("yesterday", "iso8601")).toThrow(/cannot read the bookmark/);
  });
});

describe("partitions", () => {
  /** `/customers/{id}/orders`: 15 orders per customer, ids distinct per customer, slow-ish pages. */
  function ordersApi(customers: number[], perCustomer = 15) {
    const data = new Map(customers.map((c) => [String(c), items(perCustomer, c * 1000 + 1)]));
    return {
      data,
      handler: delayed(15, (req, res) => {
        const customer = /^\/customers\/(\d+)\/orders$/.exec(req.path)?.[1];
        const rows = (data.get(customer ?? "") ?? []).filter(
          (r) => !req.query.get("since") || r.updated_at > (req.query.get("since") as string),
        );
        const page = Number(req.query.get("page") ?? 1);
        sendJson(res, 200, { orders: rows.slice((page - 1) * 5, page * 5).map((r) => ({ ...r, customer })) });
      }),
    };
  }

  it("reads every partition concurrently, sharing the concurrency limit, with a bookmark per partition", async () => {
    const api = ordersApi([1, 2, 3, 4]);
    const server = await serve(api.handler);
    const config = {
      base_url: server.url,
      path: "/customers/{customer}/orders",
      records_path: "$.orders",
      partitions: [{ customer: 1 }, { customer: 2 }, { customer: 3 }, { customer: 4 }],
      partition_concurrency: 4,
      concurrency: 2,
      replication_key: "updated_at",
      replication_bind: { name: "since" },
      state_key: "orders",
      pagination: { type: "page_number" as const },
    };
    const state = new MemoryStateStore();
    const sink = memorySink();
    const result = await new Pipeline(source(config), sink, { stateStore: state }).run();
    expect(result.recordsWritten).toBe(60);
    const byCustomer = (rows: Value[]) =>
      Object.fromEntries(
        [1, 2, 3, 4].map((c) => [c, ids(rows.filter((r) => (r as { customer: string }).customer === String(c)))]),
      );
    expect(byCustomer(sink.rows)).toEqual({
      1: range(15, 1001),
      2: range(15, 2001),
      3: range(15, 3001),
      4: range(15, 4001),
    });
    expect(server.inFlight.max).toBeLessThanOrEqual(2);
    expect(await state.get("orders")).toEqual({
      "customer=1": item(1015).updated_at,
      "customer=2": item(2015).updated_at,
      "customer=3": item(3015).updated_at,
      "customer=4": item(4015).updated_at,
    });

    // New orders for customer 2 only; the next run sends each partition its own bookmark.
    api.data.get("2")?.push(...items(3, 2016));
    server.requests.length = 0;
    const next = memorySink();
    await new Pipeline(source(config), next, { stateStore: state }).run();
    expect(ids(next.rows)).toEqual([2016, 2017, 2018]);
    const firstOf = (c: number) => server.requests.find((r) => r.path === `/customers/${c}/orders`)?.query.get("since");
    expect(firstOf(3)).toBe(item(3015).updated_at);
    expect(firstOf(2)).toBe(item(2015).updated_at);
    expect((await state.get("orders")) as Record<string, string>).toMatchObject({
      "customer=2": item(2018).updated_at,
    });
  });

  it("a plain bookmark stored before partitions were configured applies to each, and is kept per partition", async () => {
    const api = ordersApi([1, 2], 5);
    const server = await serve(api.handler);
    const s = source({
      base_url: server.url,
      path: "/customers/{customer}/orders",
      records_path: "$.orders",
      partitions: [{ customer: 1 }, { customer: 2 }],
      replication_key: "updated_at",
      pagination: { type: "page_number" },
    });
    s.applyStartBookmark(item(1003).updated_at);
    const { records, bookmarks } = await readAll(s);
    expect(ids(records)).toEqual([1004, 1005, 2001, 2002, 2003, 2004, 2005]);
    expect(bookmarks.at(-1)).toEqual({ "customer=1": item(1005).updated_at, "customer=2": item(2005).updated_at });
    expect(bookmarks[0]).toEqual({ "customer=1": item(1005).updated_at, "customer=2": item(1003).updated_at });
  });

  it("sequential partitions (the default) read in order", async () => {
    const api = ordersApi([7, 8], 6);
    const server = await serve(api.handler);
    const s = source({
      base_url: server.url,
      path: "/customers/{customer}/orders",
      records_path: "$.orders",
      partitions: [{ customer: 8 }, { customer: 7 }],
      pagination: { type: "page_number" },
    });
    const { records, bookmarks } = await readAll(s);
    expect(ids(records)).toEqual([...range(6, 8001), ...range(6, 7001)]);
    expect(bookmarks.every((b) => b === undefined)).toBe(true);
  });

  it("a failing partition fails the run after the others stop", async () => {
    const server = await serve(
      delayed(10, (req, res) => {
        if (req.path === "/p/bad") return sendJson(res, 400, { error: "no such partition" });
        sendJson(res, 200, { rows: Number(req.query.get("page")) < 50 ? items(5) : [] });
      }),
    );
    const s = source({
      base_url: server.url,
      path: "/p/{name}",
      records_path: "$.rows",
      partitions: [{ name: "good" }, { name: "bad" }, { name: "fine" }],
      partition_concurrency: 3,
      pagination: { type: "page_number" },
    });
    const error = await rejection(readAll(s));
    expect((error as Error).message).toContain("no such partition");
    const settled = server.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(server.requests.length).toBe(settled);
  });

  it("a path placeholder with no value is a config error", async () => {
    const server = await serve((_req, res) => sendJson(res, 200, []));
    const error = await rejection(readAll(source({ base_url: server.url, path: "/orgs/{org}/users" })));
    expect((error as Error).message).toContain("needs `{org}`");
  });

  it("placeholders are filled from the fetch context (parent records)", async () => {
    const server = await serve((req, res) => sendJson(res, 200, [{ path: req.path, q: req.query.get("user") }]));
    const s = source({ base_url: server.url, path: "/users/{id}/posts", query_params: { user: "{id}" } });
    expect(await s.fetchWithContext({ params: { id: "a b" } })).toEqual([{ path: "/users/a%20b/posts", q: "a b" }]);
  });
});

import { definition, GraphqlSource } from "faucet-source-graphql";
import { describe, expect, it } from "vitest";
import { cursorOf, graphqlApi, ITEMS_QUERY, ids, items, itemsConfig, readAll, sendJson, source } from "./api.js";

describe("Relay cursor pagination", () => {
  it("follows pageInfo, sending the cursor and batch_size as variables, one page per response", async () => {
    const api = await graphqlApi(items(25));
    const s = source(itemsConfig(api.url, { batch_size: 10, variables: { tenant: null } }));
    const read = await readAll(s);
    expect(ids(read.records)).toEqual(ids(items(25)));
    expect(read.pages).toBe(3);
    expect(api.variables).toEqual([
      { tenant: null, first: 10 },
      { tenant: null, first: 10, after: cursorOf(10) },
      { tenant: null, first: 10, after: cursorOf(20) },
    ]);
    const body = JSON.parse(api.requests[0]?.body ?? "{}");
    expect(body.query).toBe(ITEMS_QUERY);
    expect(api.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(api.requests.every((r) => r.method === "POST")).toBe(true);
  });

  it("uses the Rust default paths ($.data.*.pageInfo) and variable names, and `[*]` record paths", async () => {
    const api = await graphqlApi(items(7));
    const s = source({
      endpoint: api.url,
      query: ITEMS_QUERY,
      records_path: "$.data.items.nodes[*]",
      pagination: {},
      batch_size: 3,
    });
    const read = await readAll(s);
    expect(ids(read.records)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(read.pages).toBe(3);
  });

  it("batch_size 0 omits the page-size variable: the server's default page", async () => {
    const api = await graphqlApi(items(12));
    const read = await readAll(source(itemsConfig(api.url, { pagination: {}, batch_size: 0 })));
    expect(read.records).toHaveLength(12);
    expect(api.variables).toEqual([{}]);
  });

  it("merges a parent record's values into the variables", async () => {
    const all = items(6).map((item) => ({ ...item, tenant: item.id % 2 === 0 ? "even" : "odd" }));
    const api = await graphqlApi(all);
    const s = source(itemsConfig(api.url, { pagination: {} }));
    expect(ids((await readAll(s, { tenant: "even" })).records)).toEqual([2, 4, 6]);
    expect(api.variables[0]).toEqual({ tenant: "even", first: 1000 });
  });

  it("without records_path, `data` is one record", async () => {
    const api = await graphqlApi(items(2));
    const read = await readAll(source({ endpoint: api.url, query: "{ items { totalCount } }" }));
    expect(read.records).toEqual([{ items: { totalCount: 2 } }]);
  });

  it("stops on a repeated cursor, and when hasNextPage is true without a cursor, with warnings", async () => {
    const loop = await graphqlApi([], {
      intercept: (_req, res) => {
        sendJson(res, 200, {
          data: { items: { nodes: [{ id: 1 }], pageInfo: { hasNextPage: true, endCursor: "same" } } },
        });
        return true;
      },
    });
    const s = source(itemsConfig(loop.url, { pagination: {} }));
    expect((await readAll(s)).pages).toBe(2);
    expect(s.logger.warnings()).toEqual(["pagination stopped: the server returned cursor same a second time"]);
    const empty = await graphqlApi([], {
      intercept: (_req, res) => {
        sendJson(res, 200, {
          data: { items: { nodes: [{ id: 1 }], pageInfo: { hasNextPage: true, endCursor: null } } },
        });
        return true;
      },
    });
    const t = source(itemsConfig(empty.url, { pagination: {} }));
    expect((await readAll(t)).pages).toBe(1);
    expect(t.logger.warnings()).toEqual([
      "pagination stopped: hasNextPage is true but $.data.*.pageInfo.endCursor is empty",
    ]);
  });

  it("max_pages stops early with a warning", async () => {
    const api = await graphqlApi(items(50));
    const s = source(itemsConfig(api.url, { batch_size: 10, max_pages: 2 }));
    expect((await readAll(s)).records).toHaveLength(20);
    expect(s.logger.warnings()).toEqual(["stopped after max_pages (2); more pages remain"]);
  });
});

describe("offset pagination", () => {
  const LIST = "query($offset: Int!) { itemList(limit: 4, offset: $offset) { id } }";

  it("advances the offset variable by page_size until a short page", async () => {
    const api = await graphqlApi(items(10));
    const s = source({
      endpoint: api.url,
      query: LIST,
      records_path: "$.data.itemList",
      pagination: { type: "Offset", offset_variable: "offset", page_size: 4 },
    });
    const read = await readAll(s);
    expect(ids(read.records)).toEqual(ids(items(10)));
    expect(api.variables.map((v) => v.offset)).toEqual([0, 4, 8]);
  });

  it("substitute_in_query writes the offset into the query text; without stop_when_short it reads until an empty page", async () => {
    const api = await graphqlApi(items(8));
    const s = source({
      endpoint: api.url,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder substitute_in_query fills
      query: "{ itemList(limit: 4, offset: ${q_offset}) { id } }",
      records_path: "$.data.itemList",
      pagination: {
        type: "offset",
        offset_variable: "q_offset",
        page_size: 4,
        substitute_in_query: true,
        stop_when_short: false,
      },
    });
    expect(ids((await readAll(s)).records)).toEqual(ids(items(8)));
    expect(api.requests.map((r) => JSON.parse(r.body).query)).toEqual([
      "{ itemList(limit: 4, offset: 0) { id } }",
      "{ itemList(limit: 4, offset: 4) { id } }",
      "{ itemList(limit: 4, offset: 8) { id } }",
    ]);
  });
});

describe("config", () => {
  it("names unknown keys, and checks paths, variable names and replication settings", () => {
    const base = { endpoint: "http://127.0.0.1:1/graphql", query: "{ a }" };
    expect(() => new GraphqlSource({ ...base, record_path: "$.data" } as never)).toThrow(
      "`record_path`: unknown key; did you mean `records_path`?",
    );
    expect(() => new GraphqlSource({ ...base, query: "  " })).toThrow("`query` must not be empty");
    expect(() => new GraphqlSource({ ...base, records_path: "$.data[?(@.x)]" })).toThrow("invalid JSONPath");
    expect(() => new GraphqlSource({ ...base, pagination: { cursor_variable: "$after" } })).toThrow(
      "GraphQL variable name",
    );
    expect(() => new GraphqlSource({ ...base, replication_method: "incremental" })).toThrow(
      "`replication_method: incremental` needs `replication_key`",
    );
    expect(() => new GraphqlSource({ ...base, replication_bind: { variable: "since" } })).toThrow(
      "`replication_bind` needs incremental replication",
    );
  });

  it("the definition parses a Rust-shaped config", () => {
    expect(definition).toMatchObject({ kind: "source", type: "graphql" });
    const config = definition.config.parse({
      endpoint: "https://x/graphql",
      query: "{ a }",
      variables: null,
      pagination: {
        has_next_page_path: "$.data.a.pageInfo.hasNextPage",
        cursor_path: "$.data.a.pageInfo.endCursor",
        cursor_variable: "after",
        page_size_variable: "first",
      },
      replication_method: { type: "Incremental" },
      replication_key: "updatedAt",
    });
    expect(config).toMatchObject({
      variables: {},
      batch_size: 1000,
      replication_method: "incremental",
      pagination: { type: "cursor" },
    });
  });
});

import { MemoryStateStore, Pipeline, silentLogger } from "faucet-core";
import { GraphqlSource } from "faucet-source-graphql";
import { describe, expect, it } from "vitest";
import { graphqlApi, ITEMS_PAGINATION, ids, items, itemsConfig, memorySink, readAll, source } from "./api.js";

const incremental = (url: string) =>
  itemsConfig(url, {
    batch_size: 4,
    replication_key: "id",
    replication_bind: { variable: "since", value_type: "number" as const },
  });

describe("incremental replication", () => {
  it("puts the bookmark on the last page only, and binds it into the variables on resume", async () => {
    const api = await graphqlApi(items(10));
    const first = await readAll(source(incremental(api.url)));
    expect(first.bookmarks).toEqual([undefined, undefined, 10]);
    api.items.push(...items(3, 11));
    const resumed = source(incremental(api.url));
    resumed.applyStartBookmark(10);
    const second = await readAll(resumed);
    expect(ids(second.records)).toEqual([11, 12, 13]);
    expect(second.bookmarks).toEqual([13]);
    expect(api.variables.at(-1)).toEqual({ since: 10, first: 4 });
  });

  it("filters on the client without a bind, and starts from start_replication_value", async () => {
    const api = await graphqlApi(items(10));
    const s = source({ ...incremental(api.url), replication_bind: undefined, start_replication_value: 6 });
    const read = await readAll(s);
    expect(ids(read.records)).toEqual([7, 8, 9, 10]);
    expect(read.bookmarks.at(-1)).toBe(10);
    // Without a bind the server still sends everything.
    expect(api.variables.every((v) => !("since" in v))).toBe(true);
  });

  it("binds into a nested variable through a JSON Pointer, formatted and templated", async () => {
    const api = await graphqlApi(items(10));
    const query = `query($first: Int, $after: String, $filter: ItemFilter) {
      items(first: $first, after: $after, filter: $filter) { nodes { id updatedAt } pageInfo { hasNextPage endCursor } }
    }`;
    const s = source({
      endpoint: api.url,
      query,
      variables: { filter: {} },
      records_path: "$.data.items.nodes",
      pagination: ITEMS_PAGINATION,
      replication_key: "updatedAt",
      replication_bind: { variable: "/filter/updatedAfter", format: "iso8601" },
      start_replication_value: items(1, 7)[0]?.updatedAt,
    });
    expect(ids((await readAll(s)).records)).toEqual([8, 9, 10]);
    expect(api.variables[0]).toEqual({ filter: { updatedAfter: "2024-01-01T00:07:00Z" }, first: 1000 });
  });

  it("a JSON Pointer into a missing object is a config error", async () => {
    const api = await graphqlApi(items(1));
    const s = source({
      ...incremental(api.url),
      replication_bind: { variable: "/filter/since" },
      start_replication_value: 1,
    });
    await expect(readAll(s)).rejects.toThrow("replication_bind.variable `/filter/since` does not lead to an object");
  });

  it("a real Pipeline with a state store reads only new records on the next run", async () => {
    const api = await graphqlApi(items(9));
    const state = new MemoryStateStore();
    const sink = memorySink();
    const run = () =>
      new Pipeline(new GraphqlSource({ ...incremental(api.url), state_key: "items" }, { logger: silentLogger }), sink, {
        stateStore: state,
        logger: silentLogger,
      }).run();
    expect((await run()).recordsWritten).toBe(9);
    expect(await state.get("items")).toBe(9);
    api.items.push(...items(2, 10));
    const second = await run();
    expect(second.recordsWritten).toBe(2);
    expect(second.bookmark).toBe(11);
    expect(ids(sink.rows)).toEqual(ids(items(11)));
    const third = await run();
    expect(third.recordsWritten).toBe(0);
    expect(await state.get("items")).toBe(11);
  });
});

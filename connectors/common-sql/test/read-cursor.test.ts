import {
  bigNumberWarning,
  CellError,
  collectDatasets,
  decodeFailure,
  jsonBigNumbersField,
  LossyNumberError,
  ReadCursor,
  type ReadCursorConfig,
  refineSource,
  serverSourceFields,
} from "faucet-common-sql";
import {
  FaucetError,
  type LogFields,
  type Logger,
  parseConfig,
  type StreamPage,
  type ValueObject,
  z,
} from "faucet-core";
import { describe, expect, test } from "vitest";

const cursorFor = (config: Partial<ReadCursorConfig>) =>
  new ReadCursor(
    { params: [], ...config },
    {
      connector: "source-x",
      quoteIdent: (name) => `"${name}"`,
      qualifyTable: (table) => {
        if (table.includes(" ")) throw new Error(`\`${table}\` is not a table name`);
        return `"${table}"`;
      },
      placeholder: (n, base) => (base.includes("$1") ? `$${n}` : "?"),
    },
  );

async function* chunksOf(...chunks: ValueObject[][]): AsyncGenerator<ValueObject[]> {
  yield* chunks;
}

async function pagesOf(iterable: AsyncIterable<StreamPage>): Promise<StreamPage[]> {
  const out: StreamPage[] = [];
  for await (const page of iterable) out.push(page);
  return out;
}

describe("ReadCursor", () => {
  test("base query, plan and state key follow the config; a full read has no state key", () => {
    const full = cursorFor({ table: "orders" });
    expect(full.baseQuery()).toBe('SELECT * FROM "orders"');
    expect(full.plan()).toEqual({ sql: 'SELECT * FROM "orders"', params: [] });
    expect(full.stateKey(() => "x")).toBeUndefined();
    expect(full.capabilities()).toEqual({ incremental: false, deterministicReplay: false, discover: true });
    expect(() => cursorFor({ table: "a b" }).baseQuery()).toThrow(
      expect.objectContaining({ kind: "config", detail: "`a b` is not a table name" }),
    );
    expect(cursorFor({ query: " SELECT 1;; " }).baseQuery()).toBe("SELECT 1");
    expect(cursorFor({ table: "a b", state_key: "mine" }).stateKey(() => "x")).toBe("mine");

    const inc = cursorFor({ query: "SELECT * FROM t WHERE a = $1", params: [7], replication_key: "id" });
    expect(inc.capabilities()).toEqual({ incremental: true, deterministicReplay: true, discover: true });
    expect(inc.stateKey(() => "db:h")).toMatch(/^db:h:[0-9a-f]{12}$/);
    inc.bookmark = 5;
    expect(inc.plan()).toEqual({
      sql: 'SELECT * FROM (SELECT * FROM t WHERE a = $1\n) AS src WHERE src."id" > $2 ORDER BY src."id"',
      params: [7, 5],
    });
    const start = cursorFor({ table: "t", replication_key: "id", start_replication_value: 3 });
    expect(start.plan()).toEqual({
      sql: 'SELECT * FROM (SELECT * FROM "t"\n) AS src WHERE src."id" >= ? ORDER BY src."id"',
      params: [3],
    });
  });

  test("pages are bookmarked and the cursor follows them; the key must be a column", async () => {
    const cursor = cursorFor({ table: "t", replication_key: "id" });
    const pages = await pagesOf(cursor.pages(chunksOf([{ id: 1 }, { id: 2 }], [{ id: 2 }, { id: 3 }]), 2, undefined));
    expect(pages).toEqual([
      { records: [{ id: 1 }, { id: 2 }, { id: 2 }], bookmark: 2 },
      { records: [{ id: 3 }], bookmark: 3 },
    ]);
    expect(cursor.bookmark).toBe(3);
    expect(() => cursor.requireKey(["a", "b"])).toThrow(
      expect.objectContaining({ kind: "config", detail: "replication_key `id` is not a column of the query's result" }),
    );
    cursor.requireKey(["id"]);
    cursorFor({ table: "t" }).requireKey([]);
    expect(
      (await pagesOf(cursorFor({ table: "t" }).pages(chunksOf(), 0, undefined))).flatMap((p) => p.records),
    ).toEqual([]);
    expect(await pagesOf(cursorFor({ table: "t" }).pages(chunksOf([{ a: 1 }]), 0, undefined))).toEqual([
      { records: [{ a: 1 }] },
    ]);
  });

  test("an aborted read stops after the chunk in hand with a cancelled error", async () => {
    const abort = new AbortController();
    const cursor = cursorFor({ table: "t" });
    const seen: StreamPage[] = [];
    const error = await (async () => {
      for await (const page of cursor.pages(chunksOf([{ a: 1 }, { a: 2 }], [{ a: 3 }]), 1, abort.signal)) {
        seen.push(page);
        abort.abort();
      }
    })().catch((e: unknown) => e);
    expect(FaucetError.is(error, "cancelled")).toBe(true);
    expect(seen).toHaveLength(2);
  });

  test("check: the connect probe, then the query's columns against the key", async () => {
    const cursor = cursorFor({ table: "t", replication_key: "id" });
    const passed = await cursor.check({ name: "open", run: async () => undefined }, async () => ["id"]);
    expect(passed.probes.map((p) => [p.name, p.status])).toEqual([
      ["open", "pass"],
      ["query", "pass"],
    ]);
    const missing = await cursor.check({ name: "connect", run: async () => undefined }, async () => ["x"]);
    expect(missing.probes[1]).toMatchObject({ name: "query", status: "fail" });
    const down = await cursor.check(
      {
        name: "connect",
        run: async () => {
          throw new Error("down");
        },
      },
      async () => ["id"],
    );
    expect(down.probes.map((p) => p.status)).toEqual(["fail"]);
  });
});

describe("source helpers", () => {
  test("decode failures: lossy numbers with the json_big_numbers hint, cells by column, the rest left to the caller", () => {
    const lossy = new CellError("doc", new LossyNumberError("12345678901234567890"));
    expect(decodeFailure(lossy, "source-x")).toMatchObject({
      kind: "source",
      detail: `${lossy.message} (read as a double it would change)`,
      hint: "set json_big_numbers: string to read such numbers as strings of their exact digits",
    });
    expect(decodeFailure(new LossyNumberError("1e400"), "source-x")?.detail).toMatch(
      /read as a double it would change/,
    );
    expect(decodeFailure(new CellError("n", new Error("bad")), "source-x")?.detail).toBe(
      'could not decode column "n": bad',
    );
    expect(new CellError("n", "plain").message).toBe('column "n": plain');
    expect(decodeFailure(new Error("other"), "source-x")).toBeUndefined();
  });

  test("json_big_numbers: fail by default or string, described for the dialect's JSON columns", () => {
    expect(jsonBigNumbersField().parse(undefined)).toBe("fail");
    expect(jsonBigNumbersField().parse("string")).toBe("string");
    expect(() => jsonBigNumbersField().parse("round")).toThrow();
    expect(jsonBigNumbersField("a json/jsonb column").description).toMatch(/^A number in a json\/jsonb column that/);
  });

  test("a server source's read fields, in order, with the query and incremental checks", () => {
    const Config = z.strictObject(serverSourceFields("?")).superRefine(refineSource);
    expect(Object.keys(Config.shape)).toEqual([
      "query",
      "table",
      "params",
      "batch_size",
      "max_connections",
      "replication_key",
      "start_replication_value",
      "state_key",
      "replication",
    ]);
    expect(parseConfig(Config, { table: "t" })).toEqual({ table: "t", params: [], max_connections: 10 });
    expect(() => parseConfig(Config, { query: "q", table: "t" })).toThrow(/exactly one of `query` and `table`/);
    expect(() => parseConfig(Config, { table: "t", start_replication_value: 1 })).toThrow(/needs replication_key/);
  });

  test("big numbers warn each time, or once", () => {
    const warnings: LogFields[] = [];
    const logger = { warn: (_: string, fields: LogFields) => warnings.push(fields) } as unknown as Logger;
    const every = bigNumberWarning(logger, "source-x");
    every("1".repeat(50));
    every("2");
    const once = bigNumberWarning(logger, "source-y", true);
    once("3");
    once("4");
    expect(warnings).toEqual([
      { connector: "source-x", number: "1".repeat(40) },
      { connector: "source-x", number: "2" },
      { connector: "source-y", number: "3" },
    ]);
  });

  test("datasets from a catalog listing, one row per column", () => {
    const rows = [
      { t: "a", c: "id", n: 5 },
      { t: "a", c: "v", n: 5 },
      { t: "b", c: "x", n: undefined },
    ];
    expect(
      collectDatasets(rows, (row) => ({
        dataset: `s.${row.t}`,
        kind: "table",
        table: `"s"."${row.t}"`,
        estimatedRows: row.n,
        column: row.c,
        schema: { type: "string" },
      })),
    ).toEqual([
      {
        name: "s.a",
        kind: "table",
        schema: {
          type: "object",
          properties: { id: { type: "string" }, v: { type: "string" } },
          required: ["id", "v"],
        },
        configPatch: { table: '"s"."a"' },
        estimatedRows: 5,
      },
      {
        name: "s.b",
        kind: "table",
        schema: { type: "object", properties: { x: { type: "string" } }, required: ["x"] },
        configPatch: { table: '"s"."b"' },
      },
    ]);
  });
});

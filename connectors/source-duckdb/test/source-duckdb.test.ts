import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { testSource } from "faucet-conformance";
import { FaucetError, fetchAll, type Value } from "faucet-core";
import { DuckdbSource, type DuckdbSourceConfigInput, definition } from "faucet-source-duckdb";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readPages } from "../../common-sql/test/source-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "faucet-source-duckdb-"));
const database = join(dir, "source.duckdb");

/** Runs statements on the test's own handle of the database (shared with the source through the cache). */
async function run(sql: string): Promise<void> {
  const instance = await DuckDBInstance.fromCache(database);
  const connection = await instance.connect();
  try {
    await connection.run(sql);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  await run("CREATE TABLE conformance (id BIGINT, v VARCHAR)");
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

testSource<DuckdbSourceConfigInput>({
  create: (config) => new DuckdbSource(config),
  config: { database, table: "conformance", replication_key: "id" },
  seed: async (records) => {
    const values = records.map((r) => `(${r.id}, '${String(r.v).replaceAll("'", "''")}')`).join(", ");
    await run(`DELETE FROM conformance; INSERT INTO conformance VALUES ${values}`);
  },
  rebuild: (config, patch) => ({ database: config.database, table: patch.table as string }),
  failing: [
    { title: "missing table", config: { database, table: "no_such_table" }, kind: "source" },
    {
      title: "a database in a directory that does not exist",
      config: { database: "/nonexistent/dir/x.duckdb", query: "SELECT 1" },
      kind: "connection",
    },
  ],
});

test("types arrive with no silent loss", async () => {
  const rows = await fetchAll(
    new DuckdbSource({
      database: ":memory:",
      json_big_numbers: "string",
      query: `SELECT 9223372036854775807::BIGINT AS big, -170141183460469231731687303715884105727::HUGEINT AS huge, 42::BIGINT AS safe,
        18446744073709551615::UBIGINT AS ubig, 12345678901234567890.0123456789::DECIMAL(38,10) AS num, -0.5::DECIMAL(4,2) AS neg,
        TIMESTAMP '2024-02-29 23:59:59.123456' AS ts, TIMESTAMPTZ '2024-02-29 23:59:59.5+05:30' AS tstz, DATE '2024-02-29' AS d,
        TIME '12:34:56.789' AS t, '\\x00\\xFF\\x10'::BLOB AS bin, '{"a":[1,2,{"b":12345678901234567890}],"s":"é"}'::JSON AS doc,
        [1, NULL, 3] AS arr, {'x': 1, 'y': ['a']} AS obj, MAP {'k': 1} AS m, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS id,
        INTERVAL '1 year 2 days' AS span, 'NaN'::DOUBLE AS nan, 0.1::DOUBLE AS f8, 1.5::FLOAT AS f4, true AS yes, ''::VARCHAR AS empty,
        NULL::VARCHAR AS nothing, '日本語 ✓' AS uni, 'infinity'::DATE AS forever`,
    }),
  );
  expect(rows).toEqual([
    {
      big: "9223372036854775807",
      huge: "-170141183460469231731687303715884105727",
      safe: 42,
      ubig: "18446744073709551615",
      num: "12345678901234567890.0123456789",
      neg: "-0.50",
      ts: "2024-02-29T23:59:59.123456",
      tstz: "2024-02-29T18:29:59.5Z",
      d: "2024-02-29",
      t: "12:34:56.789",
      bin: Buffer.from([0, 255, 16]).toString("base64"),
      doc: { a: [1, 2, { b: "12345678901234567890" }], s: "é" },
      arr: [1, null, 3],
      obj: { x: 1, y: ["a"] },
      m: [{ key: "k", value: 1 }],
      id: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      span: "1 year 2 days",
      nan: "NaN",
      f8: 0.1,
      f4: 1.5,
      yes: true,
      empty: "",
      nothing: null,
      uni: "日本語 ✓",
      forever: "infinity",
    },
  ]);
  const lossy = await fetchAll(
    new DuckdbSource({ database: ":memory:", query: `SELECT '{"n":12345678901234567890}'::JSON AS j` }),
  ).catch((e: unknown) => e);
  expect(String(lossy)).toMatch(/has no exact double.*json_big_numbers: string/);
});

test("DuckDB's readers: read_csv, read_json and read_parquet queries stream too", async () => {
  const csv = join(dir, "orders.csv");
  writeFileSync(csv, 'id,name,amount\n1,ann,1.50\n2,"b, c",2\n3,dé,\n');
  const fromCsv = await fetchAll(
    new DuckdbSource({
      database: ":memory:",
      query: `SELECT * FROM read_csv('${csv}', types = {'amount': 'DECIMAL(10,2)'}) ORDER BY id`,
    }),
  );
  expect(fromCsv).toEqual([
    { id: 1, name: "ann", amount: "1.50" },
    { id: 2, name: "b, c", amount: "2.00" },
    { id: 3, name: "dé", amount: null },
  ]);
  const json = join(dir, "events.jsonl");
  writeFileSync(json, '{"id":1,"tags":["a"]}\n{"id":2,"tags":[]}\n');
  expect(
    await fetchAll(new DuckdbSource({ database: ":memory:", query: `SELECT * FROM read_json('${json}') ORDER BY id` })),
  ).toEqual([
    { id: 1, tags: ["a"] },
    { id: 2, tags: [] },
  ]);
  const parquet = join(dir, "numbers.parquet");
  await run(`COPY (SELECT range AS n, range * 2 AS twice FROM range(5000)) TO '${parquet}' (FORMAT PARQUET)`);
  const read = await readPages(
    new DuckdbSource({ database: ":memory:", query: `SELECT * FROM read_parquet('${parquet}')`, batch_size: 1000 }),
    0,
  );
  expect(read.map((p) => p.records.length)).toEqual([1000, 1000, 1000, 1000, 1000]);
  expect(read[4]?.records.at(-1)).toEqual({ n: 4999, twice: 9998 });
});

test("streams in chunks: a 1M-row result arrives page by page without being held whole", async () => {
  const source = new DuckdbSource({
    database: ":memory:",
    query: "SELECT range AS id, repeat('x', 50) AS pad FROM range(1000000)",
  });
  let count = 0;
  let largest = 0;
  for await (const page of source.streamPages({}, 10_000)) {
    count += page.records.length;
    largest = Math.max(largest, page.records.length);
  }
  await source.close();
  expect(count).toBe(1_000_000);
  expect(largest).toBe(10_000);
});

test("incremental: bookmarks on every page, equal keys kept together, resume after a bookmark, $n parameters", async () => {
  await run(
    "CREATE OR REPLACE TABLE events AS SELECT range + 1 AS id, TIMESTAMP '2024-01-01' + INTERVAL (range // 3) SECOND AS at FROM range(25)",
  );
  const first = await readPages(new DuckdbSource({ database, table: "events", replication_key: "at" }), 4);
  expect(first.map((p) => p.records.length)).toEqual([6, 6, 6, 6, 1]);
  expect(first[0]?.bookmark).toBe("2024-01-01T00:00:01");
  const resumed = new DuckdbSource({ database, table: "events", replication_key: "at" });
  resumed.applyStartBookmark(first[1]?.bookmark as Value);
  expect((await fetchAll(resumed)).map((r) => (r as { id: number }).id)).toEqual(
    Array.from({ length: 13 }, (_, i) => i + 13),
  );
  const numbered = new DuckdbSource({
    database,
    query: "SELECT id FROM events WHERE id <> $1",
    params: [21],
    replication_key: "id",
    start_replication_value: 20,
  });
  expect((await fetchAll(numbered)).map((r) => (r as { id: number }).id)).toEqual([20, 22, 23, 24, 25]);
});

test("bad input: a broken query, a missing file, a missing replication key", async () => {
  const broken = await fetchAll(new DuckdbSource({ database: ":memory:", query: "SELEKT 1" })).catch((e: unknown) => e);
  expect(FaucetError.is(broken) && broken.kind).toBe("source");
  const missing = await fetchAll(
    new DuckdbSource({ database: ":memory:", query: `SELECT * FROM read_csv('${join(dir, "nope.csv")}')` }),
  ).catch((e: unknown) => e);
  expect(FaucetError.is(missing) && missing.kind).toBe("source");
  expect(String(missing)).toMatch(/nope\.csv/);
  const key = await fetchAll(
    new DuckdbSource({ database: ":memory:", query: "SELECT 1 AS a", replication_key: "b" }),
  ).catch((e: unknown) => e);
  expect(String(key)).toMatch(/replication_key `b` is not a column/);
  expect(() => new DuckdbSource({ database: ":memory:" } as never)).toThrow(/exactly one of `query` and `table`/);
});

test("the definition: Rust keys, duckdb: prefix, relative paths against the config's directory", async () => {
  expect(definition).toMatchObject({ kind: "source", type: "duckdb" });
  const source = await definition.create(
    {
      database: "duckdb:source.duckdb",
      query: "SELECT count(*) AS n FROM conformance",
      read_only: false,
      batch_size: 10,
    } as never,
    { baseDir: dir, logger: undefined as never, pipeline: "t" },
  );
  expect(await fetchAll(source)).toEqual([{ n: expect.any(Number) }]);
  await source.close?.();
});

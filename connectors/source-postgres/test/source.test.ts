import { describeWithService, testSource } from "faucet-conformance";
import { FaucetError, fetchAll, type Value } from "faucet-core";
import { definition, PostgresSource, type PostgresSourceConfigInput } from "faucet-source-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, ensureDatabase, sql } from "../../common-postgres/test/server.js";
import { readPages } from "../../common-sql/test/source-helpers.js";

// Every table this file reads lives in a database of its own, so discover() sees only these.
const DATABASE = "faucet_test_source_postgres";
let url = "";

await describeWithService({ name: "PostgreSQL", port: 5432 }, "source-postgres", () => {
  beforeAll(async () => {
    url = await ensureDatabase(DATABASE);
    await sql(url, "DROP TABLE IF EXISTS conformance CASCADE; CREATE TABLE conformance (id bigint, v text)");
  });
  afterAll(async () => {
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  });

  testSource<PostgresSourceConfigInput>({
    create: (config) => new PostgresSource({ ...config, connection_url: url }),
    config: { table: "conformance", replication_key: "id" },
    seed: async (records) => {
      await sql(url, "TRUNCATE conformance; INSERT INTO conformance SELECT * FROM unnest($1::bigint[], $2::text[])", [
        records.map((r) => r.id),
        records.map((r) => r.v),
      ]).catch(async () => {
        // pg sends two statements with parameters as one extended query only one at a time.
        await sql(url, "TRUNCATE conformance");
        await sql(url, "INSERT INTO conformance SELECT * FROM unnest($1::bigint[], $2::text[])", [
          records.map((r) => r.id),
          records.map((r) => r.v),
        ]);
      });
    },
    // A discovered table is read whole: it need not have the suite's replication key.
    rebuild: (_config, patch) => ({ table: patch.table as string }),
    failing: [
      { title: "unreachable server", config: { table: "conformance", port: 1, host: "127.0.0.1" }, kind: "connection" },
      { title: "missing table", config: { table: "no_such_table" }, kind: "source" },
    ],
  });

  test("types arrive with no silent loss", async () => {
    await sql(
      url,
      `DROP TABLE IF EXISTS types; CREATE TABLE types AS SELECT
        9223372036854775807::int8 AS big, '-9223372036854775808'::int8 AS small, 42::int8 AS safe,
        12345678901234567890.0123456789::numeric(38,10) AS num, 32767::int2 AS i2, 2147483647::int4 AS i4,
        '2024-02-29 23:59:59.123456+05:30'::timestamptz AS tstz, '2024-01-02 03:04:05.5'::timestamp AS ts,
        '2024-02-29'::date AS d, '12:34:56.789'::time AS t, '\\x00ff10'::bytea AS bin,
        '{"a":[1,2,{"b":12345678901234567890}],"s":"é"}'::jsonb AS doc, '[1,"x"]'::json AS js,
        ARRAY[1, NULL, 3]::int8[] AS arr, ARRAY[['a','b'],['c','d']]::text[] AS grid,
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, '192.168.0.1/24'::inet AS ip,
        '1 year 2 mons 3 days 04:05:06.5'::interval AS span, 'NaN'::float8 AS nan, 1.1::float4 AS f4,
        0.1::float8 AS f8, true AS yes, ''::text AS empty, NULL::text AS nothing, '日本語 ✓'::text AS uni`,
    );
    const [row] = await fetchAll(
      new PostgresSource({ connection_url: url, table: "types", json_big_numbers: "string" }),
    );
    expect(row).toEqual({
      big: "9223372036854775807",
      small: "-9223372036854775808",
      safe: 42,
      num: "12345678901234567890.0123456789",
      i2: 32767,
      i4: 2147483647,
      tstz: "2024-02-29T18:29:59.123456Z",
      ts: "2024-01-02T03:04:05.5",
      d: "2024-02-29",
      t: "12:34:56.789",
      bin: Buffer.from([0, 255, 16]).toString("base64"),
      doc: { a: [1, 2, { b: "12345678901234567890" }], s: "é" },
      js: [1, "x"],
      arr: [1, null, 3],
      grid: [
        ["a", "b"],
        ["c", "d"],
      ],
      id: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      ip: "192.168.0.1/24",
      span: "P1Y2M3DT4H5M6.5S",
      nan: "NaN",
      f4: 1.1,
      f8: 0.1,
      yes: true,
      empty: "",
      nothing: null,
      uni: "日本語 ✓",
    });
  });

  test("a JSON number a double cannot hold fails the read by default, naming the column", async () => {
    await sql(
      url,
      `DROP TABLE IF EXISTS bigjson; CREATE TABLE bigjson AS SELECT '{"n": 12345678901234567890}'::jsonb AS doc`,
    );
    const error = await fetchAll(new PostgresSource({ connection_url: url, table: "bigjson" })).catch(
      (e: unknown) => e,
    );
    expect(FaucetError.is(error, "source")).toBe(true);
    expect((error as FaucetError).message).toMatch(
      /column "doc": the JSON number 12345678901234567890 has no exact double/,
    );
    expect((error as FaucetError).hint).toMatch(/json_big_numbers: string/);
  });

  test("text with tabs, newlines, backslashes and quotes survives COPY decoding", async () => {
    const tricky = ["a\tb", "line1\nline2\r\n", "back\\slash", '"quoted"', "\\N", "", "\u0001ctl", "tab\t\\n"];
    await sql(url, "DROP TABLE IF EXISTS tricky; CREATE TABLE tricky (i int, s text, a text[])");
    await sql(
      url,
      "INSERT INTO tricky SELECT i, s, ARRAY[s, NULL] FROM unnest($1::text[]) WITH ORDINALITY AS u(s, i)",
      [tricky],
    );
    const rows = await fetchAll(
      new PostgresSource({ connection_url: url, query: "SELECT s, a FROM tricky ORDER BY i" }),
    );
    expect(rows).toEqual(tricky.map((s) => ({ s, a: [s, null] })));
  });

  test("incremental: rows after the bookmark in key order, every page bookmarked, equal keys never split", async () => {
    // keys 1,2,2,2,2,3,...: a page boundary would fall inside the run of 2s.
    await sql(url, "DROP TABLE IF EXISTS dup; CREATE TABLE dup (k int, n int)");
    await sql(
      url,
      "INSERT INTO dup SELECT CASE WHEN n BETWEEN 2 AND 5 THEN 2 ELSE n - 3 + 1 END, n FROM generate_series(1, 20) n",
    );
    await sql(url, "UPDATE dup SET k = 1 WHERE n = 1");
    const config = { connection_url: url, table: "dup", replication_key: "k", batch_size: 3 };
    const first = await readPages(new PostgresSource(config), 3);
    expect(first.every((p) => p.bookmark !== undefined)).toBe(true);
    expect(first[0]?.records.map((r) => (r as { k: number }).k)).toEqual([1, 2, 2, 2, 2]);
    const keys = first.flatMap((p) => p.records.map((r) => (r as { k: number }).k));
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(keys).toHaveLength(20);
    // Resuming after each page's bookmark reads exactly the rest.
    for (const [i, page] of first.entries()) {
      const resumed = new PostgresSource(config);
      resumed.applyStartBookmark(page.bookmark as Value);
      const rest = (await readPages(resumed, 3)).flatMap((p) => p.records);
      expect(rest).toEqual(first.slice(i + 1).flatMap((p) => p.records));
    }
  });

  test("incremental: start_replication_value is inclusive, NULL keys are never read", async () => {
    await sql(url, "DROP TABLE IF EXISTS inc; CREATE TABLE inc (id int, at timestamptz)");
    await sql(url, "INSERT INTO inc VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, NULL), (4, '2024-01-03')");
    const from = await fetchAll(
      new PostgresSource({
        connection_url: url,
        table: "inc",
        replication_key: "at",
        start_replication_value: "2024-01-02T00:00:00Z",
      }),
    );
    expect(from.map((r) => (r as { id: number }).id)).toEqual([2, 4]);
    const rust = await fetchAll(
      new PostgresSource({
        connection_url: url,
        query: "SELECT * FROM inc",
        replication: { type: "incremental", column: "at", initial_value: "2024-01-01T00:00:00Z" },
      }),
    );
    expect(rust.map((r) => (r as { id: number }).id)).toEqual([1, 2, 4]);
  });

  test("the bookmark of a timestamptz key resumes exactly, microseconds included", async () => {
    await sql(url, "DROP TABLE IF EXISTS micro; CREATE TABLE micro (at timestamptz)");
    await sql(
      url,
      "INSERT INTO micro VALUES ('2024-01-01 00:00:00.000001+00'), ('2024-01-01 00:00:00.000002+00'), ('2024-01-01 00:00:00.000003+00')",
    );
    const source = new PostgresSource({ connection_url: url, table: "micro", replication_key: "at" });
    source.applyStartBookmark("2024-01-01T00:00:00.000001Z");
    expect(await fetchAll(source)).toEqual([
      { at: "2024-01-01T00:00:00.000002Z" },
      { at: "2024-01-01T00:00:00.000003Z" },
    ]);
    await source.close();
  });

  test("query params are typed, placeholders inside strings and comments are left alone", async () => {
    const source = new PostgresSource({
      connection_url: url,
      query: "SELECT $1::int + 1 AS n, '$1' AS literal, $2 AS s, $3::jsonb AS j, $4::int[] AS a /* $9 */ -- $9\n",
      params: [41, "it's \\ here", { k: [1] }, [1, 2]],
    });
    expect(await fetchAll(source)).toEqual([{ n: 42, literal: "$1", s: "it's \\ here", j: { k: [1] }, a: [1, 2] }]);
    await source.close();
  });

  test("a query using more placeholders than params fails as a config error", async () => {
    const source = new PostgresSource({ connection_url: url, query: "SELECT $2 AS x", params: [1] });
    await expect(fetchAll(source)).rejects.toMatchObject({ kind: "config" });
    await source.close();
  });

  test("missing table: a source error naming the table", async () => {
    const source = new PostgresSource({ connection_url: url, table: "public.no_such_table" });
    const error = await fetchAll(source).catch((e: unknown) => e);
    expect(FaucetError.is(error, "source")).toBe(true);
    expect((error as Error).message).toMatch(/no_such_table.*does not exist/);
    await source.close();
  });

  test("replication_key that is not a column of the result fails clearly", async () => {
    const source = new PostgresSource({ connection_url: url, table: "conformance", replication_key: "nope" });
    await expect(fetchAll(source)).rejects.toMatchObject({ kind: "config", message: expect.stringMatching(/nope/) });
    await source.close();
  });

  test("discover lists tables and views with column schemas", async () => {
    await sql(url, "CREATE OR REPLACE VIEW conformance_view AS SELECT id, v FROM conformance");
    const found = await new PostgresSource({ connection_url: url, table: "conformance" }).discover();
    const view = found.find((d) => d.name === "public.conformance_view");
    expect(view?.kind).toBe("view");
    expect(view?.configPatch).toEqual({ table: '"public"."conformance_view"' });
    expect((view?.schema as { properties: object } | undefined)?.properties).toEqual({
      id: { type: ["integer", "string", "null"], description: "strings beyond ±2^53" },
      v: { type: ["string", "null"] },
    });
  });

  test("state key: explicit, or derived from server, database and query", async () => {
    expect(new PostgresSource({ connection_url: url, table: "t", state_key: "orders" }).stateKey()).toBe("orders");
    const derived = new PostgresSource({ connection_url: url, table: "t", replication_key: "id" }).stateKey();
    expect(derived).toMatch(new RegExp(`^postgres:127\\.0\\.0\\.1:5432/${DATABASE}:[0-9a-f]{12}$`));
    expect(new PostgresSource({ connection_url: url, table: "t" }).stateKey()).toBeUndefined();
  });

  test("stopping early releases the connection mid-COPY", async () => {
    await sql(url, "DROP TABLE IF EXISTS many; CREATE TABLE many AS SELECT n FROM generate_series(1, 50000) n");
    const source = new PostgresSource({ connection_url: url, table: "many", max_connections: 1 });
    for await (const page of source.streamPages({}, 100)) {
      expect(page.records).toHaveLength(100);
      break;
    }
    // With one connection in the pool, a leaked one would hang this second read.
    expect((await fetchAll(source)).length).toBe(50000);
    await source.close();
  });
});

test("config: unknown keys, both or neither of query/table, and the YAML definition", () => {
  expect(definition.type).toBe("postgres");
  expect(definition.kind).toBe("source");
  expect(() => new PostgresSource({ connection_url: "postgres://x@h/db", table: "t", tabel: 1 } as never)).toThrow(
    /tabel.*did you mean `table`/,
  );
  expect(() => new PostgresSource({ connection_url: "postgres://x@h/db" })).toThrow(
    /exactly one of `query` and `table`/,
  );
  expect(() => new PostgresSource({ table: "t" })).toThrow(/connection_url/);
  expect(
    () => new PostgresSource({ connection_url: "postgres://x@h/db", table: "t", start_replication_value: 1 }),
  ).toThrow(/needs replication_key/);
});

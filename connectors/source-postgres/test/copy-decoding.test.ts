// The COPY reader and the in-place decoders against the real server: every value read in place
// must equal its text run through the column's parser, and the protocol reader must survive
// errors mid-stream, notices between rows, rows larger than a socket read and split characters.

import { TypeRegistry } from "faucet-common-postgres";
import { describeWithService } from "faucet-conformance";
import { FaucetError, fetchAll, type Value, type ValueObject } from "faucet-core";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, ensureDatabase, sql } from "../../common-postgres/test/server.js";

const DATABASE = "faucet_test_source_postgres_copy";
let url = "";

/** Columns of the generated table: name, SQL type and type OID. */
const COLUMNS: [string, string, number][] = [
  ["f8", "float8", 701],
  ["f4", "float4", 700],
  ["i2", "int2", 21],
  ["i4", "int4", 23],
  ["i8", "int8", 20],
  ["tz", "timestamptz", 1184],
  ["ts", "timestamp", 1114],
  ["b", "boolean", 16],
  ["jb", "jsonb", 3802],
  ["js", "json", 114],
  ["t", "text", 25],
];

await describeWithService({ name: "PostgreSQL", port: 5432 }, "source-postgres COPY decoding", () => {
  beforeAll(async () => {
    url = await ensureDatabase(DATABASE);
  });
  afterAll(async () => {
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  });

  test("every value read in place equals its text through the column's parser", async () => {
    await sql(
      url,
      `DROP TABLE IF EXISTS odd; CREATE TABLE odd AS SELECT i,
        (CASE i % 9 WHEN 0 THEN NULL WHEN 1 THEN 'NaN' WHEN 2 THEN '-Infinity' WHEN 3 THEN '-0'
          WHEN 4 THEN '1e300' WHEN 5 THEN '123456789012345678'
          ELSE ((i * 7919 % 2000 - 1000) * 10 ^ (i % 37 - 18))::text END)::float8 AS f8,
        ((i * 31 % 2000 - 1000) / 7.0)::float4 AS f4,
        (i * 13 % 65535 - 32767)::int2 AS i2,
        (CASE i % 3 WHEN 0 THEN NULL ELSE i * 104729 END)::int4 AS i4,
        (CASE i % 6 WHEN 0 THEN 9223372036854775807 WHEN 1 THEN -9007199254740993 WHEN 2 THEN 999999999999999
          WHEN 3 THEN 1000000000000000 ELSE -i END)::int8 AS i8,
        (CASE i % 7 WHEN 0 THEN 'infinity' WHEN 1 THEN '0044-03-15 12:00:00 BC' WHEN 2 THEN '12345-01-01 00:00:00+00'
          ELSE (timestamptz '2024-02-29 23:59:59.123456+05:30' + i * interval '1 hour 1.5 sec')::text END)::timestamptz AS tz,
        (CASE i % 5 WHEN 0 THEN '-infinity' WHEN 1 THEN '0001-01-01 00:00:00.5 BC'
          ELSE (timestamp '2000-01-01' + i * interval '17 min 0.25 sec')::text END)::timestamp AS ts,
        (CASE i % 3 WHEN 0 THEN NULL ELSE i % 2 = 0 END) AS b,
        (CASE i % 8 WHEN 0 THEN NULL
          WHEN 1 THEN '{"tab":"a\\tb","quote":"\\"","back":"\\\\","uni":"é日本","nl":"\\n"}'
          WHEN 2 THEN '{"big":12345678901234567890,"x":1.5e300,"small":1e-7,"neg":-0.0}'
          WHEN 3 THEN '[1, 2.50, -3e-5, true, false, null, "s", {"k": []}, {}, [[[]]]]'
          WHEN 4 THEN '"just a string"'
          WHEN 5 THEN '{"__proto__": 1, "a": {"b": [1, {"c": null}]}}'
          ELSE json_build_object('k', i, 'tags', json_build_array('x', i::text), 'v', i / 8.0)::text END)::jsonb AS jb,
        (CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN ' {"a" : [1, 2] } ' WHEN 2 THEN '{"a": 1, "a": 2}'
          WHEN 3 THEN E'{"nl":\\n1}' WHEN 4 THEN '{"e": 1E5, "f": 2e-7, "g": 123456789012345678}'
          ELSE json_build_object('k', i)::text END)::json AS js,
        (CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN E'a\\tb\\nc\\\\d\\re' WHEN 3 THEN '日本語 ✓' ELSE md5(i::text) END) AS t
      FROM generate_series(1, 3000) i`,
    );
    const texts = COLUMNS.map(([name]) => `${name}::text AS ${name}_text`).join(", ");
    const source = new PostgresSource({
      connection_url: url,
      query: `SELECT *, ${texts} FROM odd ORDER BY i`,
      json_big_numbers: "string",
    });
    const rows = (await fetchAll(source)) as ValueObject[];
    await source.close();
    expect(rows).toHaveLength(3000);
    const registry = new TypeRegistry({ jsonBigNumbers: "string" });
    for (const row of rows) {
      for (const [name, , oid] of COLUMNS) {
        const text = row[`${name}_text`] as string | null;
        // bool::text says true/false where COPY says t/f.
        const parse = name === "b" ? (t: string) => t === "true" : registry.parserFor(oid);
        const expected: Value = text === null ? null : parse(text);
        // Object.is as well, so -0 is not read as 0.
        if (!Object.is(row[name], expected))
          expect({ i: row.i, [name]: row[name] }).toEqual({ i: row.i, [name]: expected });
      }
    }
  });

  test("an error after rows were sent fails the read with the server's message, and the pool recovers", async () => {
    const source = new PostgresSource({
      connection_url: url,
      query: "SELECT n, 1 / (n - 30000) AS x FROM generate_series(1, 40000) n",
      max_connections: 1,
    });
    let read = 0;
    const error = await (async () => {
      for await (const page of source.streamPages({}, 1000)) read += page.records.length;
    })().catch((e: unknown) => e);
    expect(FaucetError.is(error, "source")).toBe(true);
    expect((error as Error).message).toMatch(/division by zero/);
    expect(read).toBeLessThan(30000);
    const again = new PostgresSource({ connection_url: url, query: "SELECT 1 AS one", max_connections: 1 });
    expect(await fetchAll(again)).toEqual([{ one: 1 }]);
    await again.close();
    await source.close();
  });

  test("notices between rows, a row larger than a socket read, and multi-byte text across chunks", async () => {
    await sql(
      url,
      `CREATE OR REPLACE FUNCTION noisy(n int) RETURNS int LANGUAGE plpgsql AS $$
       BEGIN IF n % 500 = 0 THEN RAISE NOTICE 'row %', n; END IF; RETURN n; END $$`,
    );
    const source = new PostgresSource({
      connection_url: url,
      query: `SELECT noisy(n) AS n, CASE WHEN n = 777 THEN repeat('é日', 700000) ELSE repeat('é', n % 97) || '✓' END AS s
              FROM generate_series(1, 5000) n`,
    });
    const rows = (await fetchAll(source)) as { n: number; s: string }[];
    await source.close();
    expect(rows).toHaveLength(5000);
    rows.forEach((row, i) => {
      const n = i + 1;
      expect(row.n).toBe(n);
      if (n === 777) expect(row.s).toBe("é日".repeat(700000));
      else expect(row.s).toBe(`${"é".repeat(n % 97)}✓`);
    });
  });
});

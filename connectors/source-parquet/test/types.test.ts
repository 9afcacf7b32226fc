// Files DuckDB writes, with every common type and each codec, read by our source with the same values.
import { join } from "node:path";
import { fetchAll, type Value } from "faucet-core";
import { ParquetSource } from "faucet-source-parquet";
import { describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

const ROWS = 2500;
const { dir, db, sql } = fixture();

/** One row of every common DuckDB type, from the row number `i`. */
const SELECT = `SELECT
  i::INTEGER AS id, (i % 200 - 100)::TINYINT AS i8, (i * 7 - 30000)::SMALLINT AS i16, (i * 7919 - 1000000)::INTEGER AS i32,
  (i * 1000000007 - 5000000000)::BIGINT AS i64, (9223372036854775807 - i)::BIGINT AS i64_max,
  (-9223372036854775808 + i)::BIGINT AS i64_min, (9007199254740990 + i % 4)::BIGINT AS i64_edge,
  (-9007199254740990 - i % 4)::BIGINT AS i64_edge_neg,
  (i % 256)::UTINYINT AS u8, (4294967295 - i)::UINTEGER AS u32, (18446744073709551615 - i)::UBIGINT AS u64,
  i::DOUBLE / 4 AS dbl, (i::FLOAT / 8)::FLOAT AS flt, 1.1::FLOAT AS flt_inexact, 'inf'::DOUBLE AS inf, i % 2 = 0 AS bool,
  'name-' || i AS str, 'üñí€😀-' || i AS uni, '' AS empty, '\\xAA\\xBB'::BLOB || i::VARCHAR::BLOB AS bin,
  (i::DECIMAL(18,3) + 0.125)::DECIMAL(18,3) AS dec18, ('-' || i || '.50')::DECIMAL(9,2) AS dec9,
  ('12345678901234567890.1234567890'::DECIMAL(38,10) + i)::DECIMAL(38,10) AS dec38,
  DATE '2000-01-01' + i::INTEGER AS dt, DATE '1969-12-31' - i::INTEGER AS dt_old,
  TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) + to_microseconds(i * 7) AS ts,
  (TIMESTAMP '2024-01-01' + to_seconds(i))::TIMESTAMP_MS AS ts_ms,
  '2024-01-01 00:00:00.123456789'::TIMESTAMP_NS AS ts_ns,
  TIMESTAMPTZ '1969-12-31 23:59:59.999999+00' AS tstz_neg,
  TIME '00:00:00' + to_seconds(i) + to_microseconds(i) AS tm, to_days(i::INTEGER) AS iv,
  CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS maybe, NULL::VARCHAR AS always_null,
  [i, i + 1, NULL] AS lst, [[i], []] AS lst2, {'a': i, 'b': 'x' || i, 'c': NULL::INTEGER} AS st,
  [{'k': i}] AS los, MAP {'k' || i: i} AS mp,
  printf('00000000-0000-0000-0000-%012d', i)::UUID AS uid, json_object('n', i, 'big', 12345678901234567890) AS js,
  (CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END)::ENUM('a', 'b') AS en
FROM range(${ROWS}) t(i)`;

const DAY = 86_400_000;
const safe = (n: bigint): Value => (n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n.toString());
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** What the source must produce for row `i`, computed independently of DuckDB. */
function expected(i: number): Record<string, Value> {
  const base = Date.UTC(2024, 0, 1);
  const tsSeconds = new Date(base + i * 1000).toISOString().slice(0, 19);
  return {
    id: i,
    i8: (i % 200) - 100,
    i16: i * 7 - 30000,
    i32: i * 7919 - 1000000,
    i64: safe(BigInt(i) * 1000000007n - 5000000000n),
    i64_max: (9223372036854775807n - BigInt(i)).toString(),
    i64_min: (-9223372036854775808n + BigInt(i)).toString(),
    i64_edge: safe(9007199254740990n + BigInt(i % 4)),
    i64_edge_neg: safe(-9007199254740990n - BigInt(i % 4)),
    u8: i % 256,
    u32: 4294967295 - i,
    u64: (18446744073709551615n - BigInt(i)).toString(),
    dbl: i / 4,
    flt: i / 8,
    flt_inexact: 1.1,
    inf: "Infinity",
    bool: i % 2 === 0,
    str: `name-${i}`,
    uni: `üñí€😀-${i}`,
    empty: "",
    bin: Buffer.concat([Buffer.from([0xaa, 0xbb]), Buffer.from(String(i))]).toString("base64"),
    dec18: `${i}.125`,
    dec9: `-${i}.50`,
    dec38: `${12345678901234567890n + BigInt(i)}.1234567890`,
    dt: isoDate(Date.UTC(2000, 0, 1) + i * DAY),
    dt_old: isoDate(Date.UTC(1969, 11, 31) - i * DAY),
    ts: `${tsSeconds}.${pad(i * 7, 6)}Z`,
    ts_ms: `${tsSeconds}.000Z`,
    ts_ns: "2024-01-01T00:00:00.123456789Z",
    tstz_neg: "1969-12-31T23:59:59.999999Z",
    tm: `${pad(Math.floor(i / 3600))}:${pad(Math.floor(i / 60) % 60)}:${pad(i % 60)}.${pad(i, 6)}`,
    iv: i === 0 ? "PT0S" : `P${i}D`,
    maybe: i % 5 === 0 ? null : i,
    always_null: null,
    lst: [i, i + 1, null],
    lst2: [[i], []],
    st: { a: i, b: `x${i}`, c: null },
    los: [{ k: i }],
    mp: { [`k${i}`]: i },
    uid: `00000000-0000-0000-0000-${pad(i, 12)}`,
    js: { n: i, big: "12345678901234567890" },
    en: i % 2 === 0 ? "a" : "b",
  };
}

describe("files DuckDB writes are read with the same values", () => {
  const expectedRows = Array.from({ length: ROWS }, (_, i) => expected(i));

  for (const codec of ["snappy", "gzip", "zstd", "uncompressed", "brotli", "lz4_raw"]) {
    it(`every common type, ${codec}`, async () => {
      const path = join(dir(), `types-${codec}.parquet`);
      await db().run(`COPY (${SELECT}) TO '${path}' (FORMAT PARQUET, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`);
      const [meta] = (await sql(
        `SELECT count(DISTINCT row_group_id) AS groups, any_value(compression) AS codec FROM parquet_metadata('${path}')`,
      )) as { groups: string; codec: string }[];
      expect(Number(meta?.groups)).toBeGreaterThan(1);
      expect(meta?.codec.toLowerCase()).toBe(codec);

      const rows = await fetchAll(new ParquetSource({ path }));
      expect(rows).toHaveLength(ROWS);
      for (let i = 0; i < ROWS; i++) {
        if (JSON.stringify(rows[i]) !== JSON.stringify(expectedRows[i])) expect(rows[i]).toEqual(expectedRows[i]);
      }
      // Every record survives JSON: no BigInt, Date or typed array leaks out.
      expect(JSON.parse(JSON.stringify(rows))).toEqual(rows);
    });
  }

  it("agrees with DuckDB's own reading of the same file", async () => {
    const path = join(dir(), "types-zstd.parquet");
    const ours = await fetchAll(
      new ParquetSource({ path, columns: ["id", "i64", "dbl", "str", "lst", "st", "maybe"] }),
    );
    const theirs = await sql(`SELECT id, i64::VARCHAR AS i64, dbl, str, lst::INTEGER[] AS lst,
       {'a': st.a::INTEGER, 'b': st.b, 'c': st.c} AS st, maybe::INTEGER AS maybe FROM '${path}' ORDER BY id`);
    expect(ours.map((r) => ({ ...(r as object), i64: String((r as { i64: Value }).i64) }))).toEqual(theirs);
  });
});

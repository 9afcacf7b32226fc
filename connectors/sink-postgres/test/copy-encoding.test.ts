// The COPY encoder and the binary text[] arrays of INSERT … unnest write each value by type
// straight into bytes; INSERT … VALUES binds each value's text from the column's serializer. All
// three must store the same thing for every kind of JS value a record may carry into every kind
// of column.
import { describeWithService } from "faucet-conformance";
import type { Value } from "faucet-core";
import { PostgresSink } from "faucet-sink-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_copy_encoding";
const url = ADMIN_URL;
const COLUMNS = "i int, t text, f float8, n numeric, b bool, bt text, j jsonb, a int8[], y bytea, i8 int8";

const STRINGS = [
  "",
  "a\tb",
  "line\nx\r\n",
  "back\\slash \\N \\t",
  "é日本語",
  "\ud83e\udd80 crab",
  "lone \ud800 high",
  "lone \udc00 low",
  "\u0001\u0008\u000b\u000c ctl",
  'q"q',
  "long text ".repeat(20),
  "long\ttab\\".repeat(20),
  "é".repeat(80),
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  0.3,
  2.501,
  -6767.32,
  1e-6,
  1e-7,
  123456789012345,
  1234567890123456,
  999999999999999,
  1e15,
  1e21,
  5e-324,
  1.7976931348623157e308,
  2 ** 53 + 2,
  0.1 + 0.2,
  100.25,
  -0.000001,
  33.333333,
];

function records(): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < 400; i++) {
    const s = STRINGS[i % STRINGS.length] as string;
    const n = NUMBERS[i % NUMBERS.length] as number;
    const finite = Number.isFinite(n) ? n : 0;
    // jsonb refuses lone surrogates (whichever way they arrive).
    const js = s.includes("lone") ? "paired \ud83e\udd80" : s;
    out.push({
      i,
      // text columns take strings, numbers, booleans and objects
      t: [s, n, i % 2 === 0, { k: s, n }, null][i % 5] as Value,
      f: i % 11 === 0 ? null : n,
      n: i % 3 === 0 ? String(Math.trunc(finite)) : Math.trunc(finite) / 8,
      b: [true, false, null, "t", "false"][i % 5] as Value,
      bt: i % 2 === 0,
      j: [{ s: js, n: finite, nested: [1, { x: [js] }] }, [js, null, true], js, finite, null][i % 5] as Value,
      a: i % 4 === 0 ? null : [i, null, -i],
      y: i % 3 === 0 ? null : Buffer.from(s).toString("base64"),
      i8: i % 2 === 0 ? "-9223372036854775808" : i * 1_000_003,
    });
  }
  return out;
}

await describeWithService({ name: "PostgreSQL", port: 5432 }, "sink-postgres COPY encoding", () => {
  beforeAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
    for (const table of ["by_copy", "by_values", "by_unnest"])
      await sql(url, `CREATE TABLE ${SCHEMA}.${table} (${COLUMNS})`);
  });
  afterAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  test("COPY and INSERT … unnest store what INSERT … VALUES stores, for every kind of value", async () => {
    const page = records();
    const base = { connection_url: url, schema: SCHEMA, column_mapping: "auto_map" } as const;
    const sinks = [
      new PostgresSink({ ...base, table_name: "by_copy", write_method: "copy" }),
      new PostgresSink({ ...base, table_name: "by_values", write_method: "insert" }, { insertStyle: "values" }),
      new PostgresSink({ ...base, table_name: "by_unnest", write_method: "insert" }, { insertStyle: "unnest" }),
    ];
    try {
      for (const sink of sinks) expect(await sink.writeBatch(page)).toBe(page.length);
    } finally {
      for (const sink of sinks) await sink.close();
    }
    for (const table of ["by_copy", "by_unnest"]) {
      const differ = await sql(
        url,
        `SELECT (SELECT count(*) FROM (TABLE ${SCHEMA}.${table} EXCEPT ALL TABLE ${SCHEMA}.by_values) a) +
                (SELECT count(*) FROM (TABLE ${SCHEMA}.by_values EXCEPT ALL TABLE ${SCHEMA}.${table}) b) AS n,
                (SELECT count(*) FROM ${SCHEMA}.${table}) AS rows`,
      );
      expect({ table, ...differ.rows[0] }).toEqual({ table, n: "0", rows: String(page.length) });
    }
    // Spot checks of what the text column holds.
    const { rows } = await sql(url, `SELECT i, t FROM ${SCHEMA}.by_copy WHERE i IN (1, 2, 6, 8) ORDER BY i`);
    expect(rows).toEqual([
      { i: 1, t: "-0" },
      { i: 2, t: "true" },
      { i: 6, t: String(NUMBERS[6]) },
      { i: 8, t: JSON.stringify({ k: STRINGS[8], n: NUMBERS[8] }) },
    ]);
  });
});

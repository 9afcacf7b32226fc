// Postgres → Postgres, cell by cell: every common type through PostgresSource and PostgresSink
// (COPY and both INSERT styles), compared on the server with EXCEPT ALL in both directions.
import { describeWithService } from "faucet-conformance";
import { type LogFields, type Logger, Pipeline } from "faucet-core";
import { PostgresSink } from "faucet-sink-postgres";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_roundtrip";
const url = ADMIN_URL;

const COLUMNS = `
  id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, num numeric(38,10), num_free numeric, f4 float4, f8 float8,
  b bool, t text, vc varchar(20), ch char(3), d date, tm time, tmtz timetz, ts timestamp, tstz timestamptz,
  iv interval, u uuid, ip inet, cidr_ cidr, mac macaddr, bin bytea, doc jsonb, mood ${SCHEMA}.mood,
  money_ money, ints int8[], texts text[], grid int4[], docs jsonb[], stamps timestamptz[], bins bytea[],
  nums numeric[], flags bool[], dom ${SCHEMA}.positive, bits bit(4), vbits varbit`;

const EDGE_ROWS = `
INSERT INTO ${SCHEMA}.src VALUES
 (1, -32768, -2147483648, '-9223372036854775808', '-9999999999999999999999999999.9999999999', '-0.000000000000000000001',
  '-3.4028235e38', '-1.7976931348623157e308', false, '', '', '', '4713-01-01 BC', '00:00:00', '00:00:00+14',
  '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', '-178000000 years', '00000000-0000-0000-0000-000000000000',
  '0.0.0.0', '0.0.0.0/0', '00:00:00:00:00:00', '', '{}', 'sad', '-92233720368547758.08', '{}', '{}', '{}', '{}', '{}', '{}',
  '{}', '{}', 1, B'0000', B''),
 (2, 32767, 2147483647, '9223372036854775807', '9999999999999999999999999999.9999999999', '123456789012345678901234567890.123456789',
  '3.4028235e38', '1.7976931348623157e308', true, 'unicode: 日本語 ✓ é 🦀', 'tab	nl
', 'abc', '5874897-12-31', '24:00:00', '23:59:59.999999-12', '294276-12-31 23:59:59.999999',
  '2024-02-29 23:59:59.999999+05:30', '178000000 years', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '::1', '2001:db8::/32',
  'ff:ff:ff:ff:ff:ff', '\\x00ff7f80', '{"a": [1, [2, [3, {"b": null}]]], "big": 9007199254740991, "s": "\\u00e9\\t\\n\\\\"}',
  'happy', '92233720368547758.07', ARRAY['-9223372036854775808', NULL, '9223372036854775807']::int8[],
  ARRAY['a"b', 'c\\d', NULL, '', 'NULL', 'x,y', '{z}', ' space ']::text[], '{{1,2},{3,NULL}}',
  ARRAY['{"k": [1, 2]}', '[]', '[null]', '"s"']::jsonb[], ARRAY['2024-01-01 00:00:00.000001+00', NULL]::timestamptz[],
  ARRAY['\\x00'::bytea, '\\x'::bytea, NULL], ARRAY[0.1, -1e-10, 12345678901234567890.5]::numeric[], '{t,f,NULL}',
  2147483647, B'1111', B'101'),
 (3, NULL, NULL, NULL, NULL, NULL, 'NaN', 'Infinity', NULL, NULL, NULL, NULL, 'infinity', NULL, NULL, '-infinity',
  'infinity', NULL, NULL, NULL, NULL, NULL, NULL, '[null]', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL),
 (4, 0, 0, '9007199254740993', '0', 'NaN', '-Infinity', '-0', NULL, 'back\\slash \\N \\t', ' ', 'a', '2000-01-01', '12:34:56.789012',
  '12:34:56.789012+05:30', '2000-01-01 12:34:56.789012', '1999-12-31 23:59:59.999999-08', '1 mon -2 days 03:04:05.678901',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '\\x5c4e',
  '{"emoji": "🦀", "empty": "", "arr": [], "obj": {}, "num": 1.5e300, "neg": -0.000001}', 'ok', '0', '{}', '{NULL}', '{}',
  '{}', '{}', '{}', '{}', '{}', NULL, B'1010', B'')`;

const RANDOM_ROWS = `
INSERT INTO ${SCHEMA}.src
SELECT n, (n % 32767)::int2, n * 7919, n::int8 * 1000000007 * (CASE WHEN n % 2 = 0 THEN 1 ELSE -1 END),
  round((random() * 1e12)::numeric, 10), (random() * 1e6)::numeric, random()::float4, random() * 1e10, n % 3 = 0,
  md5(n::text) || E'\\t' || chr(233 + n % 500), left(md5(n::text), 20), left(md5(n::text), 3),
  date '2000-01-01' + n, time '00:00' + n * interval '1.000001 second', timetz '00:00+02' + n * interval '1 second',
  timestamp '2000-01-01' + n * interval '1.000001 hour', timestamptz '2000-01-01 00:00:00+03' + n * interval '1.000001 minute',
  n * interval '1 day 1.5 second', md5(n::text)::uuid, ('10.0.' || (n % 255) || '.' || (n % 200))::inet,
  ('10.' || (n % 255) || '.0.0/16')::cidr, ('08:00:2b:01:02:' || lpad(to_hex(n % 255), 2, '0'))::macaddr,
  decode(md5(n::text), 'hex'), jsonb_build_object('n', n, 'tags', jsonb_build_array('a', n, jsonb_build_array(n * 1.5)), 'u', chr(20000 + n)),
  (ARRAY['sad', 'ok', 'happy'])[1 + n % 3]::${SCHEMA}.mood, (n * 1.25)::money, ARRAY[n, -n, NULL]::int8[],
  ARRAY[md5(n::text), NULL, E'q"\\\\' || n]::text[], ARRAY[[n, n + 1], [n + 2, NULL]]::int4[],
  ARRAY[jsonb_build_object('n', n)]::jsonb[], ARRAY[timestamptz '2020-01-01' + n * interval '1 microsecond'],
  ARRAY[decode(md5(n::text), 'hex')], ARRAY[(n / 7.0)::numeric], ARRAY[n % 2 = 0], 1 + n,
  (n % 16)::bit(4), (n % 8)::bit(3)::varbit
FROM generate_series(5, 400) AS n`;

await describeWithService({ name: "PostgreSQL", port: 5432 }, "postgres round trip", () => {
  beforeAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await sql(url, `CREATE SCHEMA ${SCHEMA}`);
    await sql(url, `CREATE TYPE ${SCHEMA}.mood AS ENUM ('sad', 'ok', 'happy')`);
    await sql(url, `CREATE DOMAIN ${SCHEMA}.positive AS int CHECK (VALUE > 0)`);
    await sql(url, `CREATE TABLE ${SCHEMA}.src (${COLUMNS})`);
    await sql(url, EDGE_ROWS);
    await sql(url, RANDOM_ROWS);
  });
  afterAll(async () => {
    if (!process.env.FAUCET_KEEP_TEST_DATA) await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  for (const [label, method, style] of [
    ["COPY", "copy", "unnest"],
    ["INSERT (unnest)", "insert", "unnest"],
    ["INSERT (values)", "insert", "values"],
  ] as const) {
    test(`every cell survives Postgres → Postgres with ${label}`, async () => {
      const table = `dst_${method}_${style}`;
      await sql(url, `CREATE TABLE ${SCHEMA}.${table} (LIKE ${SCHEMA}.src INCLUDING ALL)`);
      const source = new PostgresSource({ connection_url: url, table: `${SCHEMA}.src`, replication_key: "id" });
      const sink = new PostgresSink(
        { connection_url: url, schema: SCHEMA, table_name: table, column_mapping: "auto_map", write_method: method },
        { insertStyle: style },
      );
      const result = await new Pipeline(source, sink, { batchSize: 37 }).run();
      expect(result.recordsWritten).toBe(400);
      await expectSameRows(table);
    });
  }

  // Native pass-through: COPY text pages move as they are, incremental reads bookmarked.
  for (const [method, incremental] of [
    ["copy", false],
    ["insert", false],
    ["copy", true],
  ] as const) {
    test(`every cell survives native pass-through with ${method.toUpperCase()}${incremental ? ", incremental" : ""}`, async () => {
      const table = `dst_native_${method}${incremental ? "_inc" : ""}`;
      await sql(url, `CREATE TABLE ${SCHEMA}.${table} (LIKE ${SCHEMA}.src INCLUDING ALL)`);
      const source = new PostgresSource({
        connection_url: url,
        table: `${SCHEMA}.src`,
        ...(incremental ? { replication_key: "id" } : {}),
      });
      const sink = new PostgresSink({
        connection_url: url,
        schema: SCHEMA,
        table_name: table,
        column_mapping: "auto_map",
        write_method: method,
        batch_size: 50,
      });
      const logger = debugLog();
      const result = await new Pipeline(source, sink, { batchSize: 37, logger }).run();
      expect(result.recordsWritten).toBe(400);
      expect(result.bookmark).toBe(incremental ? 400 : undefined);
      expect(logger.messages.filter((m) => m.startsWith("native"))).toEqual([
        'native pass-through on {"pipeline":"source-postgres-to-sink-postgres","encoding":"postgres/copy-text"}',
      ]);
      await expectSameRows(table);
    });
  }

  async function expectSameRows(table: string): Promise<void> {
    // money, interval and the array/range types compare with their own equality operators.
    const diff = async (a: string, b: string) =>
      Number(
        (
          await sql(
            url,
            `SELECT count(*) AS n FROM (SELECT * FROM ${SCHEMA}.${a} EXCEPT ALL SELECT * FROM ${SCHEMA}.${b}) AS d`,
          )
        ).rows[0].n,
      );
    expect(await diff("src", table)).toBe(0);
    expect(await diff(table, "src")).toBe(0);
    // EXCEPT compares intervals, numerics, floats and timestamps by value; check their text too.
    // (jsonb is compared by value only: a JSON number's trailing zeros, 9.0, are not kept.)
    const { rows } = await sql(
      url,
      `SELECT s.id FROM ${SCHEMA}.src s JOIN ${SCHEMA}.${table} d USING (id)
         WHERE s.iv::text IS DISTINCT FROM d.iv::text
            OR s.num_free::text IS DISTINCT FROM d.num_free::text OR s.f8::text IS DISTINCT FROM d.f8::text
            OR s.tstz::text IS DISTINCT FROM d.tstz::text OR s.texts::text IS DISTINCT FROM d.texts::text`,
    );
    expect(rows).toEqual([]);
  }
});

/** A logger that keeps its debug messages. */
function debugLog(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const keep = (message: string, fields?: LogFields) => {
    messages.push(fields ? `${message} ${JSON.stringify(fields)}` : message);
  };
  return { messages, debug: keep, info: keep, warn: keep, error: keep };
}

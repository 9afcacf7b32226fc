// Effectively-once delivery, Postgres → Postgres: the shared kill test (through a library child and
// through `faucet run`), the sink-ahead-of-state case, and what exactly_once refuses.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithService } from "faucet-conformance";
import { FileStateStore, MemoryStateStore, Pipeline } from "faucet-core";
import { PostgresSink } from "faucet-sink-postgres";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { killTests, sinkAheadTest } from "../../common-sql/test/exactly-once.js";
import { ADMIN_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_exactly_once";
const url = ADMIN_URL;
const ROWS = 200_000;

async function count(query: string): Promise<number> {
  return Number((await sql(url, query)).rows[0].n);
}

async function assertExactCopy(from: string, to: string, rows: number): Promise<void> {
  expect(await count(`SELECT count(*) AS n FROM ${SCHEMA}.${to}`)).toBe(rows);
  expect(await count(`SELECT count(DISTINCT id) AS n FROM ${SCHEMA}.${to}`)).toBe(rows);
  const except = (a: string, b: string) =>
    count(`SELECT count(*) AS n FROM (SELECT * FROM ${SCHEMA}.${a} EXCEPT ALL SELECT * FROM ${SCHEMA}.${b}) AS d`);
  expect(await except(from, to)).toBe(0);
  expect(await except(to, from)).toBe(0);
}

await describeWithService({ name: "PostgreSQL", port: 5432 }, "exactly-once delivery", () => {
  beforeAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await sql(url, `CREATE SCHEMA ${SCHEMA}`);
    await sql(
      url,
      `CREATE TABLE ${SCHEMA}.src (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamptz, doc jsonb)`,
    );
    await sql(
      url,
      `INSERT INTO ${SCHEMA}.src SELECT n, 'name ' || n || E'\\t' || chr(913 + n % 50), (n * 1.01)::numeric(12,2),
         timestamptz '2024-01-01' + n * interval '1.000001 second', jsonb_build_object('n', n, 'tags', jsonb_build_array(n % 7))
       FROM generate_series(1, ${ROWS}) AS n`,
    );
  });
  afterAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  killTests({
    name: "postgres",
    rows: ROWS,
    kills: 10,
    killWindowMs: { afterPage: 250, afterStart: 600 },
    timeoutMs: 300_000,
    source: {
      package: "faucet-source-postgres",
      className: "PostgresSource",
      type: "postgres",
      config: { connection_url: url, table: `${SCHEMA}.src`, replication_key: "id", batch_size: 1000 },
    },
    sink: (to) => ({
      package: "faucet-sink-postgres",
      className: "PostgresSink",
      type: "postgres",
      config: { connection_url: url, schema: SCHEMA, table_name: to, column_mapping: "auto_map" },
    }),
    createDestination: async (to) => {
      await sql(url, `CREATE TABLE ${SCHEMA}.${to} (LIKE ${SCHEMA}.src)`);
    },
    count: (to) => count(`SELECT count(*) AS n FROM ${SCHEMA}.${to}`),
    assertExactCopy: (to) => assertExactCopy("src", to, ROWS),
    tokens: async () => (await sql(url, `SELECT scope, token FROM ${SCHEMA}._faucet_commit_token`)).rows,
  });

  sinkAheadTest({
    name: "postgres",
    createTables: async () => {
      await sql(url, `CREATE TABLE ${SCHEMA}.small_src AS SELECT * FROM ${SCHEMA}.src WHERE id <= 5000`);
      await sql(url, `CREATE TABLE ${SCHEMA}.small_dst (LIKE ${SCHEMA}.src)`);
    },
    source: () =>
      new PostgresSource({ connection_url: url, table: `${SCHEMA}.small_src`, replication_key: "id", batch_size: 500 }),
    sink: () =>
      new PostgresSink({ connection_url: url, schema: SCHEMA, table_name: "small_dst", column_mapping: "auto_map" }),
    assertExactCopy: () => assertExactCopy("small_src", "small_dst", 5000),
  });

  test("exactly_once is refused without a durable state store, and without a replication key", async () => {
    const sink = () =>
      new PostgresSink({ connection_url: url, schema: SCHEMA, table_name: "never", column_mapping: "auto_map" });
    const incremental = () =>
      new PostgresSource({ connection_url: url, table: `${SCHEMA}.src`, replication_key: "id" });
    await expect(
      new Pipeline(incremental(), sink(), { delivery: "exactly_once", stateStore: new MemoryStateStore() }).run(),
    ).rejects.toThrow(/state store is not durable/);
    const dir = mkdtempSync(join(tmpdir(), "faucet-refuse-"));
    await expect(
      new Pipeline(new PostgresSource({ connection_url: url, table: `${SCHEMA}.src` }), sink(), {
        delivery: "exactly_once",
        stateStore: new FileStateStore(dir),
      }).run(),
    ).rejects.toThrow(/does not replay deterministically.*replication_key/);
    const overwrite = new PostgresSink({
      connection_url: url,
      schema: SCHEMA,
      table_name: "never",
      column_mapping: "auto_map",
      write_mode: "overwrite",
    });
    await expect(
      new Pipeline(incremental(), overwrite, { delivery: "exactly_once", stateStore: new FileStateStore(dir) }).run(),
    ).rejects.toThrow(/cannot commit a page and its watermark atomically/);
    rmSync(dir, { recursive: true, force: true });
  });
});

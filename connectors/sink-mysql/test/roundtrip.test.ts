// Postgres → MariaDB → Postgres, compared cell by cell: every common type survives both hops.
import { describeWithService } from "faucet-conformance";
import { fetchAll, Pipeline } from "faucet-core";
import { MysqlSink } from "faucet-sink-mysql";
import { PostgresSink } from "faucet-sink-postgres";
import { MysqlSource } from "faucet-source-mysql";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, freshDatabase, POSTGRES_URL, pgsql, sql } from "./helpers.js";

const SCHEMA = "faucet_test_roundtrip_mysql";
const DATABASE = "faucet_test_roundtrip_mysql";
const ROWS = 2000;

await describeWithService({ name: "PostgreSQL", port: 5432 }, "round trip Postgres → MariaDB → Postgres", async () => {
  await describeWithService({ name: "MariaDB", port: 3306 }, "with MariaDB", () => {
    let mysqlUrl = "";
    beforeAll(async () => {
      mysqlUrl = await freshDatabase(DATABASE);
      await pgsql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
      await pgsql(
        `CREATE TABLE ${SCHEMA}.src (id bigint PRIMARY KEY, i8 int8, num numeric(38,10), tstz timestamptz, txt text,
           nul text, doc jsonb, bin bytea, flag boolean, f8 float8, d date, small int4)`,
      );
      await pgsql(
        `INSERT INTO ${SCHEMA}.src VALUES
          (1, 9223372036854775807, 12345678901234567890.0123456789, '2024-02-29 23:59:59.123456+05:30', '日本語 ✓ é \t tab "q" ''s'' \\ back',
           NULL, '{"a":[1,[2,3],{"b":null}],"s":"é","f":1.5,"t":true}', '\\x00ff10', true, 0.1, '2024-02-29', -2147483648),
          (2, -9223372036854775808, -0.0000000001, '1970-01-01 00:00:00+00', '', NULL, '[]', '\\x', false, 1e300, '0001-01-01', 2147483647),
          (3, 0, 0, '2038-01-19 03:14:08.000001-08:00', 'NULL', NULL, '{}', NULL, NULL, -2.5e-300, '9999-12-31', 0),
          (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      );
      await pgsql(
        `INSERT INTO ${SCHEMA}.src SELECT n, n * 1000003, (n * 1.0000000001)::numeric(38,10),
           timestamptz '2024-01-01 00:00:00+00' + n * interval '1.000001 second', 'row ' || n || chr(913 + n % 50), NULL,
           jsonb_build_object('n', n, 'tags', jsonb_build_array(n % 7, 'x')), decode(md5(n::text), 'hex'), n % 2 = 0,
           n / 7.0, date '2000-01-01' + n, n % 1000
         FROM generate_series(5, ${ROWS}) AS n`,
      );
      await sql(
        mysqlUrl,
        `CREATE TABLE hop (id BIGINT PRIMARY KEY, i8 BIGINT, num DECIMAL(38,10), tstz DATETIME(6), txt LONGTEXT, nul LONGTEXT,
           doc JSON, bin LONGBLOB, flag BOOLEAN, f8 DOUBLE, d DATE, small INT)`,
      );
      await pgsql(`CREATE TABLE ${SCHEMA}.dst (LIKE ${SCHEMA}.src INCLUDING ALL)`);
    });
    afterAll(async () => {
      if (process.env.FAUCET_KEEP) return;
      await pgsql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DATABASE}`);
    });

    test(`${ROWS} rows of every common type survive both hops exactly (EXCEPT both ways, then cell by cell)`, async () => {
      const there = await new Pipeline(
        new PostgresSource({ connection_url: POSTGRES_URL, table: `${SCHEMA}.src`, batch_size: 300 }),
        new MysqlSink({ connection_url: mysqlUrl, table_name: "hop", column_mapping: "auto_map", batch_size: 100 }),
      ).run();
      expect(there.recordsWritten).toBe(ROWS);
      const back = await new Pipeline(
        new MysqlSource({ connection_url: mysqlUrl, table: "hop", replication_key: "id", batch_size: 300 }),
        new PostgresSink({
          connection_url: POSTGRES_URL,
          schema: SCHEMA,
          table_name: "dst",
          column_mapping: "auto_map",
        }),
      ).run();
      expect(back.recordsWritten).toBe(ROWS);
      const except = async (a: string, b: string) =>
        Number(
          (
            await pgsql(
              `SELECT count(*) AS n FROM (SELECT * FROM ${SCHEMA}.${a} EXCEPT ALL SELECT * FROM ${SCHEMA}.${b}) d`,
            )
          ).rows[0].n,
        );
      expect(await except("src", "dst")).toBe(0);
      expect(await except("dst", "src")).toBe(0);
      const read = (table: string) =>
        fetchAll(
          new PostgresSource({ connection_url: POSTGRES_URL, query: `SELECT * FROM ${SCHEMA}.${table} ORDER BY id` }),
        );
      const [source, destination] = await Promise.all([read("src"), read("dst")]);
      expect(destination).toHaveLength(ROWS);
      for (let i = 0; i < ROWS; i++) expect(destination[i]).toEqual(source[i]);
      expect(source[0]).toMatchObject({ i8: "9223372036854775807", tstz: "2024-02-29T18:29:59.123456Z", bin: "AP8Q" });
    });
  });
});

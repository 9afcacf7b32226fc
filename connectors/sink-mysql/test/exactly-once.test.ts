// Effectively-once delivery, Postgres → MariaDB: the shared kill test (through a library child and
// through `faucet run`) and the sink-ahead-of-state case, with MariaDB as the destination.
import { describeWithService } from "faucet-conformance";
import { fetchAll } from "faucet-core";
import { MysqlSink } from "faucet-sink-mysql";
import { MysqlSource } from "faucet-source-mysql";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, expect } from "vitest";
import { killTests, sinkAheadTest } from "../../common-sql/test/exactly-once.js";
import { ADMIN_URL, freshDatabase, POSTGRES_URL, pgsql, sql } from "./helpers.js";

const SCHEMA = "faucet_test_kill_mysql";
const DATABASE = "faucet_test_kill_mysql";
const ROWS = 200_000;

await describeWithService({ name: "PostgreSQL", port: 5432 }, "exactly-once Postgres → MariaDB", async () => {
  await describeWithService({ name: "MariaDB", port: 3306 }, "with MariaDB as the sink", () => {
    let mysqlUrl = "";

    async function count(table: string, what = "*"): Promise<number> {
      return Number((await sql(mysqlUrl, `SELECT COUNT(${what}) AS n FROM \`${table}\``))[0]?.n);
    }

    /** The destination holds exactly the source's rows: counts, distinct ids, then row by row. */
    async function assertExactCopy(from: string, to: string, rows: number): Promise<void> {
      expect(await count(to)).toBe(rows);
      expect(await count(to, "DISTINCT id")).toBe(rows);
      const [source, destination] = await Promise.all([
        // Postgres prints a timestamp's fraction without trailing zeros, DATETIME(6) with all six.
        fetchAll(
          new PostgresSource({
            connection_url: POSTGRES_URL,
            query: `SELECT id, name, amount, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, doc FROM ${SCHEMA}.${from} ORDER BY id`,
          }),
        ),
        fetchAll(new MysqlSource({ connection_url: mysqlUrl, query: `SELECT * FROM \`${to}\` ORDER BY id` })),
      ]);
      expect(destination.length).toBe(rows);
      for (let i = 0; i < rows; i++) {
        if (JSON.stringify(destination[i]) !== JSON.stringify(source[i])) expect(destination[i]).toEqual(source[i]);
      }
    }

    beforeAll(async () => {
      mysqlUrl = await freshDatabase(DATABASE);
      await pgsql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
      await pgsql(
        `CREATE TABLE ${SCHEMA}.src (id bigint PRIMARY KEY, name text, amount numeric(12,2), at timestamptz, doc jsonb)`,
      );
      await pgsql(
        `INSERT INTO ${SCHEMA}.src SELECT n, 'name ' || n || E'\\t' || chr(913 + n % 50), (n * 1.01)::numeric(12,2),
           timestamptz '2024-01-01' + n * interval '1.000001 second', jsonb_build_object('n', n, 'tags', jsonb_build_array(n % 7))
         FROM generate_series(1, ${ROWS}) AS n`,
      );
    });
    afterAll(async () => {
      await pgsql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DATABASE}`);
    });

    const createTable = (table: string) =>
      sql(
        mysqlUrl,
        `CREATE TABLE \`${table}\` (id BIGINT, name LONGTEXT, amount DECIMAL(12,2), at DATETIME(6), doc JSON) ENGINE=InnoDB`,
      );

    killTests({
      name: "mysql",
      rows: ROWS,
      kills: 10,
      killWindowMs: { afterPage: 400, afterStart: 800 },
      timeoutMs: 400_000,
      source: {
        package: "faucet-source-postgres",
        className: "PostgresSource",
        type: "postgres",
        config: { connection_url: POSTGRES_URL, table: `${SCHEMA}.src`, replication_key: "id", batch_size: 1000 },
      },
      sink: (to) => ({
        package: "faucet-sink-mysql",
        className: "MysqlSink",
        type: "mysql",
        config: { connection_url: mysqlUrl, table_name: to, column_mapping: "auto_map" },
      }),
      createDestination: async (to) => {
        await createTable(to);
      },
      count: (to) => count(to),
      assertExactCopy: (to) => assertExactCopy("src", to, ROWS),
      tokens: async () =>
        (await sql(mysqlUrl, "SELECT scope, token FROM _faucet_commit_token")) as { scope: unknown; token: unknown }[],
    });

    sinkAheadTest({
      name: "mysql",
      createTables: async () => {
        await pgsql(`CREATE TABLE ${SCHEMA}.small_src AS SELECT * FROM ${SCHEMA}.src WHERE id <= 5000`);
        await createTable("small_dst");
      },
      source: () =>
        new PostgresSource({
          connection_url: POSTGRES_URL,
          table: `${SCHEMA}.small_src`,
          replication_key: "id",
          batch_size: 500,
        }),
      sink: () => new MysqlSink({ connection_url: mysqlUrl, table_name: "small_dst", column_mapping: "auto_map" }),
      assertExactCopy: () => assertExactCopy("small_src", "small_dst", 5000),
    });
  });
});

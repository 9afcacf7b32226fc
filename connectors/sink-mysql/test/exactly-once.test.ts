// Effectively-once delivery, Postgres → MariaDB: the kill test (SIGKILL at random moments, then a
// run to completion, and the destination holds exactly the source rows — none lost, none twice)
// through a library child and through `faucet run`, and the sink-ahead-of-state case.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeWithService } from "faucet-conformance";
import { FileStateStore, fetchAll, Pipeline } from "faucet-core";
import { MysqlSink } from "faucet-sink-mysql";
import { MysqlSource } from "faucet-source-mysql";
import { PostgresSource } from "faucet-source-postgres";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, freshDatabase, POSTGRES_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_kill_mysql";
const DATABASE = "faucet_test_kill_mysql";
const CHILD = fileURLToPath(new URL("./fixtures/exactly-once-child.mjs", import.meta.url));
const CLI = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url));
const ROWS = 200_000;
const KILLS = 10;

async function pgsql(text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  pages: number;
  output: string;
}

type Runner = { argv: string[]; to: string };

/** Runs the child; kills it `afterMs` after its first committed page (or after start). */
function runChild(runner: Runner, kill?: { afterMs: number; waitForPage: boolean }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, runner.argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let pages = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => child.kill("SIGKILL"), kill?.afterMs ?? 0);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      pages = (output.match(/^page |page committed/gm) ?? []).length;
      if (kill?.waitForPage && pages > 0) arm();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    if (kill && !kill.waitForPage) arm();
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, pages, output });
    });
  });
}

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

    function cliConfig(stateDir: string, to: string): string {
      return [
        "version: 1",
        "name: kill-test-cli",
        "delivery: exactly_once",
        "pipeline:",
        "  source:",
        "    type: postgres",
        "    config:",
        `      connection_url: ${POSTGRES_URL}`,
        `      table: ${SCHEMA}.src`,
        "      replication_key: id",
        "      batch_size: 1000",
        "  sink:",
        "    type: mysql",
        "    config:",
        `      connection_url: ${mysqlUrl}`,
        `      table_name: ${to}`,
        "      column_mapping: auto_map",
        "  state:",
        "    type: file",
        "    config:",
        `      path: ${JSON.stringify(stateDir)}`,
        "",
      ].join("\n");
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

    const runners: [string, (stateDir: string) => Runner][] = [
      [
        "a library child",
        (stateDir) => ({ argv: [CHILD, POSTGRES_URL, `${SCHEMA}.src`, mysqlUrl, "dst", stateDir], to: "dst" }),
      ],
      [
        "`faucet run`",
        (stateDir) => {
          const config = `${stateDir}.yaml`;
          writeFileSync(config, cliConfig(join(stateDir, "state"), "dst_cli"));
          return { argv: [CLI, "run", config, "--log-level", "debug"], to: "dst_cli" };
        },
      ],
    ];
    for (const [label, makeRunner] of runners) {
      const skip = label.includes("faucet run") && !existsSync(CLI);
      test.skipIf(skip)(
        `the kill test through ${label}: ${ROWS} rows, SIGKILL at ${KILLS} random moments, then a full run: every row exactly once`,
        async () => {
          const stateDir = mkdtempSync(join(tmpdir(), "faucet-kill-mysql-"));
          const runner = makeRunner(stateDir);
          // No primary key on the destination: a duplicate would land, and be counted.
          await sql(
            mysqlUrl,
            `CREATE TABLE \`${runner.to}\` (id BIGINT, name LONGTEXT, amount DECIMAL(12,2), at DATETIME(6), doc JSON) ENGINE=InnoDB`,
          );
          try {
            const kills: string[] = [];
            let midRun = 0;
            for (let i = 0; i < KILLS; i++) {
              // Mostly while pages are committing; sometimes during start-up, before the first page.
              const waitForPage = Math.random() < 0.8;
              const afterMs = Math.floor(Math.random() * (waitForPage ? 400 : 800));
              const outcome = await runChild(runner, { afterMs, waitForPage });
              const rows = await count(runner.to);
              kills.push(
                `${waitForPage ? "after first page" : "after start"} +${afterMs}ms: ${outcome.signal ?? `exit ${outcome.code}`}, ${rows} rows`,
              );
              if (outcome.signal === "SIGKILL" && outcome.pages > 0) midRun++;
              if (outcome.code === 0) break; // it finished before the kill: nothing left to interrupt
              expect(outcome.signal, outcome.output).toBe("SIGKILL");
            }
            console.log(`kill test (MariaDB sink) through ${label}: ${kills.join("; ")}`);
            expect(midRun).toBeGreaterThanOrEqual(5);
            const final = await runChild(runner);
            expect(final.code, final.output).toBe(0);
            await assertExactCopy("src", runner.to, ROWS);
            const tokens = await sql(mysqlUrl, "SELECT scope, token FROM _faucet_commit_token");
            const token = tokens.find(
              (t) =>
                String(t.token).endsWith(`#${ROWS}`) &&
                (label.includes("faucet") ? t.scope !== "kill-test" : t.scope === "kill-test"),
            );
            expect(token, JSON.stringify(tokens)).toBeDefined();
          } finally {
            rmSync(stateDir, { recursive: true, force: true });
            rmSync(`${stateDir}.yaml`, { force: true });
          }
        },
        400_000,
      );
    }

    test("a sink ahead of the state store wins: the run resumes from the sink's commit token", async () => {
      await pgsql(`CREATE TABLE ${SCHEMA}.small_src AS SELECT * FROM ${SCHEMA}.src WHERE id <= 5000`);
      await sql(
        mysqlUrl,
        "CREATE TABLE small_dst (id BIGINT, name LONGTEXT, amount DECIMAL(12,2), at DATETIME(6), doc JSON)",
      );
      const state = new FileStateStore(mkdtempSync(join(tmpdir(), "faucet-ahead-mysql-")));
      const run = (limitPages?: number) => {
        const controller = new AbortController();
        return new Pipeline(
          new PostgresSource({
            connection_url: POSTGRES_URL,
            table: `${SCHEMA}.small_src`,
            replication_key: "id",
            batch_size: 500,
          }),
          new MysqlSink({ connection_url: mysqlUrl, table_name: "small_dst", column_mapping: "auto_map" }),
          {
            stateKey: "ahead",
            stateStore: state,
            delivery: "exactly_once",
            signal: controller.signal,
            onProgress: (p) => {
              if (limitPages !== undefined && p.pages >= limitPages) controller.abort();
            },
          },
        ).run();
      };
      await run(4); // 2,000 rows, state { bookmark: 2000, seq: 4 }
      expect(await state.get("ahead")).toEqual({ bookmark: 2000, seq: 4 });
      // A crash between the sink's commit and the state write leaves the state behind the sink.
      await state.put("ahead", { bookmark: 500, seq: 1 });
      const result = await run();
      expect(result.recordsWritten).toBe(3000);
      await assertExactCopy("small_src", "small_dst", 5000);
      expect(await state.get("ahead")).toEqual({ bookmark: 5000, seq: 10 });
      rmSync(state.directory, { recursive: true, force: true });
    });
  });
});

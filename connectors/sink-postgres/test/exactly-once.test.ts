// Effectively-once delivery, Postgres → Postgres: the kill test (SIGKILL at random moments, then
// a run to completion, and the destination holds exactly the source rows) and the sink-ahead-of-
// state case that the kill test can only hit by chance.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeWithService } from "faucet-conformance";
import { FileStateStore, MemoryStateStore, Pipeline } from "faucet-core";
import { PostgresSink } from "faucet-sink-postgres";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_exactly_once";
const url = ADMIN_URL;
const CHILD = fileURLToPath(new URL("./fixtures/exactly-once-child.mjs", import.meta.url));
const CLI = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url));
const ROWS = 200_000;
const KILLS = 10;

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

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  pages: number;
  output: string;
}

/** The pipeline as `faucet run` YAML: the same pipeline the library child builds. */
function cliConfig(stateDir: string, to: string): string {
  return [
    "version: 1",
    "name: kill-test-cli",
    "delivery: exactly_once",
    "pipeline:",
    "  source:",
    "    type: postgres",
    "    config:",
    `      connection_url: ${url}`,
    `      table: ${SCHEMA}.src`,
    "      replication_key: id",
    "      batch_size: 1000",
    "  sink:",
    "    type: postgres",
    "    config:",
    `      connection_url: ${url}`,
    `      schema: ${SCHEMA}`,
    `      table_name: ${to}`,
    "      column_mapping: auto_map",
    "  state:",
    "    type: file",
    "    config:",
    `      path: ${JSON.stringify(stateDir)}`,
    "",
  ].join("\n");
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

  const runners: [string, (stateDir: string) => Runner][] = [
    ["a library child", (stateDir) => ({ argv: [CHILD, url, SCHEMA, "src", "dst", stateDir], to: "dst" })],
    [
      "`faucet run`",
      (stateDir) => {
        const config = join(stateDir, "..", `${stateDir.split("/").pop()}.yaml`);
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
        const stateDir = mkdtempSync(join(tmpdir(), "faucet-kill-"));
        const runner = makeRunner(stateDir);
        // No primary key on the destination: a duplicate would land, and be counted.
        await sql(url, `CREATE TABLE ${SCHEMA}.${runner.to} (LIKE ${SCHEMA}.src)`);
        try {
          const kills: string[] = [];
          let midRun = 0;
          for (let i = 0; i < KILLS; i++) {
            // Eight kills while pages are committing, two during start-up; the moments are random.
            const waitForPage = i % 5 !== 4;
            const afterMs = Math.floor(Math.random() * (waitForPage ? 250 : 600));
            const outcome = await runChild(runner, { afterMs, waitForPage });
            const rows = await count(`SELECT count(*) AS n FROM ${SCHEMA}.${runner.to}`);
            kills.push(
              `${waitForPage ? "after first page" : "after start"} +${afterMs}ms: ${outcome.signal ?? `exit ${outcome.code}`}, ${rows} rows`,
            );
            if (outcome.signal === "SIGKILL" && outcome.pages > 0) midRun++;
            if (outcome.code === 0) break; // it finished before the kill: nothing left to interrupt
            expect(outcome.signal, outcome.output).toBe("SIGKILL");
          }
          console.log(`kill test through ${label}: ${kills.join("; ")}`);
          expect(midRun).toBeGreaterThanOrEqual(5);
          const final = await runChild(runner);
          expect(final.code, final.output).toBe(0);
          await assertExactCopy("src", runner.to, ROWS);
          const { rows: tokens } = await sql(url, `SELECT scope, token FROM ${SCHEMA}._faucet_commit_token`);
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
      300_000,
    );
  }

  test("a sink ahead of the state store wins: the run resumes from the sink's commit token", async () => {
    await sql(url, `CREATE TABLE ${SCHEMA}.small_src AS SELECT * FROM ${SCHEMA}.src WHERE id <= 5000`);
    await sql(url, `CREATE TABLE ${SCHEMA}.small_dst (LIKE ${SCHEMA}.src)`);
    const state = new FileStateStore(mkdtempSync(join(tmpdir(), "faucet-ahead-")));
    const run = (limitPages?: number) => {
      const controller = new AbortController();
      return new Pipeline(
        new PostgresSource({
          connection_url: url,
          table: `${SCHEMA}.small_src`,
          replication_key: "id",
          batch_size: 500,
        }),
        new PostgresSink({ connection_url: url, schema: SCHEMA, table_name: "small_dst", column_mapping: "auto_map" }),
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

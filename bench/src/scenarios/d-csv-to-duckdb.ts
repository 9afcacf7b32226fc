// Scenario D: the benchmark CSV appended into a DuckDB table with `faucet run` (the `csv` source
// into the `duckdb` sink: the appender, one transaction per page), beside DuckDB's own loader
// `COPY bench FROM 'bench.csv'` into the same typed table.
import { rmSync } from "node:fs";
import { ensureBenchCsv } from "../harness/inputs.js";
import { defineScenario, type ScenarioContext, type Verification } from "../harness/scenario.js";
import { duckdbTool, outputPath } from "../harness/tools.js";
import { expectedFromBenchCsv, hashLines } from "./b-postgres-to-jsonl.js";

const TABLE = "bench";
const PAGE = 10_000;
const COLUMNS =
  "id BIGINT, first_name VARCHAR, country VARCHAR, amount DOUBLE, created_at TIMESTAMPTZ, active BOOLEAN, attributes JSON";
const faucetDatabase = (ctx: ScenarioContext) => outputPath(ctx, "faucet.duckdb");
const duckdbDatabase = (ctx: ScenarioContext) => outputPath(ctx, "duckdb.duckdb");

async function withDatabase<T>(path: string, fn: (run: (sql: string) => Promise<void>) => Promise<T>): Promise<T> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await fn(async (sql) => {
      await connection.run(sql);
    });
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Dumps the table as JSON lines with DuckDB and hashes it like scenario B's check. */
async function verifyDatabase(_ctx: ScenarioContext, path: string): Promise<Verification> {
  const dump = `${path}.jsonl`;
  await withDatabase(path, (run) =>
    run(
      `COPY (SELECT id, first_name, country, amount, strftime(created_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS created_at, ` +
        `active, attributes FROM ${TABLE}) TO '${dump}' (FORMAT JSON)`,
    ),
  );
  return await hashLines(dump, (line) => (line.trim() === "" ? undefined : JSON.parse(line)));
}

export default defineScenario({
  id: "D",
  title: "CSV → DuckDB",
  description:
    `The benchmark CSV appended into a DuckDB file table \`${TABLE}(${COLUMNS})\` with \`faucet run\`: the \`csv\` ` +
    `source into the \`duckdb\` sink with \`auto_map\` (the appender API, one transaction per page of ` +
    `${PAGE.toLocaleString("en-US")} rows; DuckDB casts the CSV's text to the column types). Beside it DuckDB's ` +
    "own loader, `COPY bench FROM 'bench.csv' (HEADER)` into the same table in another file. Each database is " +
    "dumped and compared per value with the CSV.",
  defaultRows: 1_000_000,

  async setup(ctx) {
    ensureBenchCsv(ctx);
  },

  faucetConfig: (ctx) =>
    [
      "# Scenario D: CSV -> DuckDB. Written by the benchmark harness (bench/src/scenarios/d-csv-to-duckdb.ts).",
      "version: 1",
      "name: bench_d_csv_to_duckdb",
      "pipeline:",
      "  source:",
      "    type: csv",
      "    config:",
      `      path: ${JSON.stringify(ensureBenchCsv(ctx))}`,
      `      batch_size: ${PAGE}`,
      "  sink:",
      "    type: duckdb",
      "    config:",
      `      database: ${JSON.stringify(faucetDatabase(ctx))}`,
      `      table_name: ${TABLE}`,
      "      column_mapping: auto_map",
      "      batch_size: 0",
      "  state:",
      "    type: memory",
      "",
    ].join("\n"),

  faucetOutput: (ctx) => faucetDatabase(ctx),

  references(ctx) {
    const path = duckdbDatabase(ctx);
    return [
      duckdbTool(
        `ATTACH '${path}' AS out; COPY out.${TABLE} FROM '${ensureBenchCsv(ctx)}' (FORMAT CSV, HEADER true)`,
        path,
      ),
    ];
  },

  async reset(_ctx, output) {
    for (const suffix of ["", ".wal", ".jsonl"]) rmSync(`${output}${suffix}`, { force: true });
    await withDatabase(output, (run) => run(`CREATE TABLE ${TABLE} (${COLUMNS})`));
  },

  expected: (ctx) => expectedFromBenchCsv(ctx),
  verify: (ctx, output) => verifyDatabase(ctx, output),
});

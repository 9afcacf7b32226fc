// Scenario PW: the benchmark CSV (1M rows) into one Parquet file, every value a string column,
// snappy, beside DuckDB's own `COPY … TO (FORMAT PARQUET)`. The Parquet → JSONL half is PR.

import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureBenchCsv, expectedFromCsv } from "../harness/inputs.js";
import type { Verification } from "../harness/scenario.js";
import { defineScenario, type ScenarioContext } from "../harness/scenario.js";
import { duckdbTool, outputPath } from "../harness/tools.js";
import { verifyJsonl } from "../harness/verify.js";

const input = (ctx: ScenarioContext) => ensureBenchCsv(ctx);
const faucetOutput = (ctx: ScenarioContext) => outputPath(ctx, "faucet.parquet");

export default defineScenario({
  id: "PW",
  title: "CSV → Parquet",
  description:
    "The benchmark CSV converted to one snappy Parquet file with every column a string (the CSV " +
    "source's default). faucet runs `faucet run` with the `csv` source and the `parquet` sink at " +
    "their defaults (row groups of 100,000 rows). DuckDB runs `COPY (SELECT * FROM read_csv(…, " +
    "all_varchar = true)) TO … (FORMAT PARQUET)` through `@duckdb/node-api` in its own process " +
    "(one thread per core, snappy, row groups of 122,880 rows). Each output is checked by " +
    "reading it back with DuckDB.",
  defaultRows: 1_000_000,

  async setup(ctx) {
    input(ctx);
  },

  faucetConfig(ctx) {
    return [
      "# Scenario PW: CSV -> Parquet. Written by the benchmark harness (bench/src/scenarios/pw-csv-to-parquet.ts).",
      "version: 1",
      "name: bench_pw_csv_to_parquet",
      "pipeline:",
      "  source:",
      "    type: csv",
      "    config:",
      `      path: ${JSON.stringify(input(ctx))}`,
      "  sink:",
      "    type: parquet",
      "    config:",
      `      path: ${JSON.stringify(faucetOutput(ctx))}`,
      "  state:",
      "    type: memory",
      "",
    ].join("\n");
  },

  faucetOutput,

  references(ctx) {
    const out = outputPath(ctx, "duckdb.parquet");
    const sql = `COPY (SELECT * FROM read_csv(${sqlString(input(ctx))}, all_varchar = true)) TO ${sqlString(out)} (FORMAT PARQUET)`;
    return [duckdbTool(sql, out)];
  },

  expected: (ctx) => expectedFromCsv(input(ctx)),

  verify: (ctx, output) => parquetAsJsonl(ctx, output),
});

const DUCKDB_RUNNER = fileURLToPath(new URL("../tools/duckdb-sql.js", import.meta.url));

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Runs one SQL statement in DuckDB in a child process; throws with DuckDB's message on failure. */
export function runDuckdb(sql: string): void {
  const result = spawnSync(process.execPath, [DUCKDB_RUNNER, sql], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`DuckDB failed: ${(result.stderr || result.stdout).trim()}`);
}

/**
 * What a Parquet file holds, in the harness's canonical form: DuckDB (not the code under test)
 * reads it back into JSON Lines, which is hashed like every other output.
 */
export async function parquetAsJsonl(ctx: ScenarioContext, parquet: string): Promise<Verification> {
  const jsonl = outputPath(ctx, "verify.jsonl");
  try {
    runDuckdb(`COPY (SELECT * FROM read_parquet(${sqlString(parquet)})) TO ${sqlString(jsonl)} (FORMAT JSON)`);
    return await verifyJsonl(jsonl);
  } finally {
    rmSync(jsonl, { force: true });
  }
}

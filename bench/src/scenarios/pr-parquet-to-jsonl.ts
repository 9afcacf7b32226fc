// Scenario PR: a 1M-row Parquet file (the benchmark CSV, written once by DuckDB with a BIGINT id
// and a BOOLEAN active column, the rest strings) into JSON Lines, beside DuckDB's own conversion.

import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBenchCsv, expectedFromCsv } from "../harness/inputs.js";
import { defineScenario, type ScenarioContext } from "../harness/scenario.js";
import { duckdbTool, outputPath } from "../harness/tools.js";
import { verifyJsonl } from "../harness/verify.js";

const csv = (ctx: ScenarioContext) => ensureBenchCsv(ctx);
const input = (ctx: ScenarioContext) => join(ctx.dataDir, `bench-${ctx.rows}-42.parquet`);
const faucetOutput = (ctx: ScenarioContext) => outputPath(ctx, "faucet.jsonl");

export default defineScenario({
  id: "PR",
  title: "Parquet → JSONL",
  description:
    "A snappy Parquet file holding the benchmark CSV (written once by DuckDB: `id` BIGINT, " +
    "`active` BOOLEAN, the other columns strings; row groups of 122,880 rows) converted to JSON " +
    "Lines. faucet runs `faucet run` with the `parquet` source and the `jsonl` sink at their " +
    "defaults. DuckDB runs `COPY (SELECT * FROM read_parquet(…)) TO … (FORMAT JSON)` in its own " +
    'process (one thread per core). The check compares values as text, so `1` and `"1"` agree.',
  defaultRows: 1_000_000,

  async setup(ctx) {
    const source = csv(ctx);
    const target = input(ctx);
    if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) return;
    runDuckdb(
      `COPY (SELECT id::BIGINT AS id, first_name, country, amount, created_at, active::BOOLEAN AS active, attributes ` +
        `FROM read_csv(${sqlString(source)}, all_varchar = true)) TO ${sqlString(target)} (FORMAT PARQUET)`,
    );
  },

  faucetConfig(ctx) {
    return [
      "# Scenario PR: Parquet -> JSONL. Written by the benchmark harness (bench/src/scenarios/pr-parquet-to-jsonl.ts).",
      "version: 1",
      "name: bench_pr_parquet_to_jsonl",
      "pipeline:",
      "  source:",
      "    type: parquet",
      "    config:",
      `      path: ${JSON.stringify(input(ctx))}`,
      "  sink:",
      "    type: jsonl",
      "    config:",
      `      path: ${JSON.stringify(faucetOutput(ctx))}`,
      "  state:",
      "    type: memory",
      "",
    ].join("\n");
  },

  faucetOutput,

  references(ctx) {
    const out = outputPath(ctx, "duckdb.jsonl");
    return [
      duckdbTool(`COPY (SELECT * FROM read_parquet(${sqlString(input(ctx))})) TO ${sqlString(out)} (FORMAT JSON)`, out),
    ];
  },

  expected: (ctx) => expectedFromCsv(csv(ctx)),

  verify: (_ctx, output) => verifyJsonl(output),
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

// Scenario A: the benchmark CSV (1M rows, ~122 MB) into JSON Lines, every value a string. The
// most common move, and the one the Rust faucet-stream's published benchmark measures.
import { ensureBenchCsv, expectedFromCsv } from "../harness/inputs.js";
import { defineScenario, type ScenarioContext } from "../harness/scenario.js";
import { duckdbTool, millerTool, outputPath } from "../harness/tools.js";
import { verifyJsonl } from "../harness/verify.js";

const input = (ctx: ScenarioContext) => ensureBenchCsv(ctx);
const faucetOutput = (ctx: ScenarioContext) => outputPath(ctx, "faucet.jsonl");

export default defineScenario({
  id: "A",
  title: "CSV → JSONL",
  description:
    "The deterministic benchmark CSV (`npm run bench:data`, seed 42; byte-identical to the Rust " +
    "faucet-stream's) converted to JSON Lines with every value a string. faucet runs " +
    "`faucet run` with the `csv` source and the `jsonl` sink at their defaults. DuckDB runs " +
    "`COPY (SELECT * FROM read_csv(…, all_varchar = true)) TO … (FORMAT JSON)` through " +
    "`@duckdb/node-api` in its own process (one thread per core); Miller runs " +
    "`mlr --icsv --ojsonl cat` (it prints numbers unquoted, which the content check accepts: " +
    "values are compared as text).",
  defaultRows: 1_000_000,

  async setup(ctx) {
    input(ctx);
  },

  faucetConfig(ctx) {
    return [
      "# Scenario A: CSV -> JSONL. Written by the benchmark harness (bench/src/scenarios/a-csv-to-jsonl.ts).",
      "version: 1",
      "name: bench_a_csv_to_jsonl",
      "pipeline:",
      "  source:",
      "    type: csv",
      "    config:",
      `      path: ${JSON.stringify(input(ctx))}`,
      "  sink:",
      "    type: jsonl",
      "    config:",
      `      path: ${JSON.stringify(faucetOutput(ctx))}`,
      // Each run starts fresh: no bookmark from an earlier run may make the sink append.
      "  state:",
      "    type: memory",
      "",
    ].join("\n");
  },

  faucetOutput,

  references(ctx) {
    const csv = input(ctx);
    const duckdbOut = outputPath(ctx, "duckdb.jsonl");
    const sql =
      `COPY (SELECT * FROM read_csv(${sqlString(csv)}, all_varchar = true)) ` +
      `TO ${sqlString(duckdbOut)} (FORMAT JSON)`;
    return [
      duckdbTool(sql, duckdbOut),
      millerTool(["--icsv", "--ojsonl", "cat", csv], outputPath(ctx, "miller.jsonl")),
    ];
  },

  expected: (ctx) => expectedFromCsv(input(ctx)),

  verify: (_ctx, output) => verifyJsonl(output),
});

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

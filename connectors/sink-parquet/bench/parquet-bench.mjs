#!/usr/bin/env node
// Ad-hoc Parquet benchmark: one conversion per process, so each prints its own wall time and
// peak RSS. The harness scenarios (bench/src/scenarios/p-*.ts) run the same pairs through the
// real `faucet run`; this script also measures the library path and a typed Parquet input.
//
//   node connectors/sink-parquet/bench/parquet-bench.mjs <mode> <input> <output> [compression]
//
// modes: faucet-csv2pq, faucet-csv2pq-typed, faucet-pq2jsonl, duckdb-csv2pq, duckdb-csv2pq-typed, duckdb-pq2jsonl
// Generate the input with `npm run bench:data -- --rows 1000000 --seed 42 --out /tmp/bench.csv`.
import { rmSync } from "node:fs";

const [mode, input, output, compression = "snappy"] = process.argv.slice(2);
if (!mode || !input || !output) {
  console.error("usage: parquet-bench.mjs <mode> <input> <output> [compression]");
  process.exit(2);
}
rmSync(output, { force: true, recursive: true });
const started = performance.now();
let rows = 0;
let gcMs = 0;
const { PerformanceObserver } = await import("node:perf_hooks");
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
gcObserver.observe({ entryTypes: ["gc"] });

if (mode.startsWith("faucet-")) {
  const { Pipeline } = await import("faucet-core");
  if (mode.startsWith("faucet-csv2pq")) {
    const { CsvSource } = await import("faucet-source-csv");
    const { ParquetSink } = await import("faucet-sink-parquet");
    const source = new CsvSource({ path: input, ...(mode.endsWith("-typed") ? { infer_types: true } : {}) });
    const rowGroupSize = process.env.ROW_GROUP_SIZE ? Number(process.env.ROW_GROUP_SIZE) : undefined;
    const sink = new ParquetSink({
      path: output,
      compression,
      ...(rowGroupSize ? { row_group_size: rowGroupSize } : {}),
    });
    const result = await new Pipeline(source, sink).run();
    rows = result.recordsWritten;
  } else if (mode === "faucet-pq2jsonl") {
    const { ParquetSource } = await import("faucet-source-parquet");
    const { JsonlSink } = await import("faucet-sink-jsonl");
    const result = await new Pipeline(new ParquetSource({ path: input }), new JsonlSink({ path: output })).run();
    rows = result.recordsWritten;
  }
} else {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const db = await DuckDBInstance.create(":memory:");
  const connection = await db.connect();
  const quote = (text) => `'${text.replaceAll("'", "''")}'`;
  const csv = (typed) => `read_csv(${quote(input)}${typed ? "" : ", all_varchar = true"})`;
  const sql = {
    "duckdb-csv2pq": `COPY (SELECT * FROM ${csv(false)}) TO ${quote(output)} (FORMAT PARQUET, COMPRESSION ${compression})`,
    "duckdb-csv2pq-typed": `COPY (SELECT * FROM ${csv(true)}) TO ${quote(output)} (FORMAT PARQUET, COMPRESSION ${compression})`,
    "duckdb-pq2jsonl": `COPY (SELECT * FROM read_parquet(${quote(input)})) TO ${quote(output)} (FORMAT JSON)`,
  }[mode];
  if (!sql) throw new Error(`unknown mode ${mode}`);
  const result = await connection.run(sql);
  rows = Number(result.rowsChanged);
}

const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
const cpu = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
console.log(
  `${mode.padEnd(22)} ${rows.toLocaleString("en-US")} rows  ${seconds.toFixed(2)} s  ` +
    `${Math.round(rows / seconds).toLocaleString("en-US")} rows/s  cpu ${cpu.toFixed(2)} s  ` +
    `${mode.startsWith("faucet-") ? `gc ${(gcMs / 1000).toFixed(2)} s  ` : ""}peak RSS ${Math.round(usage.maxRSS / 1024)} MB`,
);
gcObserver.disconnect();

#!/usr/bin/env node
// CSV → JSONL through the general record path (CsvSource → Pipeline → JsonlSink), beside DuckDB
// when @duckdb/node-api is installed. Prints figures; asserts nothing.
//
//   node connectors/source-csv/bench/csv-bench.mjs [rows=1000000] [--infer] [--no-duckdb]
//
// The input is generated once into the system temp folder (~104 MB for 1M rows) and reused;
// it is never written into the repository.
import { spawnSync } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pipeline, silentLogger } from "faucet-core";
import { JsonlSink } from "faucet-sink-jsonl";
import { CsvSource } from "faucet-source-csv";

const args = process.argv.slice(2);
const rows = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const infer = args.includes("--infer");
const input = join(tmpdir(), `faucet-csv-bench-${rows}.csv`);
const output = join(tmpdir(), "faucet-csv-bench-out.jsonl");

if (args.includes("--generate")) {
  // Run in a child process, so building the file does not count in the benchmark's peak RSS.
  const names = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"];
  const countries = ["US", "DE", "FR", "JP", "BR", "IN", "GB", "CA"];
  const parts = ["id,name,email,amount,quantity,active,created_at,country,comment\n"];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 1; i <= rows; i++) {
    const name = names[i % names.length];
    const comment = i % 50 === 0 ? '"quoted, with comma ""and quotes"""' : "plain comment text";
    parts.push(
      `${i},${name},${name.split(" ")[0].toLowerCase()}${i}@example.com,${(random() * 1000).toFixed(2)},${Math.floor(random() * 100)},${random() > 0.5},2024-0${1 + (i % 9)}-1${i % 10}T12:34:56Z,${countries[i % 8]},${comment}\n`,
    );
  }
  writeFileSync(input, parts.join(""));
  process.exit(0);
}
if (!existsSync(input))
  spawnSync(process.execPath, [fileURLToPath(import.meta.url), String(rows), "--generate"], { stdio: "inherit" });
console.log(`input: ${input} (${rows} rows, ${(statSync(input).size / 1e6).toFixed(1)} MB)`);

const started = performance.now();
const cpu = process.cpuUsage();
const result = await new Pipeline(new CsvSource({ path: input, infer_types: infer }), new JsonlSink({ path: output }), {
  logger: silentLogger,
}).run();
const wall = performance.now() - started;
const used = process.cpuUsage(cpu);
console.log(
  `faucet csv → jsonl${infer ? " (infer_types)" : ""}: ${result.recordsWritten} rows, ${(wall / 1000).toFixed(2)} s wall, ` +
    `${((used.user + used.system) / 1e6).toFixed(2)} s CPU, ${Math.round((result.recordsWritten / wall) * 1000).toLocaleString("en")} rows/s, ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);

if (!args.includes("--no-duckdb")) {
  let duckdb;
  try {
    duckdb = await import("@duckdb/node-api");
  } catch {
    console.log("duckdb: @duckdb/node-api is not installed; skipped");
  }
  if (duckdb) {
    const instance = await duckdb.DuckDBInstance.create(":memory:", { threads: "2" });
    const connection = await instance.connect();
    const t = performance.now();
    await connection.run(
      `COPY (SELECT * FROM read_csv('${input}'${infer ? "" : ", all_varchar = true"})) TO '${output}' (FORMAT json)`,
    );
    console.log(
      `duckdb csv → json (2 threads): ${((performance.now() - t) / 1000).toFixed(2)} s wall (RSS includes faucet's run above)`,
    );
  }
}

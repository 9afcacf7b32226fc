import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { testSource } from "faucet-conformance";
import { ParquetSource } from "faucet-source-parquet";
import { afterAll } from "vitest";

const dir = join(tmpdir(), `faucet-source-parquet-conformance-${process.pid}`);
mkdirSync(dir, { recursive: true });
const path = join(dir, "records.parquet");
const notParquet = join(dir, "not-parquet.parquet");
writeFileSync(notParquet, "id,v\n1,v1\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

testSource({
  name: "faucet conformance: source-parquet",
  create: (config) => new ParquetSource(config),
  config: { path },
  // DuckDB writes the dataset, so the battery reads a file another engine produced.
  seed: async (records) => {
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const rows = records.map((r) => `(${Number(r.id)}, '${String(r.v)}')`).join(", ");
    await connection.run(`COPY (SELECT * FROM (VALUES ${rows}) t(id, v)) TO '${path}' (FORMAT PARQUET)`);
    connection.closeSync();
    db.closeSync();
  },
  failing: [
    { title: "a missing file", config: { path: join(dir, "missing.parquet") }, kind: "source" },
    { title: "a file that is not Parquet", config: { path: notParquet }, kind: "source" },
    { title: "an unknown projected column", config: { path, columns: ["nope"] }, kind: "config" },
  ],
});

/**
 * faucet-source-duckdb: streams a DuckDB query into faucet in vector chunks — from a database
 * file or `:memory:`, and through DuckDB's readers from CSV, Parquet and JSON files
 * (`SELECT * FROM read_parquet('data/*.parquet')`) — with incremental replication on a
 * replication key and no silent type loss (BIGINT/HUGEINT beyond ±2^53 and DECIMAL as strings,
 * TIMESTAMPTZ as RFC 3339 UTC, BLOB as base64, JSON parsed exactly, lists and structs nested).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { DuckdbSource } from "faucet-source-duckdb";
 *
 * const source = new DuckdbSource({ database: ":memory:", query: "SELECT * FROM read_csv('orders.csv')" });
 * await new Pipeline(source, mySink).run();
 */
import { defineSource } from "faucet-core";
import { DuckdbSourceConfig } from "./config.js";
import { DuckdbSource } from "./stream.js";

export type { DuckdbSourceConfigInput } from "./config.js";
export { DuckdbSourceConfig } from "./config.js";
export type { DuckdbSourceOptions } from "./stream.js";
export { DuckdbSource } from "./stream.js";
export type { ReadOptions, ValueReader } from "./values.js";
export { readerFor } from "./values.js";

/** The CLI registry entry: YAML `type: duckdb` under `pipeline.source`. */
export const definition = defineSource({
  type: "duckdb",
  description: "Stream a DuckDB query (tables, read_csv, read_parquet, read_json) in chunks",
  config: DuckdbSourceConfig,
  create: (config, context) => new DuckdbSource(config, { logger: context.logger, baseDir: context.baseDir }),
});

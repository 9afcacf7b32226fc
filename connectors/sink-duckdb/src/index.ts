/**
 * faucet-sink-duckdb: appends faucet pages to a DuckDB table with the appender API, one
 * transaction per page, creating the table from the first page (`create_table`), mapping keys to
 * columns (`auto_map`) or each record into one JSON column, with schema evolution and
 * exactly-once commits (a page and its commit token in one transaction).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { DuckdbSink } from "faucet-sink-duckdb";
 *
 * const sink = new DuckdbSink({ database: "out/warehouse.duckdb", table_name: "orders", column_mapping: "auto_map" });
 * await new Pipeline(mySource, sink).run();
 */
import { defineSink } from "faucet-core";
import { DuckdbSinkConfig } from "./config.js";
import { DuckdbSink } from "./sink.js";

export type { DuckdbSinkConfigInput } from "./config.js";
export { DuckdbSinkConfig, jsonColumn } from "./config.js";
export type { DuckdbSinkOptions } from "./sink.js";
export { DuckdbSink } from "./sink.js";

/** The CLI registry entry: YAML `type: duckdb` under `pipeline.sink`. */
export const definition = defineSink({
  type: "duckdb",
  description: "Append to a DuckDB table with the appender API, one transaction per page",
  config: DuckdbSinkConfig,
  create: (config, context) => new DuckdbSink(config, { logger: context.logger, baseDir: context.baseDir }),
});

/**
 * faucet-sink-postgres: writes faucet pages to a PostgreSQL table — COPY (default for append) or
 * INSERT with array parameters, upsert with `ON CONFLICT`, delete by key, overwrite through a
 * staging table swapped in atomically, schema evolution, and exactly-once commits (a page and its
 * commit token in one transaction).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { PostgresSink } from "faucet-sink-postgres";
 *
 * const sink = new PostgresSink({
 *   connection_url: "postgres://postgres@127.0.0.1/test",
 *   table_name: "orders",
 *   column_mapping: "auto_map",
 * });
 * await new Pipeline(mySource, sink).run();
 */
import { withBaseDir } from "faucet-common-postgres";
import { defineSink } from "faucet-core";
import { PostgresSinkConfig } from "./config.js";
import { PostgresSink } from "./sink.js";

export type { ConnectionConfig } from "faucet-common-postgres";
export type { PostgresSinkConfigInput } from "./config.js";
export { ColumnMapping, jsonbColumn, PostgresSinkConfig } from "./config.js";
export { MAX_HELD_PAGES, MAX_HELD_SECONDS } from "./held-transaction.js";
export type { PostgresSinkOptions } from "./sink.js";
export { PostgresSink } from "./sink.js";

/** The CLI registry entry: YAML `type: postgres` under `pipeline.sink`. */
export const definition = defineSink({
  type: "postgres",
  description: "Write to a PostgreSQL table: COPY or INSERT, upsert, delete, overwrite, exactly-once",
  config: PostgresSinkConfig,
  create: (config, context) => new PostgresSink(withBaseDir(config, context.baseDir), { logger: context.logger }),
});

/**
 * faucet-sink-sqlite: writes records into a SQLite table (on `libsql`), one transaction per
 * page, append / upsert / delete by key, JSON text or one column per key, the table created
 * from the first page when missing, and `ALTER TABLE ADD COLUMN` schema evolution. Config keys
 * follow the Rust faucet-stream `sqlite` sink.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { SqliteSink } from "faucet-sink-sqlite";
 *
 * const sink = new SqliteSink({ database_url: "sqlite:out/app.db", table_name: "orders", column_mapping: "auto_map" });
 * await new Pipeline(source, sink).run();
 *
 * @packageDocumentation
 */
import { defineSink } from "faucet-core";
import { SqliteSinkConfig } from "./config.js";
import { SqliteSink } from "./sink.js";

export { MAX_VARIABLES } from "faucet-common-sqlite";
export type { ColumnMapping, SqliteSinkInput } from "./config.js";
export { jsonColumn, SqliteSinkConfig } from "./config.js";
export type { SqliteSinkOptions } from "./sink.js";
export { SqliteSink } from "./sink.js";

/** The `sqlite` sink for the CLI registry. */
export const definition = defineSink({
  type: "sqlite",
  description: "Write records into a SQLite table: append, upsert or delete, one transaction per page",
  config: SqliteSinkConfig,
  create: (config, context) => new SqliteSink(config, { baseDir: context.baseDir }),
});

/**
 * faucet-sink-mysql: writes faucet pages to a MySQL/MariaDB table — multi-row INSERT packed under
 * `max_allowed_packet`, upsert with `ON DUPLICATE KEY UPDATE`, delete by key, overwrite through a
 * staging table swapped in with one atomic `RENAME TABLE`, schema evolution, and exactly-once
 * commits (a page and its commit token in one transaction).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { MysqlSink } from "faucet-sink-mysql";
 *
 * const sink = new MysqlSink({
 *   connection_url: "mysql://root@127.0.0.1:3306/test",
 *   table_name: "orders",
 *   column_mapping: "auto_map",
 * });
 * await new Pipeline(mySource, sink).run();
 */
import { withBaseDir } from "faucet-common-mysql";
import { defineSink } from "faucet-core";
import { MysqlSinkConfig } from "./config.js";
import { MysqlSink } from "./sink.js";

export type { ConnectionConfig } from "faucet-common-mysql";
export type { MysqlSinkConfigInput } from "./config.js";
export { jsonColumn, MysqlSinkConfig } from "./config.js";
export type { MysqlSinkOptions } from "./sink.js";
export { MysqlSink } from "./sink.js";

/** The CLI registry entry: YAML `type: mysql` under `pipeline.sink`. */
export const definition = defineSink({
  type: "mysql",
  description: "Write to a MySQL/MariaDB table: multi-row INSERT, upsert, delete, overwrite, exactly-once",
  config: MysqlSinkConfig,
  create: (config, context) => new MysqlSink(withBaseDir(config, context.baseDir), { logger: context.logger }),
});

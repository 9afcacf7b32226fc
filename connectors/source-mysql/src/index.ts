/**
 * faucet-source-mysql: streams a MySQL or MariaDB query or table into faucet, page by page, with
 * incremental replication on a replication key (every page bookmarked, deterministic replay) and
 * no silent type loss (BIGINT beyond ±2^53 and DECIMAL as strings, DATETIME/TIMESTAMP as ISO 8601
 * UTC, BIT/BLOB as base64, zero dates as null with a warning, JSON parsed exactly).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { MysqlSource } from "faucet-source-mysql";
 *
 * const source = new MysqlSource({ connection_url: "mysql://root@127.0.0.1:3306/test", table: "orders" });
 * await new Pipeline(source, mySink).run();
 */
import { withBaseDir } from "faucet-common-mysql";
import { defineSource } from "faucet-core";
import { MysqlSourceConfig } from "./config.js";
import { MysqlSource } from "./stream.js";

export type { ConnectionConfig } from "faucet-common-mysql";
export type { MysqlSourceConfigInput } from "./config.js";
export { MysqlSourceConfig } from "./config.js";
export type { MysqlSourceOptions } from "./stream.js";
export { MysqlSource } from "./stream.js";

/** The CLI registry entry: YAML `type: mysql` under `pipeline.source`. */
export const definition = defineSource({
  type: "mysql",
  description: "Stream a MySQL/MariaDB query or table, incrementally on a replication key",
  config: MysqlSourceConfig,
  create: (config, context) => new MysqlSource(withBaseDir(config, context.baseDir), { logger: context.logger }),
});

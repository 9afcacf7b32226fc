/**
 * faucet-source-postgres: streams a PostgreSQL query or table into faucet, page by page, with
 * incremental replication on a replication key (every page bookmarked, deterministic replay) and
 * no silent type loss (int8 beyond ±2^53 and numeric as strings, timestamptz as RFC 3339 UTC,
 * bytea as base64, json native, arrays as arrays).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { PostgresSource } from "faucet-source-postgres";
 *
 * const source = new PostgresSource({ connection_url: "postgres://postgres@127.0.0.1/test", table: "orders" });
 * await new Pipeline(source, mySink).run();
 */
import { withBaseDir } from "faucet-common-postgres";
import { defineSource } from "faucet-core";
import { PostgresSourceConfig } from "./config.js";
import { PostgresSource } from "./stream.js";

export type { ConnectionConfig } from "faucet-common-postgres";
export type { IncrementalSettings, ReadPlan } from "faucet-common-sql";
export { incrementalSettings } from "faucet-common-sql";
export type { PostgresSourceConfigInput } from "./config.js";
export { PostgresSourceConfig } from "./config.js";
export type { PostgresSourceOptions } from "./stream.js";
export { PostgresSource } from "./stream.js";

/** The CLI registry entry: YAML `type: postgres` under `pipeline.source`. */
export const definition = defineSource({
  type: "postgres",
  description: "Stream a PostgreSQL query or table, incrementally on a replication key",
  config: PostgresSourceConfig,
  create: (config, context) => new PostgresSource(withBaseDir(config, context.baseDir), { logger: context.logger }),
});

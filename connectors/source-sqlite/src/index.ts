/**
 * faucet-source-sqlite: streams the rows of a SQLite query (on `libsql`) a page at a time from
 * a statement iterator, read-only. Config keys follow the Rust faucet-stream `sqlite` source,
 * plus `params` for the query's placeholders.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { SqliteSource } from "faucet-source-sqlite";
 *
 * await new Pipeline(new SqliteSource({ database_url: "app.db", query: "SELECT * FROM orders" }), sink).run();
 *
 * @packageDocumentation
 */
import { defineSource } from "faucet-core";
import { SqliteSourceConfig } from "./config.js";
import { SqliteSource } from "./stream.js";

export type { SqliteSourceInput } from "./config.js";
export { SqliteSourceConfig } from "./config.js";
export type { SqliteSourceOptions } from "./stream.js";
export { SqliteSource } from "./stream.js";

/** The `sqlite` source for the CLI registry. */
export const definition = defineSource({
  type: "sqlite",
  description: "Stream the rows of a SQLite query",
  config: SqliteSourceConfig,
  create: (config, context) => new SqliteSource(config, { baseDir: context.baseDir }),
});

/**
 * faucet-state-postgres: a faucet state store in a PostgreSQL table, so several machines share
 * bookmarks (`state: { type: postgres, config: { connection_url, table } }`), with a lease per
 * state key (a session advisory lock) so two runs never advance one bookmark.
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { PostgresStateStore } from "faucet-state-postgres";
 *
 * const state = new PostgresStateStore({ connection_url: "postgres://postgres@127.0.0.1/test" });
 * await new Pipeline(source, sink, { stateStore: state }).run();
 */
import { withBaseDir } from "faucet-common-postgres";
import { defineStateStore } from "faucet-core";
import { PostgresStateConfig } from "./config.js";
import { PostgresStateStore } from "./store.js";

export type { PostgresStateConfigInput } from "./config.js";
export { PostgresStateConfig } from "./config.js";
export type { PostgresStateStoreOptions } from "./store.js";
export { PostgresStateStore } from "./store.js";

/** The CLI registry entry: YAML `state: { type: postgres, config: { … } }`. */
export const definition = defineStateStore({
  type: "postgres",
  description:
    "Keep bookmarks in a PostgreSQL table, shared by every machine that runs the pipeline, with a lease per key",
  config: PostgresStateConfig,
  create: (config, context) => new PostgresStateStore(withBaseDir(config, context.baseDir), { logger: context.logger }),
});

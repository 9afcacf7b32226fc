/**
 * faucet-state-redis: a faucet state store in Redis, so several machines share bookmarks and two
 * runs never advance the same one (`state: { type: redis, config: { url, namespace } }`).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { RedisStateStore } from "faucet-state-redis";
 *
 * const state = new RedisStateStore({ url: "redis://127.0.0.1:6379", namespace: "prod" });
 * await new Pipeline(source, sink, { stateStore: state }).run();
 * await state.close();
 */
import { isAbsolute, resolve } from "node:path";
import { defineStateStore } from "faucet-core";
import { RedisStateConfig } from "./config.js";
import { RedisStateStore } from "./store.js";

export type { RedisStateConfigInput } from "./config.js";
export { RedisStateConfig } from "./config.js";
export type { RedisStateStoreOptions } from "./store.js";
export { RedisStateStore } from "./store.js";

/** The CLI registry entry: YAML `state: { type: redis, config: { url, namespace } }`. */
export const definition = defineStateStore({
  type: "redis",
  description: "Keep bookmarks in Redis, shared by every machine that runs the pipeline, with a lease per key",
  config: RedisStateConfig,
  create: (config, context) => {
    const ca = config.tls_ca_file;
    const tls_ca_file = ca === undefined || isAbsolute(ca) ? ca : resolve(context.baseDir, ca);
    return new RedisStateStore(
      { ...config, ...(tls_ca_file === undefined ? {} : { tls_ca_file }) },
      { logger: context.logger },
    );
  },
});

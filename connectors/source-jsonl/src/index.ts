/**
 * faucet-source-jsonl: streams JSON Lines and JSON-array files (a file or a glob, gzip or zstd)
 * as pages of records, with memory bounded by the page size. A bad line is an error naming the
 * file and line; integers beyond ±2^53 keep every digit (as strings).
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { JsonlSource } from "faucet-source-jsonl";
 *
 * await new Pipeline(new JsonlSource({ path: "events.jsonl" }), sink).run();
 *
 * @packageDocumentation
 */
import { resolvePath } from "faucet-common-file";
import { defineSource } from "faucet-core";
import { JsonlSourceConfig } from "./config.js";
import { JsonlSource } from "./stream.js";

export type { JsonlSourceInput } from "./config.js";
export { JsonlSourceConfig } from "./config.js";
export type { ReaderContext } from "./parse.js";
export { JsonArrayReader, JsonLinesReader, MAX_VALUE_BYTES, parseJson, quoteBigIntegers } from "./parse.js";
export type { JsonlSourceOptions } from "./stream.js";
export { JsonlSource } from "./stream.js";

/** The `jsonl` source for the CLI registry. */
export const definition = defineSource({
  type: "jsonl",
  description: "Stream JSON Lines or JSON-array files (a file or a glob, gzip/zstd) as records",
  config: JsonlSourceConfig,
  create: (config, context) => new JsonlSource({ ...config, path: resolvePath(config.path, context.baseDir) }),
});

/**
 * faucet-source-parquet: streams Parquet files row group by row group, decoding only the
 * projected columns, with every Parquet type mapped to JSON without silent loss (INT64 beyond
 * ±2^53 and DECIMAL as strings, timestamps as RFC 3339 UTC, binary as base64, nested lists and
 * structs as arrays and objects).
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { ParquetSource } from "faucet-source-parquet";
 *
 * const source = new ParquetSource({ path: "events/*.parquet", columns: ["id", "amount"] });
 * await new Pipeline(source, sink).run();
 */
import { resolvePath } from "faucet-common-file";
import { defineSource } from "faucet-core";
import { configuredPath, ParquetSourceConfig } from "./config.js";
import { ParquetSource } from "./stream.js";

export { ParquetLocation, ParquetSourceConfig } from "./config.js";
export { formatDecimal, formatTimestamp, parseJson } from "./convert.js";
export { ParquetSource } from "./stream.js";

/** The `type: parquet` source for the CLI registry; relative paths resolve against the config file. */
export const definition = defineSource({
  type: "parquet",
  description: "Reads Parquet files (a file or a glob) row group by row group, with column projection",
  config: ParquetSourceConfig,
  create: (config, context) => {
    const path = resolvePath(configuredPath(config), context.baseDir);
    const { source: _location, ...rest } = config;
    return new ParquetSource({ ...rest, path });
  },
});

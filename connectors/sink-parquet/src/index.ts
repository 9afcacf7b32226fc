/**
 * faucet-sink-parquet: writes records to Parquet files that DuckDB, Spark, Arrow and pandas
 * read. The schema is inferred from the records and widens as pages arrive (integer → double,
 * anything mixed → string); a column that appears after a file's schema is fixed starts a new
 * part instead of being dropped. Snappy (default), zstd, gzip, brotli, lz4 or no compression;
 * `row_group_size`, and rollover by `max_rows_per_file` / `max_bytes_per_file` into
 * `{part}`-numbered files. At most one row group is buffered per open file.
 *
 * @packageDocumentation
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { ParquetSink } from "faucet-sink-parquet";
 *
 * const sink = new ParquetSink({ path: "out/events-{part}.parquet", compression: "zstd" });
 * await new Pipeline(source, sink).run();
 */

import { resolvePath } from "faucet-common-file";
import { defineSink } from "faucet-core";
import { configuredPath, ParquetSinkConfig } from "./config.js";
import { ParquetSink } from "./sink.js";

export { DEFAULT_ROW_GROUP_SIZE, ParquetCompression, ParquetDestination, ParquetSinkConfig } from "./config.js";
export { ParquetSink, type ParquetSinkOptions } from "./sink.js";

/** The `type: parquet` sink for the CLI registry; a relative path resolves against the config file. */
export const definition = defineSink({
  type: "parquet",
  description: "Writes Parquet files with an inferred, widening schema, row groups and rollover",
  config: ParquetSinkConfig,
  create: (config, context) => {
    const path = configuredPath(config);
    // Keep a trailing separator: it marks a folder destination.
    const absolute = `${resolvePath(path, context.baseDir)}${/[\\/]$/.test(path) ? "/" : ""}`;
    const { destination: _destination, ...rest } = config;
    return new ParquetSink({ ...rest, path: absolute }, { logger: context.logger });
  },
});

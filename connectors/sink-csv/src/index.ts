/**
 * faucet-sink-csv: writes records as RFC 4180 CSV (optionally gzip or zstd), one write per
 * page. The header comes from the first page's keys; a key that appears later is an error
 * unless `extra_keys: ignore`. Config keys follow the Rust faucet-stream `csv` sink.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { CsvSink } from "faucet-sink-csv";
 *
 * await new Pipeline(source, new CsvSink({ path: "out/orders.csv" })).run();
 *
 * @packageDocumentation
 */
import { resolvePath } from "faucet-common-file";
import { defineSink } from "faucet-core";
import { CsvSinkConfig } from "./config.js";
import { CsvSink } from "./sink.js";

export type { CsvSinkInput } from "./config.js";
export { CsvSinkConfig } from "./config.js";
export type { CsvSinkOptions } from "./sink.js";
export { CsvSink, splitCsvLine } from "./sink.js";

/** The `csv` sink for the CLI registry. */
export const definition = defineSink({
  type: "csv",
  description: "Write records as RFC 4180 CSV (gzip/zstd optional), one write per page",
  config: CsvSinkConfig,
  create: (config, context) =>
    new CsvSink({ ...config, path: resolvePath(config.path, context.baseDir) }, { logger: context.logger }),
});

/**
 * faucet-source-csv: streams CSV files (RFC 4180: quoted fields, `""` escapes, embedded
 * newlines, CRLF or LF, a UTF-8 byte order mark) as pages of JSON records, fast and in bounded
 * memory. `path` is a file or a glob read in sorted order; gzip and zstd files are decompressed
 * on the fly. Config keys follow the Rust faucet-stream `csv` source.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { CsvSource } from "faucet-source-csv";
 *
 * const source = new CsvSource({ path: "orders.csv", infer_types: true });
 * const result = await new Pipeline(source, sink).run();
 *
 * @packageDocumentation
 */
import { resolvePath } from "faucet-common-file";
import { defineSource } from "faucet-core";
import { CsvSourceConfig } from "./config.js";
import { CsvSource } from "./stream.js";

export type { CsvSourceInput } from "./config.js";
export { CsvSourceConfig } from "./config.js";
export type { CsvParserOptions } from "./parser.js";
export { CsvParser, compileRecord, MAX_RECORD_BYTES, parseBool, parseNumber } from "./parser.js";
export type { CsvSourceOptions } from "./stream.js";
export { CsvSource } from "./stream.js";

/** The `csv` source for the CLI registry. */
export const definition = defineSource({
  type: "csv",
  description: "Stream CSV files (a file or a glob, gzip/zstd) as JSON records",
  config: CsvSourceConfig,
  create: (config, context) => new CsvSource({ ...config, path: resolvePath(config.path, context.baseDir) }),
});

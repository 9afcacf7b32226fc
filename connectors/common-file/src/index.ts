/**
 * faucet-common-file: what every faucet file connector shares. Turns a `path` config (a file or
 * a glob, relative to the config file's directory) into a sorted list of files, reads them as
 * decompressed chunks (none, gzip, zstd — picked from the suffix under `auto`), writes whole
 * pages to files with one call each, validates UTF-8 at SIMD speed and maps file-system
 * failures to clear FaucetErrors.
 *
 * @example
 * import { expandPaths, readChunks, detectCompression } from "faucet-common-file";
 *
 * for (const path of await expandPaths("data/*.csv.gz", { baseDir, connector: "source-csv" })) {
 *   for await (const chunk of readChunks(path, { compression: detectCompression(path), connector: "source-csv" })) {
 *     // …
 *   }
 * }
 *
 * @packageDocumentation
 */
// faucet-core's definition, re-exported for the file sinks that take it from here.
export { appendOnlyCapabilities } from "faucet-core";
export type { Decoder } from "./codecs.js";
export { compressPage, createDecoder } from "./codecs.js";
export type { Compression, CompressionChoice } from "./compression.js";
export { compressionField, detectCompression } from "./compression.js";
export { asciiByteField, batchSizeField, csvRowFormatter } from "./csv.js";
export type { FileAction, FileErrorContext } from "./errors.js";
export { fileError } from "./errors.js";
export type { ChunkParser, ParsePagesOptions, SourceInput, SourceInputOptions } from "./inputs.js";
export { parsePages, sourceInputs, utf8Chunks } from "./inputs.js";
export type { LocationRules } from "./location.js";
export { locationPath, refineLocation, S3Location } from "./location.js";
export type { OutputFileOptions } from "./output.js";
export { createOutputFile, OutputFile } from "./output.js";
export type { ExpandOptions } from "./paths.js";
export { expandPaths, hasGlob, resolvePath } from "./paths.js";
export type { ReadOptions } from "./read.js";
export { readChunks } from "./read.js";
export { firstInvalid, Utf8Checker } from "./utf8.js";
export type { FileWriterOptions } from "./write.js";
export { FileWriter } from "./write.js";

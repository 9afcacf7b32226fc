import { batchSizeField, locationPath, refineLocation, S3Location } from "faucet-common-file";
import { z } from "faucet-core";

/** Rows per row group when `row_group_size` is not set. */
export const DEFAULT_ROW_GROUP_SIZE = 100_000;

/** Rust faucet-stream's `destination:` block, accepted so its configs run unchanged. */
const LocalPath = z.strictObject({
  type: z.literal("local_path"),
  path: z
    .string()
    .min(1)
    .describe("A `.parquet` file (later parts get a `-00001` suffix) or a folder (parts are named by run and number)."),
});

export const ParquetDestination = z
  .discriminatedUnion("type", [LocalPath, S3Location])
  .describe("Where to write, in the Rust faucet-stream shape: `{type: local_path, path}`.");

/** Rust's `schema:` block; only inference exists, and it looks at every buffered row. */
const SchemaSource = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("inferred"),
      sample_size: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("Accepted for Rust faucet-stream compatibility; every row of a row group is inspected."),
    }),
    z.strictObject({ type: z.literal("explicit") }),
  ])
  .describe("How the schema is found: `{type: inferred}` (the default and the only kind supported).");

export const ParquetCompression = z
  .enum(["snappy", "zstd", "gzip", "brotli", "lz4", "uncompressed"])
  .describe("Column-data codec; `lz4` is Parquet's LZ4_RAW.");

export const ParquetSinkConfig = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The file to write, e.g. `out/events-{part}.parquet`; `{part}` becomes the part number (00000, 00001, …). Without `{part}` later parts get a `-00001` suffix; a path ending in `/` is a folder. Relative paths resolve against the config file's folder.",
      ),
    destination: ParquetDestination.optional(),
    compression: ParquetCompression.default("snappy"),
    row_group_size: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_ROW_GROUP_SIZE)
      .describe("Rows per row group; also the most rows buffered in memory per open file."),
    max_rows_per_file: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Start a new part once a file holds this many rows (exact)."),
    max_bytes_per_file: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "Start a new part once a file's written bytes plus an uncompressed estimate of its buffered rows reach this (a soft limit).",
      ),
    schema: SchemaSource.optional(),
    batch_size: batchSizeField.describe(
      "Accepted for Rust faucet-stream compatibility; rows are buffered into row groups of `row_group_size`.",
    ),
  })
  .superRefine((config, ctx) => {
    refineLocation(config, ctx, {
      block: "destination",
      exactlyOne: "set exactly one of `path` or `destination` ({type: local_path, path})",
      s3: "S3 destinations are not written by sink-parquet; write locally and upload, or use an S3 sink",
    });
    if (config.schema?.type === "explicit") {
      ctx.addIssue({
        code: "custom",
        path: ["schema", "type"],
        message: "explicit schemas are not supported; omit `schema` to infer it from the records",
      });
    }
  })
  .describe("Writes records to Parquet files with an inferred schema.");

export type ParquetSinkConfig = z.output<typeof ParquetSinkConfig>;

/** The path a config names, whichever spelling it used. */
export function configuredPath(config: ParquetSinkConfig): string {
  return locationPath(config.path, config.destination);
}

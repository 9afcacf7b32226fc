import { batchSizeField, locationPath, refineLocation, S3Location } from "faucet-common-file";
import { z } from "faucet-core";

/** Rust faucet-stream's `source:` location block, accepted so its configs run unchanged. */
const LocalPath = z.strictObject({
  type: z.literal("local_path"),
  path: z.string().min(1).describe("One Parquet file."),
});

const Glob = z.strictObject({
  type: z.literal("glob"),
  pattern: z.string().min(1).describe("A glob of Parquet files, read in sorted order."),
});

export const ParquetLocation = z
  .discriminatedUnion("type", [LocalPath, Glob, S3Location])
  .describe(
    "Where to read from, in the Rust faucet-stream shape: `{type: local_path, path}` or `{type: glob, pattern}`.",
  );

export const ParquetSourceConfig = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A Parquet file or a glob of them (`data/*.parquet`, `**` for subfolders), read in sorted order; relative paths resolve against the config file's folder.",
      ),
    source: ParquetLocation.optional(),
    columns: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("Top-level columns to read (projection); only these are decoded. Default: every column."),
    batch_size: batchSizeField.describe(
      "Records per page; 0 = one page per row group. Default: the pipeline's batch size.",
    ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Accepted for Rust faucet-stream compatibility; files are read one at a time, in sorted order."),
  })
  .superRefine((config, ctx) =>
    refineLocation(config, ctx, {
      block: "source",
      exactlyOne: "set exactly one of `path` (a file or glob) or `source` ({type: local_path | glob, …})",
      s3: "S3 locations are not read by source-parquet; download the files or use an S3 source",
    }),
  )
  .describe("Reads Parquet files row group by row group.");

export type ParquetSourceConfig = z.output<typeof ParquetSourceConfig>;

/** The file or glob a config names, whichever spelling it used. */
export function configuredPath(config: ParquetSourceConfig): string {
  return locationPath(config.path, config.source);
}

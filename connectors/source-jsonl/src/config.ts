import { batchSizeField, compressionField } from "faucet-common-file";
import { z } from "faucet-core";

/** The config of {@link JsonlSource}. */
export const JsonlSourceConfig = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe("A JSON Lines or JSON-array file, or a glob of files (`data/*.jsonl.gz`) read in sorted order"),
  format: z
    .enum(["jsonl", "json_array"])
    .optional()
    .describe(
      "`jsonl`: one JSON value per line; `json_array`: one JSON array of records. Default: detected per file (`.jsonl`/`.ndjson` are JSON Lines, otherwise a file starting with `[` is an array)",
    ),
  compression: compressionField,
  batch_size: batchSizeField.describe(
    "Records per page; 0 reads everything into one page. Default: the pipeline's batch size (1000)",
  ),
});

/** What {@link JsonlSource} accepts (defaults may be omitted). */
export type JsonlSourceInput = z.input<typeof JsonlSourceConfig>;
/** The parsed config. */
export type JsonlSourceConfig = z.output<typeof JsonlSourceConfig>;

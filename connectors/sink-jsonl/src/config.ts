import { batchSizeField, compressionField } from "faucet-common-file";
import { z } from "faucet-core";

/** The config of {@link JsonlSink}, with the Rust faucet-stream `jsonl` sink's keys. */
export const JsonlSinkConfig = z.strictObject({
  path: z.string().min(1).describe("The output file; parent directories are created"),
  append: z
    .boolean()
    .default(false)
    .describe(
      "Append to the file; default: a fresh run replaces it when the run succeeds, and a run resuming from a bookmark appends",
    ),
  pretty: z.boolean().default(false).describe("Indent each record (no longer one record per line)"),
  batch_size: batchSizeField.describe(
    "Accepted for parity with the Rust faucet-stream; pages are written as they come",
  ),
  compression: compressionField,
});

/** What {@link JsonlSink} accepts (defaults may be omitted). */
export type JsonlSinkInput = z.input<typeof JsonlSinkConfig>;
/** The parsed config. */
export type JsonlSinkConfig = z.output<typeof JsonlSinkConfig>;

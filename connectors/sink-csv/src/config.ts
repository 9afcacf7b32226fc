import { asciiByteField, batchSizeField, compressionField } from "faucet-common-file";
import { z } from "faucet-core";

/** The config of {@link CsvSink}: the Rust faucet-stream `csv` sink's keys, plus `extra_keys`. */
export const CsvSinkConfig = z
  .strictObject({
    path: z.string().min(1).describe("The output file; parent directories are created"),
    delimiter: asciiByteField("delimiter", 44).describe(
      'Field delimiter: one character (",", "\\t", ";") or its byte number (44, 9)',
    ),
    write_headers: z
      .boolean()
      .default(true)
      .describe("Write a header row (the first page's keys) at the top of the file"),
    append: z
      .boolean()
      .default(false)
      .describe(
        "Append to the file (its existing header fixes the columns); default: a fresh run replaces it when the run succeeds",
      ),
    batch_size: batchSizeField.describe(
      "Accepted for parity with the Rust faucet-stream; pages are written as they come",
    ),
    compression: compressionField,
    extra_keys: z
      .enum(["error", "ignore"])
      .optional()
      .describe(
        "A record key that is not a column (the header comes from the first page): `error` (default) fails the run, `ignore` drops the value",
      ),
    on_unknown_field: z
      .enum(["warn", "error"])
      .optional()
      .describe(
        "The Rust faucet-stream spelling of `extra_keys`: `warn` drops the value with a warning, `error` fails",
      ),
  })
  .superRefine((config, ctx) => {
    const fromRust =
      config.on_unknown_field === undefined ? undefined : config.on_unknown_field === "error" ? "error" : "ignore";
    if (config.extra_keys && fromRust && config.extra_keys !== fromRust) {
      ctx.addIssue({
        code: "custom",
        path: ["on_unknown_field"],
        message: "`on_unknown_field` contradicts `extra_keys`; set only one",
      });
    }
  });

/** What {@link CsvSink} accepts (defaults may be omitted). */
export type CsvSinkInput = z.input<typeof CsvSinkConfig>;
/** The parsed config. */
export type CsvSinkConfig = z.output<typeof CsvSinkConfig>;

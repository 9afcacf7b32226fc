import { asciiByteField, batchSizeField, compressionField } from "faucet-common-file";
import { z } from "faucet-core";

/** The config of {@link CsvSource}: the Rust faucet-stream keys, plus `infer_types`. */
export const CsvSourceConfig = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe("A CSV file, or a glob of files (`data/*.csv`, `logs/**/*.csv.gz`) read in sorted order"),
    has_headers: z
      .boolean()
      .default(true)
      .describe("The first row names the columns; without headers the columns are column_0, column_1, …"),
    delimiter: asciiByteField("delimiter", 44).describe(
      'Field delimiter: one character (",", "\\t", ";") or its byte number (44, 9)',
    ),
    quote: asciiByteField("quote", 34).describe('Quote character: one character or its byte number (default `"`, 34)'),
    flexible: z
      .boolean()
      .default(false)
      .describe(
        "Accept rows whose field count differs from the header (short rows lack the trailing keys, long rows gain column_N keys); default: such a row is an error",
      ),
    infer_types: z
      .boolean()
      .default(false)
      .describe(
        "Turn integers, floats and true/false into JSON numbers and booleans and empty fields into null; default: every value is a string",
      ),
    batch_size: batchSizeField.describe(
      "Records per page; 0 reads everything into one page. Default: the pipeline's batch size (1000)",
    ),
    compression: compressionField,
  })
  .superRefine((config, ctx) => {
    if (config.delimiter === config.quote) {
      ctx.addIssue({ code: "custom", path: ["quote"], message: "`quote` must differ from `delimiter`" });
    }
  });

/** What {@link CsvSource} accepts (defaults may be omitted). */
export type CsvSourceInput = z.input<typeof CsvSourceConfig>;
/** The parsed config, defaults filled in and characters turned into bytes. */
export type CsvSourceConfig = z.output<typeof CsvSourceConfig>;

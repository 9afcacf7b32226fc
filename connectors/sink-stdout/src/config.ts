import { batchSizeField } from "faucet-common-file";
import { z } from "faucet-core";

const FORMATS = {
  jsonl: "jsonl",
  json_lines: "jsonl",
  pretty: "pretty",
  pretty_json: "pretty",
  tsv: "tsv",
  csv: "csv",
} as const;

/** The config of {@link StdoutSink}, with the Rust faucet-stream `stdout` sink's keys. */
export const StdoutSinkConfig = z.strictObject({
  destination: z.enum(["stdout", "stderr"]).default("stdout").describe("Which standard stream to write to"),
  format: z
    .enum(["jsonl", "json_lines", "pretty", "pretty_json", "tsv", "csv"])
    .default("jsonl")
    .transform((f) => FORMATS[f])
    .describe(
      "`jsonl` (alias `json_lines`): one JSON record per line; `pretty` (alias `pretty_json`): indented JSON; `tsv` / `csv`: a header row from the first page's keys, then one row per record",
    ),
  flush_per_record: z
    .boolean()
    .default(false)
    .describe("Write each record as soon as it is formatted instead of once per page"),
  max_records: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("Stop printing after this many records (later records are dropped)"),
  batch_size: batchSizeField.describe(
    "Accepted for parity with the Rust faucet-stream; pages are written as they come",
  ),
});

/** What {@link StdoutSink} accepts (defaults may be omitted). */
export type StdoutSinkInput = z.input<typeof StdoutSinkConfig>;
/** The parsed config. */
export type StdoutSinkConfig = z.output<typeof StdoutSinkConfig>;

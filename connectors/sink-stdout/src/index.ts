/**
 * faucet-sink-stdout: prints records to stdout or stderr as JSON Lines, indented JSON, TSV or
 * CSV, one write per page with backpressure. Config keys follow the Rust faucet-stream
 * `stdout` sink (`format: json_lines | pretty_json | tsv | csv`, with the short spellings
 * `jsonl` and `pretty`).
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { StdoutSink } from "faucet-sink-stdout";
 *
 * await new Pipeline(source, new StdoutSink({ format: "pretty" })).run();
 *
 * @packageDocumentation
 */
import { defineSink } from "faucet-core";
import { StdoutSinkConfig } from "./config.js";
import { StdoutSink } from "./sink.js";

export type { StdoutSinkInput } from "./config.js";
export { StdoutSinkConfig } from "./config.js";
export type { StdoutSinkOptions } from "./sink.js";
export { StdoutSink } from "./sink.js";

/** The `stdout` sink for the CLI registry. */
export const definition = defineSink({
  type: "stdout",
  description: "Print records to stdout or stderr as JSON Lines, pretty JSON, TSV or CSV",
  config: StdoutSinkConfig,
  create: (config) => new StdoutSink(config),
});

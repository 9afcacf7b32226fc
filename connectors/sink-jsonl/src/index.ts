/**
 * faucet-sink-jsonl: writes records as JSON Lines (optionally gzip or zstd), one buffered write
 * per page. A fresh run replaces the file only when it succeeds; a run resuming from a bookmark
 * appends, after trimming any torn last line a crash left. Config keys follow the Rust
 * faucet-stream `jsonl` sink.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { JsonlSink } from "faucet-sink-jsonl";
 *
 * await new Pipeline(source, new JsonlSink({ path: "out/events.jsonl.gz" })).run();
 *
 * @packageDocumentation
 */
import { resolvePath } from "faucet-common-file";
import { defineSink } from "faucet-core";
import { JsonlSinkConfig } from "./config.js";
import { JsonlSink } from "./sink.js";

export type { JsonlSinkInput } from "./config.js";
export { JsonlSinkConfig } from "./config.js";
export { PageEncoder, serializePage } from "./serialize.js";
export { JsonlSink } from "./sink.js";

/** The `jsonl` sink for the CLI registry. */
export const definition = defineSink({
  type: "jsonl",
  description: "Write records as JSON Lines (gzip/zstd optional), one write per page",
  config: JsonlSinkConfig,
  create: (config, context) => new JsonlSink({ ...config, path: resolvePath(config.path, context.baseDir) }),
});

/**
 * faucet-connector-template: the smallest complete faucet source and sink, reading and writing
 * named in-memory datasets. It is what `faucet new source|sink <name>` copies: rename
 * `template`, replace `memory.ts` with your system's client, and keep the conformance battery
 * in `test/` passing.
 *
 * @packageDocumentation
 * @example
 * import { Pipeline } from "faucet-core";
 * import { TemplateSink, TemplateSource } from "faucet-connector-template";
 *
 * const source = new TemplateSource({ dataset: "orders", replication_key: "id" });
 * const sink = new TemplateSink({ dataset: "orders_copy", write_mode: "upsert", key: ["id"] });
 * const result = await new Pipeline(source, sink).run();
 */
import { defineSink, defineSource } from "faucet-core";
import { TemplateSinkConfig, TemplateSourceConfig } from "./config.js";
import { TemplateSink } from "./sink.js";
import { TemplateSource } from "./stream.js";

export type { TemplateSinkInput, TemplateSourceInput } from "./config.js";
export { TemplateSinkConfig, TemplateSourceConfig } from "./config.js";
export { memory } from "./memory.js";
export { TemplateSink } from "./sink.js";
export { TemplateSource } from "./stream.js";

/** The `template` source for the CLI registry: `faucet schema` reads `config` without building anything. */
export const sourceDefinition = defineSource({
  type: "template",
  description: "Read an in-memory dataset (the connector template)",
  config: TemplateSourceConfig,
  create: (config) => new TemplateSource(config),
});

/** The `template` sink for the CLI registry. */
export const sinkDefinition = defineSink({
  type: "template",
  description: "Write an in-memory dataset (the connector template)",
  config: TemplateSinkConfig,
  create: (config) => new TemplateSink(config),
});

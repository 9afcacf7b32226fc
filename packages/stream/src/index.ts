/**
 * faucet-stream: faucet-core plus every first-party connector in one package. Importing it
 * loads no connector: `sources.<type>(config)`, `sinks.<type>(config)` (and `transforms`,
 * `stateStores`) import the connector's package, and so its driver, on first use; `modules`
 * gives each package's classes on demand; connector types are re-exported as type namespaces.
 *
 * @example
 * import { Pipeline, sinks, sources } from "faucet-stream";
 *
 * const source = await sources.csv({ path: "orders.csv" });
 * const sink = await sinks.jsonl({ path: "out/orders.jsonl" });
 * const result = await new Pipeline(source, sink).run();
 *
 * @packageDocumentation
 */
export * from "faucet-core";
export * from "./connectors.generated.js";
export type { FactoryContext } from "./lazy.js";
export { lazySink, lazySource, lazyStateStore, lazyTransform } from "./lazy.js";

/**
 * faucet-conformance: the battery every faucet connector passes against its real backend.
 *
 * A connector's test file starts with one call: {@link testSource} or {@link testSink}
 * registers every check that applies as a vitest test, chosen by the connector's declared
 * `capabilities()`, so a capability that is claimed is always tested. Each check is also an
 * exported async function (`assertBoundedMemory`, `assertIdempotentReplay`, …) that throws a
 * {@link ConformanceError} naming the check and what was wrong, for use in your own tests.
 * Suites that need a server use {@link describeWithService}.
 *
 * @packageDocumentation
 * @example
 * import { testSource } from "faucet-conformance";
 * import { FooSource } from "../src/index.js";
 *
 * testSource({
 *   create: (config) => new FooSource(config),
 *   config: { dataset: "orders", replication_key: "id" },
 *   seed: (records) => fooBackend.replace("orders", records),
 *   failing: { config: { dataset: "missing" }, kind: "source" },
 * });
 */
export type { PreflightOptions } from "./contract-checks.js";
export {
  assertConfigSchemaValid,
  assertConnectorNameNonEmpty,
  assertPreflightCheckWellFormed,
} from "./contract-checks.js";
export type { Reporter } from "./failure.js";
export { ConformanceError } from "./failure.js";
export type { Connector, CountRows, DestinationOptions, ReadRows } from "./fixtures.js";
export { conformanceRecords, mergeConfigPatch } from "./fixtures.js";
export type { CancellationOptions, ErrorsOptions, ResourcesOptions } from "./runtime-checks.js";
export { assertCancellationFlushes, assertErrorsNotCrashes, assertResourcesReleased } from "./runtime-checks.js";
export type { ServiceAddress } from "./services.js";
export { describeWithService, serviceReachable } from "./services.js";
export type {
  IdempotentReplayOptions,
  SchemaEvolutionOptions,
  WriteModeSinks,
  WriteModesOptions,
} from "./sink-checks.js";
export {
  assertCapabilitiesTruthful,
  assertIdempotentReplay,
  assertNativeDeclinesUnknown,
  assertSchemaEvolutionEffective,
  assertWriteModesTruthful,
} from "./sink-checks.js";
export type { SinkSuite, SinkSuiteOptions } from "./sink-suite.js";
export { testSink } from "./sink-suite.js";
export type { BookmarkRoundtripOptions, BoundedMemoryOptions, DiscoverOptions } from "./source-checks.js";
export {
  assertBatchSizeZeroSinglePage,
  assertBookmarkRoundtrip,
  assertBoundedMemory,
  assertDeterministicReplay,
  assertDiscoverRoundtrips,
  assertNativePagesMatch,
} from "./source-checks.js";
export type { FailingConfig, SourceSuite, SourceSuiteOptions } from "./source-suite.js";
export { testSource } from "./source-suite.js";
export { eventually, keepingSink, numbersSource, recordingLogger, rejection } from "./state-store-fixtures.js";
export type { LeaseSpace, LeasingStateStore, StateStoreLeaseSuiteOptions } from "./state-store-suite.js";
export { testStateStoreLeases } from "./state-store-suite.js";

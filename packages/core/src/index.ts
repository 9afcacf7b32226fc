/**
 * faucet-core: the contracts every faucet connector builds on, and the engine that runs them.
 *
 * A {@link Source} streams pages of JSON records, {@link Transform} stages reshape each page and
 * a {@link Pipeline} writes every page to a {@link Sink}, committing bookmarks to a
 * {@link StateStore} only after the sink has them. This package is the only dependency a
 * connector needs: it also re-exports `z` (zod 4) and {@link schemaFor} for config schemas.
 *
 * @packageDocumentation
 * @example
 * import { Pipeline, type Source, type Sink, type Value } from "faucet-core";
 *
 * class Numbers implements Source {
 *   async fetchWithContext(): Promise<Value[]> {
 *     return [{ n: 1 }, { n: 2 }];
 *   }
 * }
 * class Print implements Sink {
 *   async writeBatch(records: readonly Value[]): Promise<number> {
 *     for (const r of records) console.log(r);
 *     return records.length;
 *   }
 * }
 * const result = await new Pipeline(new Numbers(), new Print()).run();
 */
export type { CheckProbe, CheckReport, ProbeStatus } from "./check.js";
export { probe, reportPassed } from "./check.js";
export type { ValueFamily } from "./compare.js";
export { compareValues, valueFamily } from "./compare.js";
export type { ConfigLocation, ZodSchema } from "./config.js";
export {
  describeIssues,
  keysAt,
  parseConfig,
  redactConfig,
  registerConfigSecrets,
  schemaFor,
  secret,
  z,
} from "./config.js";
export type {
  DeadLetterEnvelope,
  DeadLetterItem,
  DeadLetterOptions,
  DeadLetterReason,
} from "./dead-letter.js";
export { deadLetterEnvelope } from "./dead-letter.js";
export type {
  CreateContext,
  Definition,
  SinkDefinition,
  SourceDefinition,
  StateStoreDefinition,
  TransformDefinition,
} from "./define.js";
export { defineSink, defineSource, defineStateStore, defineTransform, isDefinition } from "./define.js";
export type {
  CommittedPosition,
  DeliveryInputs,
  DeliveryMechanism,
  DeliveryMode,
  DeliveryReport,
} from "./delivery.js";
export { deliveryGuarantee, formatCommitToken, parseCommitToken, toCommittedPosition } from "./delivery.js";
export type { ErrorKind, FaucetErrorOptions } from "./errors.js";
export { cancelledError, describe, ERROR_KINDS, FaucetError } from "./errors.js";
export type { IncrementalOptions } from "./incremental.js";
export { IncrementalFilter } from "./incremental.js";
export { inferColumns, logicalTypeOf, widenLogicalType } from "./infer.js";
export type { CallEvent, Instrumentation, SpanHandle } from "./instrument.js";
export { instrumentSink, instrumentSource } from "./instrument.js";
export type { HeldLeasesOptions, LeaseOptions, StateLease } from "./lease.js";
export {
  acquireFileLease,
  alreadyRunning,
  DEFAULT_LEASE_TTL_MS,
  HeldLeases,
  LeaseLifecycle,
  leaseLost,
} from "./lease.js";
export type { LogFields, Logger } from "./logger.js";
export { consoleLogger, silentLogger } from "./logger.js";
export type { NativeColumn, NativeFormat, NativePage } from "./native.js";
export type {
  ChunkDecoder,
  ChunkDecoderFactory,
  PageSerializer,
  PageSerializerFactory,
  ParallelChunk,
  WorkerModuleSpec,
} from "./parallel/contract.js";
export { defaultWorkers } from "./parallel/plan.js";
export type { PipelineOptions, PipelineProgress, PipelineResult } from "./pipeline.js";
export { Pipeline } from "./pipeline.js";
export { prefetch } from "./prefetch.js";
export type { RowRecordBuilder } from "./record-builder.js";
export { compileRecordBuilder, hasKeySequence } from "./record-builder.js";
export { clearSecrets, REDACTED, redactSecrets, registerSecret } from "./redact.js";
export type { CircuitBreakerOptions, PoisonOptions, RetryCategory } from "./resilience.js";
export { CircuitBreaker, pipelineMayRetry, RETRY_CATEGORIES, retryCategory } from "./resilience.js";
export type { RetryEvent, RetryOptions, RetryPolicy } from "./retry.js";
export { backoffDelay, DEFAULT_RETRY, sleep, withRetry } from "./retry.js";
export type { SchemaDriftPolicy } from "./schema-drift.js";
export { NOT_SIMPLE, SimpleJsonReader } from "./simple-json.js";
export type {
  ColumnSchema,
  LogicalType,
  NewColumn,
  PartialWriteResult,
  RowFailure,
  SchemaChange,
  Sink,
  SinkCapabilities,
  SinkSchema,
  WriteMode,
} from "./sink.js";
export { appendOnlyCapabilities, sinkCapabilities, sinkName } from "./sink.js";
export type {
  DatasetDescriptor,
  FetchContext,
  Source,
  SourceCapabilities,
  StreamPage,
} from "./source.js";
export { sourceCapabilities, sourceName } from "./source.js";
export type { StateStore } from "./state.js";
export { FileStateStore, MemoryStateStore } from "./state.js";
export { chunkRecords, fetchAll, MAX_BATCH_SIZE, streamPagesOf } from "./streaming.js";
export { closestMatch, editDistance } from "./suggest.js";
export type {
  RejectedRecord,
  Transform,
  TransformContext,
  TransformedPage,
  TransformingSourceOptions,
} from "./transform.js";
export { applyTransforms, rejectionError, TransformingSource } from "./transform.js";
// Built-in transforms and the `faucet test` engine (packages/core/src/transforms).
export * from "./transforms/index.js";
export type { JsonSchema, Value, ValueObject } from "./value.js";
export { getPath, isValueObject } from "./value.js";

/**
 * The built-in transforms: config-driven page stages with the Rust faucet-stream's config keys,
 * compiled once per run, plus the engine behind `faucet test` (fixture records through the
 * transforms and dead-letter routing, checked against expectations).
 *
 * Transforms own the page they are given: they change records and the page array in place
 * where that is cheapest, and treat nested objects as read-only (replacing, never editing them).
 *
 * @example
 * import { createTransforms, Pipeline } from "faucet-core";
 *
 * const stages = createTransforms([{ type: "keys_case", config: { mode: "snake" } }]);
 * await new Pipeline(source, sink, { transforms: stages }).run();
 *
 * @packageDocumentation
 */
export type { CastTransformConfig } from "./cast.js";
// The zod config schemas, exported so their types are documented where the definitions use them.
export { CastConfig, castDefinition } from "./cast.js";
export type { CdcUnwrapTransformConfig } from "./cdc-unwrap.js";
export { CdcUnwrapConfig, cdcUnwrapDefinition } from "./cdc-unwrap.js";
export type { CustomTransformConfig, RecordFunction } from "./custom.js";
export { CustomConfig, customDefinition } from "./custom.js";
export type { ExplodeTransformConfig } from "./explode.js";
export { ExplodeConfig, explodeDefinition } from "./explode.js";
export type {
  CoalesceTransformConfig,
  FieldsTransformConfig,
  RedactTransformConfig,
  RenameFieldTransformConfig,
} from "./fields.js";
export {
  CoalesceConfig,
  coalesceDefinition,
  dropDefinition,
  FieldsConfig,
  RedactConfig,
  RenameFieldConfig,
  redactDefinition,
  renameFieldDefinition,
  selectDefinition,
} from "./fields.js";
export type { FilterPredicate, FilterTransformConfig } from "./filter.js";
export { filterDefinition } from "./filter.js";
export type { FlattenTransformConfig } from "./flatten.js";
export { FlattenConfig, flattenDefinition } from "./flatten.js";
export type { FusionStats } from "./fuse.js";
export { fusedChain, fusionStats } from "./fuse.js";
export type { HashTransformConfig } from "./hash.js";
export { HashConfig, hashDefinition } from "./hash.js";
export { NOT_READ, parseJsonExact, parseJsonTexts } from "./json.js";
export type {
  KeysCaseTransformConfig,
  RenameKeysTransformConfig,
  SpellSymbolsTransformConfig,
} from "./key-shape.js";
export {
  DEFAULT_SYMBOL_WORDS,
  KeysCaseConfig,
  keysCaseDefinition,
  RenameKeysConfig,
  renameKeysDefinition,
  SpellSymbolsConfig,
  spellSymbolsDefinition,
} from "./key-shape.js";
export type { CreateTransformsOptions, Factory, OptionalFactory, TransformSpec } from "./registry.js";
export { builtinTransforms, createTransforms, transformDefinition, transforms } from "./registry.js";
export type { SetTransformConfig } from "./set.js";
export { RUN_REFERENCES, SetConfig, setDefinition } from "./set.js";
export type {
  PipelineFixture,
  RunTransformSpecOptions,
  TransformTestCaseReport,
  TransformTestReport,
} from "./test-runner.js";
export { formatTransformTestReport, runTransformSpec } from "./test-runner.js";
export type { ParsedTransformTestSpec, TransformTestSpec } from "./test-spec.js";
export { TransformTestSpecSchema } from "./test-spec.js";
export type {
  JoinTransformConfig,
  JsonEncodeTransformConfig,
  JsonParseTransformConfig,
  SplitTransformConfig,
  ValueCaseTransformConfig,
} from "./values.js";
export {
  JoinConfig,
  JsonEncodeConfig,
  JsonParseConfig,
  joinDefinition,
  jsonEncodeDefinition,
  jsonParseDefinition,
  SplitConfig,
  splitDefinition,
  ValueCaseConfig,
  valueCaseDefinition,
} from "./values.js";

/**
 * faucet-cli as a library: {@link definePipeline} for typed `faucet.config.ts` files, and the
 * config types behind it. The `faucet` binary itself is `dist/bin.js`.
 *
 * @example
 * // faucet.config.ts
 * import { definePipeline } from "faucet-cli";
 *
 * export default definePipeline({
 *   version: 1,
 *   name: "orders",
 *   pipeline: {
 *     source: { type: "csv", config: { path: "orders.csv" } },
 *     sink: { type: "jsonl", config: { path: "out/orders.jsonl" } },
 *   },
 * });
 *
 * @packageDocumentation
 */
import type {
  BuiltinSinkConfigs,
  BuiltinSourceConfigs,
  BuiltinStateConfigs,
  BuiltinTransformConfigs,
} from "./config/types.generated.js";

/**
 * Source config types by `type`. Third-party packages add theirs by augmentation:
 * `declare module "faucet-cli" { interface SourceConfigs { mytype: MyConfig } }`.
 */
export interface SourceConfigs extends BuiltinSourceConfigs {}
/** Sink config types by `type` (augmentable like {@link SourceConfigs}). */
export interface SinkConfigs extends BuiltinSinkConfigs {}
/** Transform config types by `type` (augmentable like {@link SourceConfigs}). */
export interface TransformConfigs extends BuiltinTransformConfigs {}
/** State store config types by `type` (augmentable like {@link SourceConfigs}). */
export interface StateConfigs extends BuiltinStateConfigs {}

/** `{ type, config }` for every type of a config map: `config` may be omitted when nothing is required. */
export type ConnectorBlock<M> = {
  // biome-ignore lint/complexity/noBannedTypes: `{} extends T` asks "may config be omitted?"
  [K in keyof M & string]: {} extends M[K] ? { type: K; config?: M[K] } : { type: K; config: M[K] };
}[keyof M & string];

/** The `pipeline.dlq` block. */
export interface DeadLetterConfig {
  sink: ConnectorBlock<SinkConfigs>;
  on_batch_error?: "propagate" | "dlq_all";
  max_failures_per_page?: number | null;
  max_failures_total?: number | null;
  include_original_payload?: true;
}

/** A whole pipeline document, as in faucet.yaml. */
export interface PipelineConfig {
  version?: 1;
  kind?: "pipeline";
  name?: string | null;
  vars?: Record<string, unknown> | null;
  pipeline: {
    source: ConnectorBlock<SourceConfigs>;
    transforms?: ConnectorBlock<TransformConfigs>[];
    sink: ConnectorBlock<SinkConfigs>;
    state?: ConnectorBlock<StateConfigs> | null;
    dlq?: DeadLetterConfig | null;
    schema?: { on_drift?: "evolve" | "fail" | "ignore" } | null;
  };
  delivery?: "at_least_once" | "exactly_once";
  execution?: {
    batch_size?: number;
    prefetch?: number;
    max_concurrent?: number | null;
    on_error?: "continue" | "stop";
  } | null;
  resilience?: {
    retry?: {
      max_attempts?: number;
      backoff?: "none" | "fixed" | "exponential";
      base_ms?: number;
      max_ms?: number;
      jitter?: boolean;
    };
    retry_on?: ("http_5xx" | "rate_limited" | "connection" | "timeout")[];
    circuit_breaker?: { consecutive_failures: number; cooldown_secs: number };
    poison?: { max_row_attempts: number; action?: "dlq" | "drop" | "fail" };
  } | null;
  plugins?: string[];
}

/**
 * Declares a pipeline in TypeScript with types and autocompletion for every connector's config.
 * It returns its argument: `faucet run faucet.config.ts` validates it like a YAML file.
 *
 * @example
 * export default definePipeline({
 *   pipeline: {
 *     source: { type: "csv", config: { path: "in.csv" } },
 *     sink: { type: "jsonl", config: { path: "out.jsonl" } },
 *   },
 * });
 */
export function definePipeline<const T extends PipelineConfig>(config: T): T {
  return config;
}

/**
 * Resolves a loaded document against the registry: finds each connector, validates its `config`
 * with the connector's own zod schema (strict, with paths and "did you mean"), registers its
 * secret fields for redaction, and maps the document onto Pipeline options. Nothing is built
 * and no I/O happens here.
 */
import { resolve } from "node:path";
import {
  type CircuitBreakerOptions,
  type Definition,
  describeIssues,
  FaucetError,
  type PoisonOptions,
  type RetryCategory,
  type RetryPolicy,
  registerConfigSecrets,
  type SchemaDriftPolicy,
  type SinkDefinition,
  type SourceDefinition,
  type StateStoreDefinition,
  schemaFor,
  type TransformDefinition,
} from "faucet-core";
import { Registry } from "../registry/registry.js";
import type { Kind } from "../registry/types.js";
import { configProblems, type LoadedDocument } from "./load.js";

/** A connector found in the registry with its validated config. */
export interface ResolvedConnector<D extends Definition = Definition> {
  type: string;
  /** Document path of the connector block, e.g. `pipeline.source`. */
  path: string;
  definition: D;
  /** The config as the connector's schema parsed it (defaults applied). */
  config: unknown;
  /** The config as written (after interpolation), for display. */
  input: Record<string, unknown>;
}

/** The dead-letter queue, resolved. */
export interface ResolvedDeadLetter {
  sink: ResolvedConnector<SinkDefinition>;
  onBatchError: "propagate" | "dlq_all";
  maxFailuresPerPage?: number;
  maxFailuresTotal?: number;
}

/** Everything needed to build the pipeline. */
export interface ResolvedPipeline {
  loaded: LoadedDocument;
  name: string;
  source: ResolvedConnector<SourceDefinition>;
  transforms: ResolvedConnector<TransformDefinition>[];
  sink: ResolvedConnector<SinkDefinition>;
  state: ResolvedConnector<StateStoreDefinition>;
  dlq?: ResolvedDeadLetter;
  delivery: "at_least_once" | "exactly_once";
  schemaDrift?: SchemaDriftPolicy;
  batchSize?: number;
  prefetch?: number;
  /** `execution.workers`: worker threads for parallel pages. */
  workers?: number;
  /** `execution.native`: false turns native pass-through off. */
  native?: boolean;
  retry?: RetryPolicy;
  retryOn?: RetryCategory[];
  circuitBreaker?: CircuitBreakerOptions;
  poison?: PoisonOptions;
  /** `execution.lease_ttl_secs` in milliseconds. */
  leaseTtlMs?: number;
  registry: Registry;
}

/** Overrides from the command line. */
export interface ResolveOptions {
  cwd?: string;
  /** `--state-path`: a `file` state store in this directory, whatever the config says. */
  statePath?: string;
}

/**
 * Resolves every connector of `loaded`, reporting every problem in one config error.
 *
 * @example
 * const resolved = await resolvePipeline(await loadDocument(file));
 */
export async function resolvePipeline(loaded: LoadedDocument, options: ResolveOptions = {}): Promise<ResolvedPipeline> {
  const { document, baseDir } = loaded;
  const cwd = options.cwd ?? process.cwd();
  const registry = await Registry.open({ searchFrom: [baseDir, cwd], plugins: document.plugins, baseDir });
  const problems: string[] = [];
  const find = async <D extends Definition>(
    kind: Kind,
    spec: { type: string; config: unknown },
    path: string,
  ): Promise<ResolvedConnector<D> | undefined> => {
    let definition: Definition;
    try {
      definition = await registry.definition(kind, spec.type, `${path}.type`);
    } catch (error) {
      if (FaucetError.is(error, "config")) {
        problems.push(error.detail);
        return undefined;
      }
      throw error;
    }
    const parsed = definition.config.safeParse(spec.config ?? {});
    if (!parsed.success) {
      problems.push(...describeIssues(definition.config, parsed.error.issues, `${path}.config`));
      return undefined;
    }
    registerConfigSecrets(schemaFor(definition.config), parsed.data);
    const input = (spec.config ?? {}) as Record<string, unknown>;
    return { type: spec.type, path, definition: definition as D, config: parsed.data, input };
  };

  const p = document.pipeline;
  const source = await find<SourceDefinition>("source", p.source, "pipeline.source");
  const transforms: ResolvedConnector<TransformDefinition>[] = [];
  for (const [i, t] of p.transforms.entries()) {
    const found = await find<TransformDefinition>("transform", t, `pipeline.transforms[${i}]`);
    if (found) transforms.push(found);
  }
  const sink = await find<SinkDefinition>("sink", p.sink, "pipeline.sink");
  const stateSpec = options.statePath
    ? { type: "file", config: { path: resolve(cwd, options.statePath) } }
    : (p.state ?? { type: "file", config: {} });
  const state = await find<StateStoreDefinition>("state", stateSpec, "pipeline.state");
  let dlq: ResolvedDeadLetter | undefined;
  if (p.dlq) {
    const dlqSink = await find<SinkDefinition>("sink", p.dlq.sink, "pipeline.dlq.sink");
    if (dlqSink) {
      dlq = {
        sink: dlqSink,
        onBatchError: p.dlq.on_batch_error,
        ...(p.dlq.max_failures_per_page != null ? { maxFailuresPerPage: p.dlq.max_failures_per_page } : {}),
        ...(p.dlq.max_failures_total != null ? { maxFailuresTotal: p.dlq.max_failures_total } : {}),
      };
    }
  }
  if (problems.length > 0 || !source || !sink || !state) throw configProblems(loaded.file, problems);

  const execution = document.execution ?? {};
  const resilience = document.resilience ?? {};
  const retry = resilience.retry;
  return {
    loaded,
    name: loaded.name,
    source,
    transforms,
    sink,
    state,
    ...(dlq ? { dlq } : {}),
    delivery: document.delivery,
    ...(p.schema ? { schemaDrift: p.schema.on_drift } : {}),
    ...(execution.batch_size !== undefined ? { batchSize: execution.batch_size } : {}),
    ...(execution.prefetch !== undefined ? { prefetch: execution.prefetch } : {}),
    ...(execution.workers !== undefined ? { workers: execution.workers } : {}),
    ...(execution.native !== undefined ? { native: execution.native } : {}),
    ...(execution.lease_ttl_secs !== undefined ? { leaseTtlMs: Math.round(execution.lease_ttl_secs * 1000) } : {}),
    ...(retry
      ? {
          retry: {
            maxAttempts: retry.max_attempts,
            backoff: retry.backoff,
            baseMs: retry.base_ms,
            maxMs: retry.max_ms,
            jitter: retry.jitter,
          },
        }
      : {}),
    ...(resilience.retry_on ? { retryOn: resilience.retry_on } : {}),
    ...(resilience.circuit_breaker
      ? {
          circuitBreaker: {
            consecutiveFailures: resilience.circuit_breaker.consecutive_failures,
            cooldownMs: resilience.circuit_breaker.cooldown_secs * 1000,
          },
        }
      : {}),
    ...(resilience.poison
      ? { poison: { maxRowAttempts: resilience.poison.max_row_attempts, action: resilience.poison.action } }
      : {}),
    registry,
  };
}

/** Builds the connectors of a resolved pipeline and the Pipeline that moves records between them. */
import {
  type CreateContext,
  type Definition,
  FaucetError,
  type Logger,
  MemoryStateStore,
  Pipeline,
  type PipelineOptions,
  type PipelineProgress,
  type Sink,
  type Source,
  type StateStore,
  type Transform,
  type TransformSpec,
  transformDefinition,
  type Value,
} from "faucet-core";
import type { ResolvedConnector, ResolvedPipeline } from "./config/resolve.js";

/** How to build. */
export interface BuildOptions {
  logger: Logger;
  signal?: AbortSignal;
  limit?: number;
  /** Read and transform, but write to a sink that discards, and keep state in memory. */
  dryRun?: boolean;
  /** Replace the configured sink (preview writes to stdout). */
  sink?: Sink;
  /** Replace the configured state store. */
  stateStore?: StateStore;
  onProgress?: (progress: PipelineProgress) => void;
}

/** The built pipeline and what it holds. */
export interface BuiltPipeline {
  pipeline: Pipeline;
  source: Source;
  sink: Sink;
  stateStore: StateStore;
  deadLetterSink?: Sink;
  /** Closes every connector and the state store (idempotent). */
  close(): Promise<void>;
}

/** A sink that counts and discards: what `--dry-run` writes to. */
export class DiscardSink implements Sink {
  written = 0;
  async writeBatch(records: readonly Value[]): Promise<number> {
    this.written += records.length;
    return records.length;
  }
  connectorName(): string {
    return "dry-run";
  }
}

async function create<T>(connector: ResolvedConnector<Definition>, context: CreateContext): Promise<T> {
  const name = `${connector.definition.kind}-${connector.type}`;
  try {
    return (await connector.definition.create(connector.config as never, context)) as T;
  } catch (error) {
    throw FaucetError.wrap(error, "config", { connector: name, message: `could not create ${connector.path}` });
  }
}

/**
 * The transforms as `{type, config}` specs a worker thread can compile again (parallel pages),
 * or undefined when one is not a built-in (a plugin's code may not load in a worker).
 */
function workerTransformSpecs(resolved: ResolvedPipeline): TransformSpec[] | undefined {
  const specs: TransformSpec[] = [];
  for (const t of resolved.transforms) {
    if (t.definition !== transformDefinition(t.type)) return undefined;
    specs.push({ type: t.type, config: t.input });
  }
  return specs;
}

/**
 * Creates the source, transforms, sink, dead-letter sink and state store, and the Pipeline.
 *
 * @example
 * const built = await buildPipeline(resolved, { logger });
 * const result = await built.pipeline.run();
 */
export async function buildPipeline(resolved: ResolvedPipeline, options: BuildOptions): Promise<BuiltPipeline> {
  const context: CreateContext = { baseDir: resolved.loaded.baseDir, logger: options.logger, pipeline: resolved.name };
  const opened: { close?(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const item of opened.splice(0).reverse()) {
      try {
        await item.close?.();
      } catch (error) {
        options.logger.warn("close failed", { error: String(error) });
      }
    }
  };
  try {
    const source = await create<Source>(resolved.source, context);
    opened.push(source);
    const transforms: Transform[] = [];
    for (const t of resolved.transforms) transforms.push(await create<Transform>(t, context));
    const sink: Sink =
      options.sink ?? (options.dryRun ? new DiscardSink() : await create<Sink>(resolved.sink, context));
    opened.push(sink);
    let deadLetterSink: Sink | undefined;
    if (resolved.dlq) {
      deadLetterSink = options.dryRun ? new DiscardSink() : await create<Sink>(resolved.dlq.sink, context);
      opened.push(deadLetterSink);
      // Dead letters accumulate: a file sink appends instead of replacing the last run's (docs/dlq.md).
      await deadLetterSink.resume?.({ dead_letters: true });
    }
    const stateStore: StateStore =
      options.stateStore ??
      (options.dryRun ? new MemoryStateStore() : await create<StateStore>(resolved.state, context));
    opened.push(stateStore);
    const transformSpecs = workerTransformSpecs(resolved);
    const pipelineOptions: PipelineOptions = {
      name: resolved.name,
      stateStore,
      transforms,
      ...(transformSpecs ? { transformSpecs } : {}),
      // A dry run or a preview commits nothing, so there is no delivery guarantee to hold.
      delivery: options.dryRun || options.sink ? "at_least_once" : resolved.delivery,
      logger: options.logger,
      ...(resolved.batchSize !== undefined ? { batchSize: resolved.batchSize } : {}),
      ...(resolved.prefetch !== undefined ? { prefetch: resolved.prefetch } : {}),
      ...(resolved.workers !== undefined ? { workers: resolved.workers } : {}),
      ...(resolved.native !== undefined ? { native: resolved.native } : {}),
      ...(resolved.leaseTtlMs !== undefined ? { lease: { ttlMs: resolved.leaseTtlMs } } : {}),
      ...(resolved.retry ? { retry: resolved.retry } : {}),
      ...(resolved.retryOn ? { retryOn: resolved.retryOn } : {}),
      ...(resolved.circuitBreaker ? { circuitBreaker: resolved.circuitBreaker } : {}),
      ...(resolved.poison ? { poison: resolved.poison } : {}),
      ...(resolved.schemaDrift ? { schemaDrift: resolved.schemaDrift } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(resolved.dlq && deadLetterSink
        ? {
            deadLetter: {
              sink: deadLetterSink,
              onBatchError: resolved.dlq.onBatchError,
              ...(resolved.dlq.maxFailuresPerPage !== undefined
                ? { maxFailuresPerPage: resolved.dlq.maxFailuresPerPage }
                : {}),
              ...(resolved.dlq.maxFailuresTotal !== undefined
                ? { maxFailuresTotal: resolved.dlq.maxFailuresTotal }
                : {}),
            },
          }
        : {}),
    };
    const pipeline = new Pipeline(source, sink, pipelineOptions);
    return {
      pipeline,
      source,
      sink,
      stateStore,
      ...(deadLetterSink ? { deadLetterSink } : {}),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

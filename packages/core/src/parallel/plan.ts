import { availableParallelism, loadavg } from "node:os";
import type { DeliveryReport } from "../delivery.js";
import { FaucetError } from "../errors.js";
import type { PipelineOptions } from "../pipeline.js";
import type { Sink } from "../sink.js";
import type { Source } from "../source.js";
import type { TransformSpec } from "../transforms/registry.js";
import { transformDefinition } from "../transforms/registry.js";
import type { WorkerModuleSpec } from "./contract.js";

/** How a run uses worker threads, when it can. */
export interface ParallelPlan {
  workers: number;
  serializer: WorkerModuleSpec;
  transforms: readonly TransformSpec[];
}

/** Fewer cores than this: single-threaded unless `workers` asks otherwise. */
const MIN_DEFAULT_CORES = 4;

/**
 * The default number of workers: two where at least four cores exist and two of them are free
 * (a 1-minute load average of at most cores − 2), else none. Parallel pages cost about 40% more
 * CPU in all (worker start-up, the split, one more heap to collect); on a 2-core machine that
 * never paid, even idle, once page writes stopped leaving the main thread waiting (scenario A:
 * 1.55 s single-threaded against 1.68–1.76 s with 2 workers; A10: 2.34–2.43 s against
 * 2.60–2.74 s). `workers` set explicitly is always obeyed.
 *
 * @example
 * new Pipeline(source, sink, { workers: defaultWorkers() });
 */
export function defaultWorkers(): number {
  const cores = availableParallelism();
  if (cores < MIN_DEFAULT_CORES) return 0;
  const load = loadavg()[0] ?? 0;
  return load <= cores - 2 ? 2 : 0;
}

/**
 * Why a run is single-threaded by default, or undefined when the default is parallel pages.
 * Transforms on workers cost far more than they save (scenario A10: about twice the CPU and
 * +100 MiB; each worker also loads zod and every built-in transform), so a run with transforms
 * uses workers only when `workers` asks for them.
 */
function defaultOff(options: Readonly<PipelineOptions>): string | undefined {
  if ((options.transforms?.length ?? 0) > 0 || (options.transformSpecs?.length ?? 0) > 0) {
    return "transforms run on the main thread unless workers is set";
  }
  if (defaultWorkers() === 0) return "workers: 0 (by default: fewer than 4 cores, or fewer than 2 free)";
  return undefined;
}

/**
 * Whether a run can take the parallel path, and with what; otherwise the reason it cannot
 * (logged at debug level). Parallel pages need a sink that serializes in a worker, transforms
 * given as specs the worker can compile, and none of the features that need the records
 * themselves on the main thread: a dead-letter sink, poison isolation, schema drift handling,
 * a record limit and exactly-once (watermarked) writes. The source's own say comes later:
 * `parallelChunks` may still decline.
 */
export function planParallel(
  options: Readonly<PipelineOptions>,
  source: Source,
  sink: Sink,
  delivery: DeliveryReport,
): ParallelPlan | string {
  if (options.workers === undefined) {
    const off = defaultOff(options);
    if (off) return off;
  }
  const workers = options.workers ?? 2;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new FaucetError("config", `workers must be a non-negative integer, got ${workers}`, {
      hint: "use 0 to run single-threaded, or the number of worker threads (default 2)",
    });
  }
  if (workers === 0) return "workers: 0";
  if (!source.parallelChunks) return "the source cannot split its input into chunks";
  if (!sink.serializer || !sink.writeSerialized) return "the sink cannot serialize on a worker";
  const serializer = sink.serializer();
  if (!serializer) return "the sink's config cannot serialize on a worker";
  const transforms = options.transforms ?? [];
  const specs = options.transformSpecs ?? [];
  if (transforms.length > 0 || specs.length > 0) {
    if (specs.length !== transforms.length) return "transforms given as functions (no transformSpecs)";
    for (const spec of specs) {
      if (spec.type === "custom" || !transformDefinition(spec.type)) {
        return `transform \`${spec.type}\` is not a built-in a worker can compile`;
      }
    }
  }
  if (options.deadLetter) return "a dead-letter sink needs the records on the main thread";
  if (options.poison) return "poison isolation needs the records on the main thread";
  if (options.schemaDrift && options.schemaDrift !== "ignore") return "schema drift handling needs the records";
  if (options.limit !== undefined) return "a record limit cuts pages on the main thread";
  if (delivery.mechanism === "atomic_watermark") return "exactly-once writes use writeBatchIdempotent";
  return { workers, serializer, transforms: specs };
}

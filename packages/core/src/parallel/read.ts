import { FaucetError } from "../errors.js";
import type { Value } from "../value.js";
import type { ParallelChunk } from "./contract.js";
import type { ChunkResult, SerializedPage, WorkerPool } from "./pool.js";
import type { WorkerStage } from "./wire.js";

/** A page from a worker, in source order, with the bookmark of its chunk on the chunk's last page. */
export interface ParallelPage extends SerializedPage {
  index: number;
  bookmark: Value | undefined;
  /** On a chunk's last page: call once it is written, so its memory is filled again. */
  release: (() => void) | undefined;
}

/** A failure of the parallel path, with the stage it happened in. */
export class StagedError extends Error {
  readonly error: unknown;
  readonly stage: WorkerStage | "read";
  constructor(error: unknown, stage: WorkerStage | "read") {
    super("staged");
    this.error = error;
    this.stage = stage;
  }
}

type Outcome =
  | { chunk: ParallelChunk; first: number; result: ChunkResult }
  | { chunk: ParallelChunk; first: number; failure: unknown };

/**
 * Dispatches the source's chunks to the pool and yields their pages strictly in source order.
 * At most `inFlight` chunks are dispatched and not yet fully yielded, so memory stays bounded
 * however far ahead the workers could run. A chunk's error (decoding, transforming or
 * serializing) is raised after the pages it completed before the error, and a source error
 * after every chunk read before it: the single-threaded path's order.
 *
 * Errors come wrapped in {@link StagedError} so the pipeline can report each stage as it
 * would on the single-threaded path.
 */
export async function* parallelPages(
  chunks: AsyncIterable<ParallelChunk>,
  pool: WorkerPool,
  options: { inFlight: number; firstPage: number; signal: AbortSignal; onDispatch?: (inFlight: number) => void },
): AsyncGenerator<ParallelPage> {
  const iterator = chunks[Symbol.asyncIterator]();
  const queue: Promise<Outcome>[] = [];
  let readFailure: StagedError | undefined;
  let done = false;
  let nextPage = options.firstPage;
  try {
    for (;;) {
      while (!done && queue.length < options.inFlight && !options.signal.aborted) {
        let step: IteratorResult<ParallelChunk>;
        try {
          step = await iterator.next();
        } catch (error) {
          done = true;
          readFailure = new StagedError(error, "read");
          break;
        }
        if (step.done) {
          done = true;
          break;
        }
        const chunk = step.value;
        const first = nextPage;
        queue.push(
          pool.run(chunk, first).then(
            (result) => ({ chunk, first, result }),
            (failure: unknown) => ({ chunk, first, failure }),
          ),
        );
        nextPage += chunk.pages;
        options.onDispatch?.(queue.length);
      }
      const next = queue.shift();
      if (next === undefined) {
        if (readFailure && !options.signal.aborted) throw readFailure;
        return;
      }
      const outcome = await next;
      if ("failure" in outcome) throw new StagedError(outcome.failure, "worker");
      const { chunk, first, result } = outcome;
      const { pages } = result;
      chunk.release?.(result.input);
      const recycle = () => pool.recycle(result.output);
      if (pages.length === 0) recycle();
      if (!result.error && pages.length !== chunk.pages) {
        throw new StagedError(
          new FaucetError(
            "contract",
            `a parallel chunk decoded to ${pages.length} pages, but the source said ${chunk.pages}`,
            { hint: "parallelChunks must give each chunk's exact page count (whole pages of the run's page size)" },
          ),
          "source",
        );
      }
      for (let i = 0; i < pages.length; i++) {
        const page = pages[i] as SerializedPage;
        const last = i === pages.length - 1 && !result.error;
        const end = i === pages.length - 1;
        yield {
          ...page,
          index: first + i,
          bookmark: last ? chunk.bookmark : undefined,
          release: end ? recycle : undefined,
        };
      }
      if (result.error) throw new StagedError(result.error.error, result.error.stage);
    }
  } finally {
    await iterator.return?.();
  }
}

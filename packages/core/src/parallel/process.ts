/**
 * One chunk through decode → transforms → serialize, into one buffer of page bytes: what a
 * worker does with every chunk, and what the main thread does with the first chunks while the
 * workers are still starting.
 */
import type { Logger } from "../logger.js";
import type { Transform } from "../transform.js";
import { applyTransforms, rejectionError } from "../transform.js";
import type { Value } from "../value.js";
import type { ChunkDecoder, PageSerializer, WorkerModuleSpec } from "./contract.js";
import type { WorkerStage } from "./wire.js";

/** What processing a chunk needs, set up once per thread. */
export interface ChunkWork {
  serialize: PageSerializer;
  transforms: readonly Transform[];
  logger: Logger;
  pipeline: string;
  runStartedAt: Date;
}

/** The pages of a chunk: their bytes back to back, and per page its end, written and read counts. */
export interface ProcessedChunk {
  output: ArrayBuffer;
  pages: number[];
  error?: { error: unknown; stage: WorkerStage };
}

/** Imports `module` and returns its export `name`, which must be a function. */
export async function loadFactory<T>(module: string, name: string): Promise<T> {
  const loaded = (await import(module)) as Record<string, unknown>;
  const factory = loaded[name];
  if (typeof factory !== "function") throw new Error(`${module} does not export a function \`${name}\``);
  return factory as T;
}

/** A decoder from its spec (see `ParallelChunk.decoder`). */
export async function loadDecoder(spec: WorkerModuleSpec): Promise<ChunkDecoder> {
  const make = await loadFactory<(options: unknown) => ChunkDecoder | Promise<ChunkDecoder>>(
    spec.module,
    "createChunkDecoder",
  );
  return await make(spec.options);
}

/** A page serializer from its spec (see `Sink.serializer`). */
export async function loadSerializer(spec: WorkerModuleSpec): Promise<PageSerializer> {
  const make = await loadFactory<(options: unknown) => PageSerializer | Promise<PageSerializer>>(
    spec.module,
    "createPageSerializer",
  );
  return await make(spec.options);
}

/**
 * Decodes `input` into pages, transforms and serializes each. A failure stops the chunk: the
 * pages before it are returned with it, and the stage it happened in.
 */
export async function processChunk(
  work: ChunkWork,
  decode: ChunkDecoder,
  input: ArrayBuffer,
  meta: unknown,
  firstPage: number,
  recycled?: ArrayBuffer,
): Promise<ProcessedChunk> {
  // JSON Lines of CSV records take ~1.7 times the CSV's bytes: room for twice, grown if short.
  const output = new PageBytes(2 * input.byteLength + 4096, recycled);
  const pages: number[] = [];
  let stage: WorkerStage = "source";
  try {
    const iterator = decode(new Uint8Array(input), meta)[Symbol.iterator]();
    for (let pageIndex = firstPage; ; pageIndex++) {
      stage = "source";
      const step = iterator.next();
      if (step.done) break;
      const raw = step.value;
      let records: Value[] = raw;
      stage = "transform";
      if (work.transforms.length > 0) {
        const page = await applyTransforms(raw, work.transforms, {
          logger: work.logger,
          pageIndex,
          runStartedAt: work.runStartedAt,
          pipeline: work.pipeline,
        });
        // Without a dead-letter sink (parallel pages never have one) a rejection fails the page.
        if (page.rejected.length > 0) throw rejectionError(page.rejected);
        records = page.records;
      }
      stage = "sink";
      if (records.length > 0) output.append(work.serialize(records));
      pages.push(output.length, records.length, raw.length);
    }
    return { output: output.buffer, pages };
  } catch (error) {
    return { output: output.buffer, pages, error: { error, stage } };
  }
}

/** The serialized pages of one chunk, back to back in one buffer that is handed over whole. */
class PageBytes {
  buffer: ArrayBuffer;
  #bytes: Uint8Array;
  length = 0;

  constructor(capacity: number, recycled: ArrayBuffer | undefined) {
    this.buffer = recycled && recycled.byteLength >= capacity ? recycled : new ArrayBuffer(capacity);
    this.#bytes = new Uint8Array(this.buffer);
  }

  append(page: Uint8Array): void {
    if (this.length + page.length > this.#bytes.length) {
      const grown = new ArrayBuffer(Math.max(this.#bytes.length * 2, this.length + page.length));
      const bytes = new Uint8Array(grown);
      bytes.set(this.#bytes.subarray(0, this.length));
      this.buffer = grown;
      this.#bytes = bytes;
    }
    this.#bytes.set(page, this.length);
    this.length += page.length;
  }
}

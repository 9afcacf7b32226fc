/**
 * The contracts of parallel pages (docs/concepts.md, "Parallel pages"): a source that can cut its
 * input into independently decodable chunks and a sink that can serialize in a worker let the
 * pipeline parse, transform and serialize whole pages on worker threads while the main thread
 * reads, dispatches and writes bytes in order. Only bytes cross threads.
 */
import type { Value } from "../value.js";

/**
 * A module a worker thread loads, by absolute URL (`new URL("./decoder.js", import.meta.url).href`),
 * and the options its factory is called with. The options cross a thread, so they must be
 * structured-cloneable: plain data, no functions.
 */
export interface WorkerModuleSpec {
  module: string;
  options?: unknown;
}

/**
 * One independently decodable piece of a source's input, as yielded by `Source.parallelChunks`.
 * A chunk holds whole pages: every chunk but the last decodes to exactly `pages` full pages of
 * the run's page size, so pages (and page indices) are the same as on the single-threaded path.
 */
export interface ParallelChunk {
  /** The bytes to decode. Transferred to a worker: the source must not touch it afterwards. */
  input: ArrayBuffer;
  /**
   * The decoder module: it exports `createChunkDecoder(options)` returning a
   * {@link ChunkDecoder}. Reuse one spec object for chunks decoded alike: each worker receives
   * (and compiles) a spec once, keyed by object identity.
   */
  decoder: WorkerModuleSpec;
  /** What the decoder needs to know about this chunk (file name, first line, columns); cloneable. */
  meta?: unknown;
  /** The number of pages the chunk decodes to; checked, since later page numbers depend on it. */
  pages: number;
  /** Records in the chunk, when known (reported to instrumentation). */
  records?: number;
  /** The bookmark after the chunk's last page, when the source can resume there. */
  bookmark?: Value;
  /**
   * Called on the main thread with `input`, handed back by the worker once it has decoded the
   * chunk, so the source can fill it again instead of allocating (memory stays flat).
   */
  release?(input: ArrayBuffer): void;
}

/**
 * Decodes one chunk into its pages of records, inside a worker. Throwing fails the page being
 * decoded; the pages yielded before it are still written, as on the single-threaded path.
 */
export type ChunkDecoder = (input: Uint8Array, meta: unknown) => Iterable<Value[]>;

/** What a decoder module exports as `createChunkDecoder`. */
export type ChunkDecoderFactory = (options: unknown) => ChunkDecoder | Promise<ChunkDecoder>;

/**
 * Serializes one page into the bytes `Sink.writeSerialized` writes, inside a worker. The
 * returned view may be reused by the next call: the caller copies it out before calling again.
 */
export type PageSerializer = (records: readonly Value[]) => Uint8Array;

/** What a serializer module exports as `createPageSerializer`. */
export type PageSerializerFactory = (options: unknown) => PageSerializer | Promise<PageSerializer>;

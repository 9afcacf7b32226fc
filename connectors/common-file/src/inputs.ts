import type { StreamPage, Value } from "faucet-core";
import { type CompressionChoice, detectCompression } from "./compression.js";
import { expandPaths } from "./paths.js";
import { readChunks } from "./read.js";
import { Utf8Checker } from "./utf8.js";

/** One input of a file source: the file (or the name given to a stream) and its bytes. */
export type SourceInput = [file: string, chunks: AsyncIterable<Uint8Array>];

/** Options of {@link sourceInputs}. */
export interface SourceInputOptions {
  /** The `path` config: a file or a glob. With `input`, only the name used in messages. */
  path: string;
  /** The `compression` config. */
  compression: CompressionChoice;
  /** E.g. `source-csv`, for error messages. */
  connector: string;
  /** Relative paths resolve against this directory. Default: the working directory. */
  baseDir?: string | undefined;
  /** Read this byte stream instead of the files `path` names (stdin, a socket, a generated stream). */
  input?: AsyncIterable<Uint8Array> | undefined;
  /** Stops reading promptly when aborted. */
  signal?: AbortSignal | undefined;
  /** Bytes per read; default: {@link readChunks}'s. */
  chunkSize?: number | undefined;
}

/**
 * What a file source reads, in order: the one `input` stream, or every file `path` names (see
 * {@link expandPaths}), each opened only when its first chunk is asked for, so one file is open
 * at a time. Files are read into reused buffers: a chunk is valid until the next one is asked
 * for, so the consumer copies what it keeps.
 *
 * @example
 * for (const [file, chunks] of await sourceInputs({ path: "data/*.csv", compression: "auto", connector: "source-csv" })) {
 *   for await (const chunk of chunks) { … }
 * }
 */
export async function sourceInputs(options: SourceInputOptions): Promise<SourceInput[]> {
  const { connector, input, signal, chunkSize } = options;
  if (input) return [[options.path, input]];
  const files = await expandPaths(options.path, { connector, baseDir: options.baseDir });
  return files.map((file) => [
    file,
    lazy(() =>
      readChunks(file, {
        compression: detectCompression(file, options.compression),
        connector,
        reuseBuffers: true,
        ...(signal ? { signal } : {}),
        ...(chunkSize ? { chunkSize } : {}),
      }),
    ),
  ]);
}

/**
 * The chunks of one input, each checked as UTF-8 (a character may straddle two chunks) before
 * it is handed on: the first invalid byte throws `invalid(offset)`, its offset in the input.
 * Ends early, with no error, once `signal` is aborted.
 *
 * @example
 * for await (const chunk of utf8Chunks(chunks, (offset) => new Error(`invalid UTF-8 at byte ${offset}`))) { … }
 */
export async function* utf8Chunks(
  chunks: AsyncIterable<Uint8Array>,
  invalid: (offset: number) => Error,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  const utf8 = new Utf8Checker();
  for await (const chunk of chunks) {
    if (signal?.aborted) return;
    const bad = utf8.push(chunk);
    if (bad !== -1) throw invalid(bad);
    yield chunk;
  }
  const bad = utf8.end();
  if (bad !== -1) throw invalid(bad);
}

/** A parser of one input's bytes into records, page by page (the CSV parser, the JSON readers). */
export interface ChunkParser {
  /** Adds the next chunk; the parser copies what it keeps. */
  feed(chunk: Uint8Array): void;
  /**
   * Parses records into `out` until it holds `max` (true) or the bytes run out (false). With
   * `final`, the input has ended.
   */
  parse(out: Value[], max: number, final: boolean): boolean;
}

/** Options of {@link parsePages}. */
export interface ParsePagesOptions {
  /** Records per page; 0 = everything in one page. */
  pageSize: number;
  /** A fresh parser for each input. */
  parser(file: string): ChunkParser;
  /** The error for invalid UTF-8 at `offset` of `file`. */
  invalidUtf8(file: string, offset: number): Error;
  signal?: AbortSignal | undefined;
}

/**
 * The pages of a file source: every input's bytes, checked as UTF-8, through a parser of its
 * own, in pages of `pageSize` records that may span inputs. Stops, without an error and
 * without the page being filled, once `signal` is aborted.
 *
 * @example
 * yield* parsePages(await sourceInputs(options), { pageSize: 1000, parser: (file) => new CsvParser({ …, file }), invalidUtf8 });
 */
export async function* parsePages(
  inputs: Iterable<SourceInput>,
  options: ParsePagesOptions,
): AsyncGenerator<StreamPage> {
  const { signal } = options;
  const max = options.pageSize > 0 ? options.pageSize : Number.POSITIVE_INFINITY;
  let page: Value[] = [];
  for (const [file, chunks] of inputs) {
    const parser = options.parser(file);
    for await (const chunk of utf8Chunks(chunks, (offset) => options.invalidUtf8(file, offset), signal)) {
      parser.feed(chunk);
      while (parser.parse(page, max, false)) {
        yield { records: page };
        page = [];
      }
    }
    if (signal?.aborted) return;
    while (parser.parse(page, max, true)) {
      yield { records: page };
      page = [];
    }
  }
  if (page.length > 0) yield { records: page };
}

function lazy<T>(open: () => AsyncIterable<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => open()[Symbol.asyncIterator]() };
}

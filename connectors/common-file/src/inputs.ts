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

function lazy<T>(open: () => AsyncIterable<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => open()[Symbol.asyncIterator]() };
}

import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { FaucetError } from "faucet-core";
import { codecProblem, createDecoder } from "./codecs.js";
import type { Compression } from "./compression.js";
import { fileError } from "./errors.js";

/** Options of {@link readChunks}. */
export interface ReadOptions {
  compression: Compression;
  /** E.g. `source-csv`, for error messages. */
  connector: string;
  /** Bytes per read: default 1 MiB. */
  chunkSize?: number;
  /** Stops reading promptly when aborted. */
  signal?: AbortSignal;
  /**
   * Read uncompressed files into two buffers used in turn instead of a fresh buffer per chunk,
   * so memory stays flat. A chunk is then valid only until the next one is requested: the
   * caller must copy what it keeps. Default false.
   */
  reuseBuffers?: boolean;
}

/**
 * The decompressed bytes of a file, as a stream of chunks. The next read is issued while the
 * caller works on the current chunk, so disk and CPU overlap; memory stays at a few chunks.
 * Failures are FaucetErrors of kind `source` that name the file.
 *
 * @example
 * for await (const chunk of readChunks("/data/a.csv.gz", { compression: "gzip", connector: "source-csv" })) { … }
 */
export async function* readChunks(path: string, options: ReadOptions): AsyncGenerator<Buffer> {
  const { connector } = options;
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw fileError(error, { connector, path, action: "open", kind: "source" });
  }
  try {
    const decoder = await createDecoder(options.compression);
    const raw = rawChunks(handle, path, { ...options, reuseBuffers: !decoder && options.reuseBuffers === true });
    if (!decoder) {
      yield* raw;
      return;
    }
    try {
      for await (const chunk of raw) {
        for (const plain of await decoder.push(chunk)) yield plain;
      }
      for (const plain of await decoder.end()) yield plain;
    } catch (error) {
      if (error instanceof FaucetError) throw error;
      throw new FaucetError("source", `could not read ${path}: ${codecProblem(error, options.compression)}`, {
        cause: error,
        connector,
        hint: "check the file, or set `compression` to match how it was written",
      });
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

async function* rawChunks(handle: FileHandle, path: string, options: ReadOptions): AsyncGenerator<Buffer> {
  const size = options.chunkSize ?? 1 << 20;
  const ring = options.reuseBuffers ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : undefined;
  let turn = 0;
  const next = async (): Promise<Buffer | undefined> => {
    // With the ring, the buffer being read into is never the one the caller holds.
    const buffer = ring ? (ring[turn++ & 1] as Buffer) : Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, null);
    return bytesRead === 0 ? undefined : buffer.subarray(0, bytesRead);
  };
  let pending = next();
  // A read still in flight when the caller stops must not become an unhandled rejection.
  pending.catch(() => {});
  try {
    while (true) {
      if (options.signal?.aborted) return;
      let chunk: Buffer | undefined;
      try {
        chunk = await pending;
      } catch (error) {
        throw fileError(error, { connector: options.connector, path, action: "read", kind: "source" });
      }
      if (chunk === undefined) return;
      pending = next();
      pending.catch(() => {});
      yield chunk;
    }
  } finally {
    await pending.catch(() => undefined);
  }
}

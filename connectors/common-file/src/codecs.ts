import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { FaucetError } from "faucet-core";
import type { Compression } from "./compression.js";

// Node 22.15+ has zstd in zlib; on older Node the codec comes from two small libraries, loaded
// only when a zstd file is actually read or written.
type ZstdZlib = {
  createZstdDecompress?: () => NodeJS.ReadWriteStream;
  zstdCompress?: (buf: Buffer, cb: (err: Error | null, out: Buffer) => void) => void;
};
const nativeZstd = zlib as unknown as ZstdZlib;
const gzip = promisify(zlib.gzip);

/** A decoder that turns compressed chunks into plain ones. */
export interface Decoder {
  /** Decodes the next compressed chunk; returns the plain chunks it completed. */
  push(chunk: Buffer): Promise<Buffer[]>;
  /** Signals the end of input; returns the last plain chunks. */
  end(): Promise<Buffer[]>;
}

/**
 * Compresses one page into a complete gzip member or zstd frame: a file of such members is a
 * valid gzip/zstd file, and each page can be written with one call.
 *
 * @example
 * const bytes = await compressPage(Buffer.from("a\n"), "gzip");
 */
export async function compressPage(data: Buffer, compression: Compression): Promise<Buffer> {
  switch (compression) {
    case "none":
      return data;
    case "gzip":
      return await gzip(data);
    case "zstd": {
      if (nativeZstd.zstdCompress) return await promisify(nativeZstd.zstdCompress)(data);
      const { compress } = await import("@mongodb-js/zstd");
      return await compress(data, 3);
    }
  }
}

/**
 * A streaming decoder for `compression`, or undefined for `none`.
 *
 * @example
 * const decoder = await createDecoder("gzip");
 */
export async function createDecoder(compression: Compression): Promise<Decoder | undefined> {
  if (compression === "none") return undefined;
  if (compression === "gzip") return streamDecoder(zlib.createGunzip({ chunkSize: 256 * 1024 }));
  if (nativeZstd.createZstdDecompress) return streamDecoder(nativeZstd.createZstdDecompress());
  const { Decompress } = await import("fzstd");
  let out: Buffer[] = [];
  const decoder = new Decompress((data: Uint8Array) => {
    // Copied: the decoder may reuse the memory behind `data` for its window.
    out.push(Buffer.from(data));
  });
  const take = () => {
    const done = out;
    out = [];
    return done;
  };
  return {
    async push(chunk) {
      decoder.push(chunk);
      return take();
    },
    async end() {
      decoder.push(new Uint8Array(0), true);
      return take();
    },
  };
}

/** Wraps a zlib transform as a pull-style decoder with backpressure-free buffering per chunk. */
function streamDecoder(stream: NodeJS.ReadWriteStream): Decoder {
  let out: Buffer[] = [];
  let failure: Error | undefined;
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  stream.on("data", (data: Buffer) => out.push(data));
  stream.on("error", (error: Error) => {
    failure = error;
    wake();
  });
  stream.on("end", () => {
    ended = true;
    wake();
  });
  const take = () => {
    if (failure) throw failure;
    const done = out;
    out = [];
    return done;
  };
  return {
    async push(chunk) {
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        // The write callback fires once zlib has consumed the chunk, so its output is in `out`.
        stream.write(chunk, () => wake());
      });
      return take();
    },
    async end() {
      if (!ended && !failure) {
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          stream.end();
        });
      }
      return take();
    },
  };
}

/** A one-line description of a decompression failure, for error messages. */
export function codecProblem(error: unknown, compression: Compression): FaucetError | string {
  if (error instanceof FaucetError) return error;
  const text = error instanceof Error ? error.message : String(error);
  if (/unexpected end/i.test(text)) return `the ${compression} data is truncated (${text})`;
  return `it is not valid ${compression} data (${text})`;
}

/**
 * The worker side of the CSV source's parallel pages: parses one chunk cut by `splitCsv` into
 * pages of records with the same parser the single-threaded path uses, told each segment's file,
 * first line and columns. Loaded by faucet-core's worker threads by URL; it imports nothing that
 * loads zod.
 */
import type { ChunkDecoder, Value } from "faucet-core";
import { CsvParser, type CsvParserOptions } from "./parser.js";
import type { CsvChunkMeta } from "./split.js";

/** The parser options shared by every chunk of a run (structured-cloneable). */
export type CsvDecoderOptions = Omit<CsvParserOptions, "file" | "continuation">;

/** Called by the worker once per run (see `ChunkDecoderFactory` in faucet-core). */
export function createChunkDecoder(options: CsvDecoderOptions): ChunkDecoder {
  return function* decode(input: Uint8Array, meta: unknown): Generator<Value[]> {
    const { segments, pageSize } = meta as CsvChunkMeta;
    let page: Value[] = [];
    for (const segment of segments) {
      const parser = new CsvParser({
        ...options,
        file: segment.file,
        continuation: { line: segment.line, columns: segment.columns },
      });
      const bytes = input.subarray(segment.start, segment.end);
      parser.adopt(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
      while (parser.parse(page, pageSize, true)) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  };
}

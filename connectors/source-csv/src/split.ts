import { Utf8Checker } from "faucet-common-file";
import type { FaucetError, ParallelChunk, Value, WorkerModuleSpec } from "faucet-core";
import { CsvParser, type CsvParserOptions, MAX_RECORD_BYTES, recordTooLarge, unquotedEnd } from "./parser.js";
import { SimdScanner } from "./simd-scan.js";

/** One file's piece of a chunk: where its bytes are in the chunk, and how to parse them. */
export interface CsvSegment {
  file: string;
  columns: string[];
  /** The line the segment's first byte is on. */
  line: number;
  start: number;
  end: number;
}

/** What the decoder gets with each chunk (structured-cloneable). */
export interface CsvChunkMeta {
  segments: CsvSegment[];
  pageSize: number;
}

/** What `splitCsv` needs: the parser's options (without a file), the page size and the decoder. */
export interface SplitOptions extends Omit<CsvParserOptions, "file" | "continuation"> {
  pageSize: number;
  /** A chunk is cut at the first page boundary at or after this many bytes. */
  chunkBytes: number;
  decoder: WorkerModuleSpec;
  signal?: AbortSignal | undefined;
  invalidUtf8(file: string, offset: number): FaucetError;
}

const NEED_MORE = -1;
const LF = 10;
const CR = 13;
const EMPTY = Buffer.alloc(0);
/** The store's first size: a chunk being gathered plus a read (it grows for larger records). */
const STORE_BYTES = 2 << 20;

/**
 * Cuts CSV files into chunks of whole pages for parallel pages (docs/concepts.md): it finds
 * record boundaries with a byte scan that follows the parser's rules exactly (quoted fields,
 * doubled quotes, text after a closing quote, CR, LF and CRLF, blank lines), counts records and
 * lines, and cuts at a page boundary once a chunk holds `chunkBytes`. Records are never built
 * here: workers parse each chunk with the same parser, told the file, first line and columns,
 * so records, pages and error messages are those of the single-threaded path. The header is
 * parsed here, and UTF-8 is checked here as the single-threaded path checks it.
 *
 * A failure found here (invalid UTF-8, a record over the size limit) is raised after a chunk
 * of the whole pages read before it, as the single-threaded path commits them first.
 */
export async function* splitCsv(
  files: AsyncIterable<[string, AsyncIterable<Uint8Array>]> | Iterable<[string, AsyncIterable<Uint8Array>]>,
  options: SplitOptions,
): AsyncGenerator<ParallelChunk> {
  const chunk = new ChunkBuilder(options);
  for await (const [file, input] of files) {
    const scanner = new RecordScanner(file, options);
    const utf8 = new Utf8Checker();
    let failure: FaucetError | undefined;
    for await (const bytes of input) {
      if (options.signal?.aborted) return;
      const bad = utf8.push(bytes);
      if (bad !== -1) {
        failure = options.invalidUtf8(file, bad);
        break;
      }
      scanner.feed(bytes);
      failure = yield* scanner.scan(chunk, false);
      if (failure) break;
    }
    if (!failure) {
      const bad = utf8.end();
      if (bad !== -1) failure = options.invalidUtf8(file, bad);
    }
    if (failure) {
      // The whole pages read before the failure are committed first, then the run fails.
      const pages = chunk.takeWholePages(scanner);
      if (pages) yield pages;
      throw failure;
    }
    yield* scanner.scan(chunk, true);
    chunk.keepTail(scanner);
  }
  const last = chunk.takeAll();
  if (last) yield last;
}

/** The records of one file, found in the bytes fed to it. */
class RecordScanner {
  readonly file: string;
  readonly #o: SplitOptions;
  readonly #high: number;
  #store: Buffer = EMPTY;
  #len = 0;
  /** Where the next record starts. */
  #pos = 0;
  /** The line #pos is on. */
  #line = 1;
  /** Where the record that needs more bytes starts (after blank lines), and its line. */
  #recordStart = 0;
  #recordLine = 1;
  /** While a record is incomplete, do not scan it again before the buffer is this long. */
  #scanAt = 0;
  /** Where the file's first record starts (after a byte order mark), until the header is read. */
  #started = false;
  columns: string[] | undefined;
  /** Where the bytes not yet in a chunk start, and their line. */
  chunkStart = 0;
  chunkLine = 1;
  /** The last page boundary in this file's bytes, with its line. */
  pageEnd = 0;
  pageLine = 1;

  /** Counts regular records 64 bytes at a time; the store then lives in its memory. */
  readonly #simd: SimdScanner | undefined;

  constructor(file: string, options: SplitOptions) {
    this.file = file;
    this.#o = options;
    this.#high = Math.max(options.delimiter, CR);
    this.#simd = SimdScanner.create(options.delimiter, options.quote, STORE_BYTES);
    if (this.#simd) this.#store = this.#simd.bytes;
  }

  get buffer(): Buffer {
    return this.#store;
  }

  get position(): number {
    return this.#pos;
  }

  get line(): number {
    return this.#line;
  }

  feed(bytes: Uint8Array): void {
    if (this.#len + bytes.length > this.#store.length) {
      // Drop what is already in chunks, then grow if that is not room enough.
      const keep = this.chunkStart;
      const rest = this.#len - keep;
      if (keep > 0) {
        this.#store.copyWithin(0, keep, this.#len);
        this.#pos -= keep;
        this.pageEnd -= keep;
        this.#recordStart -= keep;
        if (this.#scanAt > 0) this.#scanAt -= keep;
        this.chunkStart = 0;
        this.#len = rest;
      }
      if (rest + bytes.length > this.#store.length) {
        const size = Math.max(2 * (rest + bytes.length), STORE_BYTES);
        if (this.#simd) this.#store = this.#simd.grow(size);
        else {
          const grown = Buffer.allocUnsafe(size);
          this.#store.copy(grown, 0, 0, rest);
          this.#store = grown;
        }
      }
    }
    this.#store.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /**
   * Finds the records in the bytes fed so far, cutting chunks into `chunk` as pages complete.
   * With `final`, the file has ended: a last line without a newline is a record, and the
   * remainder of an unclosed quote is left for the parser to report. Returns a failure to
   * raise (after committing the whole pages before it).
   */
  *scan(chunk: ChunkBuilder, final: boolean): Generator<ParallelChunk, FaucetError | undefined> {
    if (!final && this.#len < this.#scanAt) return undefined;
    this.#scanAt = 0;
    if (!this.#started) {
      const failure = this.#readHeader(final);
      if (failure !== undefined || !this.#started) return failure;
    }
    for (;;) {
      const want = chunk.recordsToPageEnd();
      const found = this.#records(want, final);
      chunk.countRecords(found);
      if (found < want) return final ? undefined : this.#incomplete();
      this.#recordStart = this.#pos;
      this.pageEnd = this.#pos;
      this.pageLine = this.#line;
      const full = chunk.takeIfFull(this);
      if (full) yield full;
    }
  }

  /** After a record that needs more bytes: a failure when it is too large, else wait for more. */
  #incomplete(): FaucetError | undefined {
    const rest = this.#len - this.#recordStart;
    if (rest > MAX_RECORD_BYTES) return recordTooLarge(this.file, this.#recordLine, this.#o.connector);
    // Rescan an incomplete record only once the data after it has doubled: linear overall.
    this.#scanAt = this.#len + rest;
    return undefined;
  }

  /** Reads the header (or, without headers, the first record's width) on this thread. */
  #readHeader(final: boolean): FaucetError | undefined {
    if (this.#len < 3 && !final) return undefined;
    const bom = this.#store[0] === 0xef && this.#store[1] === 0xbb && this.#store[2] === 0xbf ? 3 : 0;
    const start = this.#skipBlank(bom, final);
    const line = this.#line;
    this.#line = 1;
    if (start === NEED_MORE) return undefined;
    if (start >= this.#len && !final) return undefined;
    this.#recordStart = start;
    this.#recordLine = line;
    let end = this.#len;
    if (start < this.#len) {
      this.#line = line;
      end = this.#record(start, final);
      if (end === NEED_MORE) {
        this.#line = 1;
        return this.#incomplete();
      }
    }
    // The parser itself reads the first record, so its errors and names are the usual ones.
    const parser = new CsvParser({ ...this.#o, file: this.file });
    parser.feed(this.#store.subarray(0, end));
    parser.parse([], Number.POSITIVE_INFINITY, true);
    this.columns = [...(parser.columns ?? [])];
    this.#started = true;
    if (start >= this.#len) {
      // Nothing but blank lines, or nothing at all.
      this.#pos = this.#len;
    } else if (this.#o.hasHeaders) {
      this.#pos = end;
    } else {
      this.#pos = start;
      this.#line = line;
    }
    this.chunkStart = this.pageEnd = this.#recordStart = this.#pos;
    this.chunkLine = this.pageLine = this.#recordLine = this.#line;
    return undefined;
  }

  /** Skips blank lines from `p` (counting them); the first byte of the next record, or NEED_MORE. */
  #skipBlank(from: number, final: boolean): number {
    const buf = this.#store;
    const end = this.#len;
    let p = from;
    while (p < end) {
      const c = buf[p];
      if (c === LF) p++;
      else if (c === CR) {
        if (p + 1 < end) p += buf[p + 1] === LF ? 2 : 1;
        else if (final) p++;
        else return NEED_MORE;
      } else break;
      this.#line++;
    }
    return p;
  }

  /** Counts up to `max` complete records from #pos, advancing it past them. */
  #records(max: number, final: boolean): number {
    let found = 0;
    if (this.#simd) {
      // In bulk first; a block it cannot vouch for (and the last bytes) go byte by byte.
      const fast = this.#simd.scan(this.#pos, this.#len, max, this.#o.delimiter, this.#o.quote);
      if (fast.found > 0) {
        this.#pos = fast.end;
        this.#line += fast.lines;
        found = fast.found;
      }
      if (found === max) return found;
    }
    return found + this.#exactRecords(max - found, final);
  }

  /** Counts up to `max` complete records from #pos byte by byte, advancing it past them. */
  #exactRecords(max: number, final: boolean): number {
    let found = 0;
    while (found < max) {
      const line = this.#line;
      const start = this.#skipBlank(this.#pos, final);
      if (start === NEED_MORE || start >= this.#len) {
        // Blank lines are taken only with the record after them.
        this.#line = line;
        this.#recordStart = this.#len;
        this.#recordLine = line;
        return found;
      }
      this.#recordStart = start;
      this.#recordLine = this.#line;
      const end = this.#record(start, final);
      if (end === NEED_MORE) {
        this.#line = line;
        return found;
      }
      this.#pos = end;
      found++;
    }
    return found;
  }

  /**
   * The end of the record starting at `p` (after its line end), or NEED_MORE; adds the lines it
   * spans to #line. The parser's #record, without building values.
   */
  #record(from: number, final: boolean): number {
    const buf = this.#store;
    const end = this.#len;
    const delimiter = this.#o.delimiter;
    const quote = this.#o.quote;
    const high = this.#high;
    let p = from;
    let lines = 1;
    for (;;) {
      let i: number;
      if (buf[p] === quote) {
        let close = p + 1;
        for (;;) {
          if (close >= end) {
            if (!final) return NEED_MORE;
            // Never closed: the rest of the file is this record, and its parser reports it.
            this.#line += lines;
            return end;
          }
          const c = buf[close] as number;
          if (c === quote) {
            if (close + 1 < end) {
              if (buf[close + 1] !== quote) break;
              close += 2;
              continue;
            }
            if (final) break;
            return NEED_MORE;
          }
          if (c === LF) lines++;
          close++;
        }
        i = close + 1;
        if (i < end) {
          const c = buf[i] as number;
          if (c !== delimiter && c !== LF && c !== CR) {
            const j = unquotedEnd(buf, i, end, delimiter, high);
            if (j === end && !final) return NEED_MORE;
            i = j;
          }
        }
      } else {
        i = unquotedEnd(buf, p, end, delimiter, high);
        if (i === end && !final) return NEED_MORE;
      }
      if (i >= end) {
        p = end;
        break;
      }
      const c = buf[i];
      if (c === delimiter) {
        p = i + 1;
        if (p < end) continue;
        if (!final) return NEED_MORE;
        break;
      }
      if (c === CR) {
        if (i + 1 < end) p = buf[i + 1] === LF ? i + 2 : i + 1;
        else if (final) p = i + 1;
        else return NEED_MORE;
      } else p = i + 1;
      break;
    }
    this.#line += lines;
    return p;
  }
}

interface Part {
  bytes: Buffer;
  file: string;
  columns: string[];
  line: number;
}

/** The chunk being gathered: whole pages, possibly from several files. */
class ChunkBuilder {
  readonly #o: SplitOptions;
  /** Pieces of earlier files waiting for the rest of their page. */
  #parts: Part[] = [];
  #partBytes = 0;
  /** Records gathered (in parts and in the current file) and those in whole pages among them. */
  #records = 0;
  #pageRecords = 0;
  /** Chunk buffers handed back by the workers, to fill again. */
  readonly #free: ArrayBuffer[] = [];
  readonly #release = (buffer: ArrayBuffer) => {
    if (this.#free.length < 8) this.#free.push(buffer);
  };

  constructor(options: SplitOptions) {
    this.#o = options;
  }

  /** A buffer of at least `size` bytes: a recycled one when it fits. */
  #buffer(size: number): ArrayBuffer {
    for (let i = this.#free.length - 1; i >= 0; i--) {
      const buffer = this.#free[i] as ArrayBuffer;
      if (buffer.byteLength >= size) {
        this.#free.splice(i, 1);
        return buffer;
      }
    }
    // Room for the page that ends a little past the target, so buffers fit the next chunks too.
    return new ArrayBuffer(Math.max(size, this.#o.chunkBytes + (this.#o.chunkBytes >>> 1)));
  }

  recordsToPageEnd(): number {
    return this.#o.pageSize - (this.#records % this.#o.pageSize);
  }

  countRecords(found: number): void {
    this.#records += found;
    if (this.#records % this.#o.pageSize === 0) this.#pageRecords = this.#records;
  }

  /** A chunk of everything up to the scanner's last page boundary, once it holds enough bytes. */
  takeIfFull(scanner: RecordScanner): ParallelChunk | undefined {
    if (this.#partBytes + scanner.pageEnd - scanner.chunkStart < this.#o.chunkBytes) return undefined;
    return this.takeWholePages(scanner);
  }

  /** A chunk of every whole page gathered so far, or undefined when there is none. */
  takeWholePages(scanner: RecordScanner): ParallelChunk | undefined {
    const records = this.#pageRecords;
    if (records === 0) return undefined;
    const chunk = this.#build(scanner, scanner.pageEnd, records);
    scanner.chunkStart = scanner.pageEnd;
    scanner.chunkLine = scanner.pageLine;
    this.#records -= records;
    this.#pageRecords = 0;
    return chunk;
  }

  /** At the end of a file: keeps its records after the last page boundary for the next chunk. */
  keepTail(scanner: RecordScanner): void {
    const start = scanner.chunkStart;
    const end = scanner.position;
    if (end > start && scanner.columns) {
      this.#parts.push({
        bytes: Buffer.from(scanner.buffer.subarray(start, end)),
        file: scanner.file,
        columns: scanner.columns,
        line: scanner.chunkLine,
      });
      this.#partBytes += end - start;
    }
    scanner.chunkStart = end;
  }

  /** At the end of the input: the last chunk, with the last (short) page. */
  takeAll(): ParallelChunk | undefined {
    if (this.#records === 0) return undefined;
    const records = this.#records;
    const pages = Math.ceil(records / this.#o.pageSize);
    const chunk = this.#assemble(undefined, 0, records, pages);
    this.#records = 0;
    this.#pageRecords = 0;
    return chunk;
  }

  #build(scanner: RecordScanner, end: number, records: number): ParallelChunk {
    return this.#assemble(scanner, end, records, records / this.#o.pageSize);
  }

  #assemble(scanner: RecordScanner | undefined, end: number, records: number, pages: number): ParallelChunk {
    const own = scanner ? end - scanner.chunkStart : 0;
    const input = this.#buffer(this.#partBytes + own);
    const bytes = new Uint8Array(input);
    const segments: CsvSegment[] = [];
    let at = 0;
    for (const part of this.#parts) {
      bytes.set(part.bytes, at);
      segments.push({
        file: part.file,
        columns: part.columns,
        line: part.line,
        start: at,
        end: at + part.bytes.length,
      });
      at += part.bytes.length;
    }
    if (scanner && own > 0) {
      bytes.set(scanner.buffer.subarray(scanner.chunkStart, end), at);
      segments.push({
        file: scanner.file,
        columns: scanner.columns ?? [],
        line: scanner.chunkLine,
        start: at,
        end: at + own,
      });
    }
    this.#parts = [];
    this.#partBytes = 0;
    const meta: CsvChunkMeta = { segments, pageSize: this.#o.pageSize };
    return { input, decoder: this.#o.decoder, meta: meta as unknown as Value, pages, records, release: this.#release };
  }
}

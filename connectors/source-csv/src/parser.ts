import { isAscii } from "node:buffer";
import type { Value, ValueObject } from "faucet-core";
// The light entries: this module also runs in parallel-pages workers, which must not load zod.
import { FaucetError } from "faucet-core/errors";
import { compileRecordBuilder } from "faucet-core/records";

// Buffer's own slice decoders: no argument normalisation, the fastest way from bytes to a string.
interface FastSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** What the parser needs to know, already validated by the config schema. */
export interface CsvParserOptions {
  delimiter: number;
  quote: number;
  hasHeaders: boolean;
  flexible: boolean;
  inferTypes: boolean;
  /** Named in error messages. */
  file: string;
  connector: string;
  /**
   * Parse a piece of a file that starts at a record boundary after the header (parallel
   * pages): the line it starts on and the file's columns. No byte order mark or header then.
   */
  continuation?: { line: number; columns: readonly string[] } | undefined;
}

const LF = 10;
const CR = 13;
const NEED_MORE = -1;
const EMPTY = Buffer.alloc(0);
/** Bytes decoded at once into a string that fields are sliced from (small enough to stay in the young generation). */
const WINDOW = 32 * 1024;
/** Quoted text worth trying as a number or boolean. */
const LOOKS_TYPED = /^(?:[-.\d][-+.\deE]*|true|false)$/i;
/** A record this large is far more likely an unterminated quote than real data. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/**
 * An RFC 4180 CSV parser over Buffer chunks. It finds field boundaries byte by byte, decodes a
 * field to a string only once its bounds are known (latin1 for all-ASCII chunks, UTF-8
 * otherwise), and builds each record with a constructor compiled from the header, so every
 * record of a file shares one hidden class. Feed it chunks; it emits records up to a page size.
 *
 * @example
 * const parser = new CsvParser({ delimiter: 44, quote: 34, hasHeaders: true, flexible: false, inferTypes: false, file: "a.csv", connector: "source-csv" });
 * parser.feed(Buffer.from("id,name\n1,Ada\n"));
 * const page: Value[] = [];
 * parser.parse(page, 1000, true); // page = [{ id: "1", name: "Ada" }]
 */
export class CsvParser {
  readonly #o: CsvParserOptions;
  /** Low byte values that may end an unquoted field; anything above is skipped with one compare. */
  readonly #high: number;
  /** The parser's own memory: the unparsed tail plus new chunks, reused across chunks. */
  #store: Buffer = EMPTY;
  /** The filled part of `#store`. */
  #buf: Buffer = EMPTY;
  #pos = 0;
  #ascii = true;
  /**
   * A window of the buffer decoded as one string when the buffer is all ASCII: fields are cheap
   * substrings of it. Windows stay small so that they die young with the records of a page.
   */
  #window = "";
  #windowStart = 0;
  #windowEnd = 0;
  /** While a record is incomplete, do not scan it again before the buffer is this long. */
  #scanAt = 0;
  #started = false;
  #line = 1;
  /** The line the last record read started on. */
  #recordLine = 1;
  #infer: boolean;
  /** Where quoted fields with doubled quotes are undoubled before decoding. */
  #scratch: Buffer = EMPTY;
  #values: Value[] = [];
  #owned = false;
  #names: string[] | undefined;
  #build: ((values: Value[]) => ValueObject) | undefined;

  constructor(options: CsvParserOptions) {
    this.#o = options;
    this.#high = Math.max(options.delimiter, CR);
    // The header row is always text; inference starts with the first data row.
    this.#infer = options.inferTypes && !options.hasHeaders;
    const continuation = options.continuation;
    if (continuation) {
      this.#started = true;
      this.#line = continuation.line;
      this.#recordLine = continuation.line;
      this.#names = [...continuation.columns];
      this.#build = cachedRecordBuilder(this.#names);
      this.#infer = options.inferTypes;
    }
  }

  /** The line the next record starts on (after the records parsed so far). */
  get line(): number {
    return this.#line;
  }

  /** The column names, once the header (or the first row without headers) has been read. */
  get columns(): readonly string[] | undefined {
    return this.#names;
  }

  /**
   * Adds the next chunk of the file. The chunk is copied, so the caller may reuse its memory
   * as soon as this returns.
   */
  feed(chunk: Uint8Array): void {
    if (this.#buf.length === 0 && chunk instanceof Buffer && this.#owned) {
      // The caller handed the chunk over (see `adopt`): parse it where it is.
      this.#owned = false;
      this.#store = chunk;
      this.#buf = chunk;
      this.#pos = 0;
      this.#ascii = isAscii(chunk);
      return;
    }
    let len = this.#buf.length;
    let pos = this.#pos;
    const rest = len - pos;
    // A short tail is rescanned; a long one is an incomplete record whose state is known.
    const ascii = (rest > 4096 ? this.#ascii : isAscii(this.#buf.subarray(pos))) && isAscii(chunk);
    if (len + chunk.length > this.#store.length) {
      if (rest + chunk.length <= this.#store.length) {
        this.#store.copyWithin(0, pos, len);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(2 * (rest + chunk.length), 64 * 1024));
        this.#store.copy(grown, 0, pos, len);
        this.#store = grown;
      }
      pos = 0;
      len = rest;
      this.#windowEnd = 0;
      this.#windowStart = 0;
      this.#scanAt = this.#scanAt > 0 ? rest + (this.#scanAt - this.#buf.length) : 0;
    }
    this.#store.set(chunk, len);
    this.#buf = this.#store.subarray(0, len + chunk.length);
    this.#pos = pos;
    this.#ascii = ascii;
  }

  /**
   * Like `feed`, but the parser keeps `chunk` itself instead of a copy: the caller must not
   * touch it again. Only for the first chunk; later ones are copied as by `feed`.
   */
  adopt(chunk: Buffer): void {
    this.#owned = true;
    this.feed(chunk);
    this.#owned = false;
  }

  /**
   * Parses records into `out` until it holds `max` records (returns true) or the input runs out
   * (returns false). With `final`, the input has ended: a last line without a newline is a
   * record, and an open quote is an error.
   */
  parse(out: Value[], max: number, final: boolean): boolean {
    if (!final && this.#buf.length < this.#scanAt) return false;
    this.#scanAt = 0;
    if (!this.#started) {
      if (this.#buf.length < 3 && !final) return false;
      this.#started = true;
      // A UTF-8 byte order mark is not part of the first column's name.
      if (this.#buf[0] === 0xef && this.#buf[1] === 0xbb && this.#buf[2] === 0xbf) this.#pos = 3;
    }
    while (out.length < max) {
      const n = this.#record(final);
      const line = this.#recordLine;
      if (n === NEED_MORE) {
        const rest = this.#buf.length - this.#pos;
        if (rest > MAX_RECORD_BYTES) throw recordTooLarge(this.#o.file, line, this.#o.connector);
        // Rescan an incomplete record only once the data after it has doubled: linear overall.
        this.#scanAt = this.#buf.length + rest;
        return false;
      }
      if (this.#build === undefined) {
        this.#header(n, line);
        if (this.#o.hasHeaders) continue;
      }
      const names = this.#names as string[];
      if (n === names.length) out.push((this.#build as (v: Value[]) => ValueObject)(this.#values));
      else out.push(this.#ragged(n, names, line));
    }
    return true;
  }

  /**
   * Reads one record into `#values` and returns its field count, or NEED_MORE when the buffer
   * ends inside it (or holds no record). Blank lines are skipped.
   */
  #record(final: boolean): number {
    const buf = this.#buf;
    const end = buf.length;
    const delimiter = this.#o.delimiter;
    const quote = this.#o.quote;
    const high = this.#high;
    const values = this.#values;
    let p = this.#pos;
    // Skip blank lines (they carry no record, as in the Rust faucet-stream).
    while (p < end) {
      const c = buf[p];
      if (c === LF) p++;
      else if (c === CR) {
        if (p + 1 < end) p += buf[p + 1] === LF ? 2 : 1;
        else if (final) p++;
        else break;
      } else break;
      this.#line++;
    }
    this.#pos = p;
    this.#recordLine = this.#line;
    if (p >= end) return NEED_MORE;
    let n = 0;
    let lines = 1;
    for (;;) {
      let value: Value;
      let i: number;
      if (buf[p] === quote) {
        // Quoted field: find the closing quote, skipping doubled ones and counting newlines. A
        // byte loop: quoted fields are short and often hold doubled quotes, and one native
        // indexOf call per quote cost more than this loop.
        let close = p + 1;
        let escaped = false;
        let fieldLines = 0;
        for (;;) {
          if (close >= end) {
            if (!final) return NEED_MORE;
            throw this.#unterminated(this.#line + lines - 1);
          }
          const c = buf[close] as number;
          if (c === quote) {
            if (close + 1 < end) {
              if (buf[close + 1] !== quote) break;
              escaped = true;
              close += 2;
              continue;
            }
            if (final) break;
            return NEED_MORE;
          }
          if (c === LF) fieldLines++;
          close++;
        }
        lines += fieldLines;
        let text = escaped ? this.#unescape(p + 1, close) : this.#text(p + 1, close);
        i = close + 1;
        if (i < end) {
          const c = buf[i] as number;
          if (c !== delimiter && c !== LF && c !== CR) {
            // Text after a closing quote (`"ab"c`) is kept, as the Rust csv crate does.
            const j = unquotedEnd(buf, i, end, delimiter, high);
            if (j === end && !final) return NEED_MORE;
            text += this.#text(i, j);
            i = j;
          }
        }
        value = this.#infer ? this.#typed(text) : text;
      } else {
        i = unquotedEnd(buf, p, end, delimiter, high);
        if (i === end && !final) return NEED_MORE;
        value = this.#infer ? this.#typedBytes(p, i) : this.#text(p, i);
      }
      values[n++] = value;
      if (i >= end) {
        p = end;
        break;
      }
      const c = buf[i];
      if (c === delimiter) {
        p = i + 1;
        if (p < end) continue;
        if (!final) return NEED_MORE;
        values[n++] = this.#infer ? null : "";
        break;
      }
      if (c === CR) {
        if (i + 1 < end) p = buf[i + 1] === LF ? i + 2 : i + 1;
        else if (final) p = i + 1;
        else return NEED_MORE;
      } else p = i + 1;
      break;
    }
    this.#pos = p;
    this.#line += lines;
    return n;
  }

  #text(start: number, end: number): string {
    if (!this.#ascii) return (this.#buf as unknown as FastSlices).utf8Slice(start, end);
    if (start < this.#windowStart || end > this.#windowEnd) {
      this.#windowStart = start;
      this.#windowEnd = Math.min(this.#buf.length, Math.max(end, start + WINDOW));
      this.#window = (this.#buf as unknown as FastSlices).latin1Slice(start, this.#windowEnd);
    }
    return this.#window.substring(start - this.#windowStart, end - this.#windowStart);
  }

  /**
   * The text of a quoted field with doubled quotes, undoubled while copying its bytes into a
   * scratch buffer and decoded from there in one call (String.replaceAll on the decoded text
   * cost more than parsing the rest of the record).
   */
  #unescape(start: number, end: number): string {
    const buf = this.#buf;
    const quote = this.#o.quote;
    if (this.#scratch.length < end - start) this.#scratch = Buffer.allocUnsafe(Math.max(end - start, 4096));
    const scratch = this.#scratch;
    let n = 0;
    for (let k = start; k < end; k++) {
      const c = buf[k] as number;
      scratch[n++] = c;
      if (c === quote) k++;
    }
    const slices = scratch as unknown as FastSlices;
    return this.#ascii ? slices.latin1Slice(0, n) : slices.utf8Slice(0, n);
  }

  /** The typed value of an unquoted field, read from its bytes. */
  #typedBytes(start: number, end: number): Value {
    if (start === end) return null;
    const buf = this.#buf;
    const c = buf[start] as number;
    if ((c >= 48 && c <= 57) || c === 45 || c === 46) {
      const number = parseNumber(buf, start, end);
      if (number !== undefined) return number;
    } else if ((c | 0x20) === 116 /* t */ || (c | 0x20) === 102 /* f */) {
      const bool = parseBool(buf, start, end);
      if (bool !== undefined) return bool;
    }
    return this.#text(start, end);
  }

  /** The typed value of a quoted field: the same rules, except `""` stays an empty string. */
  #typed(text: string): Value {
    if (text === "" || text.length > 40 || !LOOKS_TYPED.test(text)) return text;
    const bytes = Buffer.from(text, "latin1");
    const number = parseNumber(bytes, 0, bytes.length);
    if (number !== undefined) return number;
    const bool = parseBool(bytes, 0, bytes.length);
    return bool === undefined ? text : bool;
  }

  /** Takes the column names from the first record. */
  #header(n: number, line: number): void {
    const names: string[] = [];
    if (this.#o.hasHeaders) {
      const seen = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const name = String(this.#values[i] ?? "");
        const before = seen.get(name);
        if (before !== undefined) {
          throw new FaucetError(
            "source",
            `${this.#o.file} line ${line}: duplicate column name ${JSON.stringify(name)} in the header (columns ${before + 1} and ${i + 1})`,
            {
              connector: this.#o.connector,
              hint: "rename one of the columns, or set has_headers: false to name them column_0, column_1, …",
            },
          );
        }
        seen.set(name, i);
        names.push(name);
      }
      this.#infer = this.#o.inferTypes;
    } else {
      for (let i = 0; i < n; i++) names.push(`column_${i}`);
    }
    this.#names = names;
    this.#build = compileRecordBuilder(names);
  }

  #ragged(n: number, names: string[], line: number): ValueObject {
    if (!this.#o.flexible) {
      throw new FaucetError("source", `${this.#o.file} line ${line}: expected ${names.length} fields, found ${n}`, {
        connector: this.#o.connector,
        hint: "fix the row (a stray delimiter or a missing quote?), or set flexible: true to accept rows of uneven length",
      });
    }
    const record: ValueObject = {};
    const width = Math.min(n, names.length);
    for (let i = 0; i < width; i++) defineKey(record, names[i] as string, this.#values[i] as Value);
    for (let i = names.length; i < n; i++) defineKey(record, `column_${i}`, this.#values[i] as Value);
    return record;
  }

  #unterminated(line: number): FaucetError {
    return new FaucetError(
      "source",
      `${this.#o.file} line ${line}: a quoted field is never closed before the end of the file`,
      {
        connector: this.#o.connector,
        hint: "add the missing closing quote, or set `quote` to a character the file does not use",
      },
    );
  }
}

/**
 * Where the unquoted text starting at `from` ends: at the first delimiter, CR or LF, else at
 * `end`. `high` is the larger of the delimiter and CR, so most bytes pass with one compare. The
 * parser and the splitter both cut fields with it, so they cannot disagree.
 */
export function unquotedEnd(buf: Uint8Array, from: number, end: number, delimiter: number, high: number): number {
  let i = from;
  while (i < end) {
    const c = buf[i] as number;
    if (c <= high && (c === delimiter || c === LF || c === CR)) break;
    i++;
  }
  return i;
}

/** The error for a record over {@link MAX_RECORD_BYTES}, from the parser or the splitter. */
export function recordTooLarge(file: string, line: number, connector: string): FaucetError {
  return new FaucetError(
    "source",
    `${file} line ${line}: a record is larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB`,
    {
      connector,
      hint: "this is most likely a quote that is never closed; check the line, or the `quote` and `delimiter` settings",
    },
  );
}

/** Sets a key as an own data property, even `__proto__`. */
function defineKey(record: ValueObject, key: string, value: Value): void {
  if (key === "__proto__")
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

const builders = new Map<string, (values: Value[]) => ValueObject>();

/**
 * The record builder for these columns, compiled once per set of columns: every piece of a
 * file parsed on a worker then builds records of one shape.
 */
function cachedRecordBuilder(names: readonly string[]): (values: Value[]) => ValueObject {
  const key = `${names.length}:${names.join("\u0000")}`;
  let build = builders.get(key);
  if (!build) {
    if (builders.size >= 64) builders.clear();
    build = compileRecordBuilder(names);
    builders.set(key, build);
  }
  return build;
}

/**
 * A function building one record from the values of a row, compiled from the column names as
 * one object literal, so every record it builds has the same shape (hidden class): faucet-core's
 * builder, under the name this package has always exported.
 */
export const compileRecord = compileRecordBuilder;

/**
 * A JSON number for the bytes of a plain decimal (`-12`, `3.5`, `1e6`), or undefined. Numbers
 * that would lose something stay text: leading zeros (`007`), integers beyond ±2^53, and more
 * than 15 significant digits.
 */
export function parseNumber(buf: Uint8Array, start: number, end: number): number | undefined {
  let i = start;
  const negative = buf[i] === 45;
  if (negative) i++;
  const intStart = i;
  let value = 0;
  while (i < end) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    i++;
  }
  const intDigits = i - intStart;
  if (intDigits > 1 && buf[intStart] === 48) return undefined;
  if (i === end) {
    if (intDigits === 0) return undefined;
    if (intDigits <= 15) return negative ? -value : value;
    const big = Number(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1"));
    return Number.isSafeInteger(big) ? big : undefined;
  }
  let significant = intDigits === 1 && buf[intStart] === 48 ? 0 : intDigits;
  if (buf[i] === 46) {
    i++;
    const fracStart = i;
    let lastNonZero = i;
    while (i < end) {
      const c = buf[i] as number;
      if (c < 48 || c > 57) break;
      if (c !== 48) lastNonZero = i + 1;
      i++;
    }
    if (intDigits === 0 && i === fracStart) return undefined;
    significant += significant === 0 ? countSignificant(buf, fracStart, lastNonZero) : lastNonZero - fracStart;
  } else if (intDigits === 0) return undefined;
  if (i < end && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    if (buf[i] === 43 || buf[i] === 45) i++;
    const expStart = i;
    while (i < end && (buf[i] as number) >= 48 && (buf[i] as number) <= 57) i++;
    if (i === expStart) return undefined;
  }
  if (i !== end || significant > 15) return undefined;
  const number = Number(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1"));
  return Number.isFinite(number) ? number : undefined;
}

function countSignificant(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && buf[i] === 48) i++;
  return end - i;
}

/** true/false in any letter case, or undefined. */
export function parseBool(buf: Uint8Array, start: number, end: number): boolean | undefined {
  const n = end - start;
  if (
    n === 4 &&
    ((buf[start] as number) | 0x20) === 116 &&
    ((buf[start + 1] as number) | 0x20) === 114 &&
    ((buf[start + 2] as number) | 0x20) === 117 &&
    ((buf[start + 3] as number) | 0x20) === 101
  )
    return true;
  if (
    n === 5 &&
    ((buf[start] as number) | 0x20) === 102 &&
    ((buf[start + 1] as number) | 0x20) === 97 &&
    ((buf[start + 2] as number) | 0x20) === 108 &&
    ((buf[start + 3] as number) | 0x20) === 115 &&
    ((buf[start + 4] as number) | 0x20) === 101
  )
    return false;
  return undefined;
}

import { FaucetError, type Value } from "faucet-core";

// Buffer's own UTF-8 slice decoder: no argument normalisation.
interface FastSlices {
  utf8Slice(start: number, end: number): string;
}

const LF = 10;
const EMPTY = Buffer.alloc(0);
/** A JSON value this large is far more likely a broken file than real data. */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;
/** A run of digits long enough to exceed 2^53. */
const LONG_DIGITS = /\d{16}/;

/** Where a reader is, for error messages. */
export interface ReaderContext {
  file: string;
  connector: string;
}

/** Parses JSON text, keeping integers beyond ±2^53 exact by turning them into strings. */
export function parseJson(text: string): Value {
  return JSON.parse(LONG_DIGITS.test(text) ? quoteBigIntegers(text) : text) as Value;
}

/**
 * `text` with every integer literal outside strings that a double cannot hold exactly
 * replaced by a string literal of its digits.
 *
 * @example
 * quoteBigIntegers('{"id":12345678901234567890}'); // '{"id":"12345678901234567890"}'
 */
export function quoteBigIntegers(text: string): string {
  let out = "";
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i++;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      i++;
      let integer = true;
      while (i < text.length) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) i++;
        else if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && i - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`;
        last = i;
      }
    } else i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * A growable byte buffer the readers parse from: chunks are copied in (so the caller may reuse
 * theirs), consumed bytes are dropped by moving the unread tail to the front.
 */
class ByteStore {
  store: Buffer = EMPTY;
  buf: Buffer = EMPTY;
  pos = 0;

  /** Appends `chunk`; returns how far existing positions moved back. */
  append(chunk: Uint8Array): number {
    let len = this.buf.length;
    let shift = 0;
    if (len + chunk.length > this.store.length) {
      const rest = len - this.pos;
      if (rest + chunk.length <= this.store.length) this.store.copyWithin(0, this.pos, len);
      else {
        const grown = Buffer.allocUnsafe(Math.max(2 * (rest + chunk.length), 64 * 1024));
        this.store.copy(grown, 0, this.pos, len);
        this.store = grown;
      }
      shift = this.pos;
      this.pos = 0;
      len = rest;
    }
    this.store.set(chunk, len);
    this.buf = this.store.subarray(0, len + chunk.length);
    return shift;
  }

  text(start: number, end: number): string {
    return (this.buf as unknown as FastSlices).utf8Slice(start, end);
  }
}

/** Reads JSON Lines: one JSON value per line; blank lines are skipped. */
export class JsonLinesReader {
  readonly #ctx: ReaderContext;
  readonly #bytes = new ByteStore();
  #line = 1;
  #started = false;

  constructor(ctx: ReaderContext) {
    this.#ctx = ctx;
  }

  feed(chunk: Uint8Array): void {
    this.#bytes.append(chunk);
  }

  /** Parses values into `out` until it holds `max` (true) or the input runs out (false). */
  parse(out: Value[], max: number, final: boolean): boolean {
    const b = this.#bytes;
    const buf = b.buf;
    if (!this.#started && (buf.length >= 3 || final)) {
      this.#started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) b.pos = 3;
    }
    while (out.length < max) {
      let end = buf.indexOf(LF, b.pos);
      if (end === -1) {
        if (!final || b.pos >= buf.length) {
          if (buf.length - b.pos > MAX_VALUE_BYTES)
            throw this.#error(`a line is longer than ${MAX_VALUE_BYTES / 1024 / 1024} MiB`);
          return false;
        }
        end = buf.length;
      }
      const start = b.pos;
      b.pos = end === buf.length ? end : end + 1;
      const line = this.#line++;
      let stop = end;
      while (stop > start && isSpace(buf[stop - 1] as number)) stop--;
      let first = start;
      while (first < stop && isSpace(buf[first] as number)) first++;
      if (first === stop) continue;
      const text = b.text(first, stop);
      try {
        out.push(parseJson(text));
      } catch (error) {
        throw this.#error(`line ${line} is not valid JSON: ${(error as Error).message}`, error, line);
      }
    }
    return true;
  }

  #error(message: string, cause?: unknown, line?: number): FaucetError {
    return new FaucetError("json", `${this.#ctx.file} ${message}`, {
      cause,
      connector: this.#ctx.connector,
      hint:
        line === 1
          ? "each line must hold one complete JSON value; for a single JSON document set format: json_array"
          : "fix or remove the line; each line must hold one complete JSON value",
    });
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/**
 * Reads one JSON array of values, streaming: each element is cut out of the bytes by tracking
 * nesting and strings, then parsed on its own, so memory depends on the largest element, not
 * on the file.
 */
export class JsonArrayReader {
  readonly #ctx: ReaderContext;
  readonly #bytes = new ByteStore();
  /** 0: before `[`; 1: before an element or `]`; 2: inside an element; 3: after an element; 4: after `]`. */
  #state = 0;
  #scan = 0;
  #depth = 0;
  #inString = false;
  #elementStart = 0;
  #elementLine = 1;
  #line = 1;
  #started = false;

  constructor(ctx: ReaderContext) {
    this.#ctx = ctx;
  }

  feed(chunk: Uint8Array): void {
    const shift = this.#bytes.append(chunk);
    this.#scan -= shift;
    this.#elementStart -= shift;
  }

  parse(out: Value[], max: number, final: boolean): boolean {
    const b = this.#bytes;
    const buf = b.buf;
    if (!this.#started && (buf.length >= 3 || final)) {
      this.#started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) b.pos = this.#scan = 3;
    }
    let i = Math.max(this.#scan, b.pos);
    while (out.length < max && i < buf.length) {
      const c = buf[i] as number;
      if (this.#state === 2) {
        if (this.#inString) {
          // Jump to the next quote; it ends the string unless an odd run of backslashes escapes it.
          // (A raw newline cannot occur inside a valid JSON string, so no lines are counted here.)
          const q = buf.indexOf(34, i);
          if (q === -1) {
            i = buf.length;
            break;
          }
          let slashes = 0;
          while (buf[q - 1 - slashes] === 92) slashes++;
          i = q + 1;
          if (slashes % 2 === 0) this.#inString = false;
          continue;
        }
        if (c === 34) this.#inString = true;
        else if (c === 123 || c === 91) this.#depth++;
        else if (c === 125 || c === 93) {
          if (this.#depth === 0) {
            this.#emit(out, i);
            this.#state = 4;
            b.pos = i + 1;
          } else this.#depth--;
        } else if (c === 44 && this.#depth === 0) {
          this.#emit(out, i);
          this.#state = 1;
          b.pos = i + 1;
        } else if (c === LF) this.#line++;
        i++;
        continue;
      }
      if (c === LF) this.#line++;
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (this.#state === 0) {
        if (c !== 91)
          throw this.#error(
            `does not start with a JSON array ("[") but with ${JSON.stringify(String.fromCharCode(c))}`,
            "set format: jsonl if the file holds one JSON value per line",
          );
        this.#state = 1;
      } else if (this.#state === 1 || this.#state === 3) {
        if (c === 93 && this.#state === 1) this.#state = 4;
        else if (c === 44 && this.#state === 3) this.#state = 1;
        else if (this.#state === 3) throw this.#error(`line ${this.#line}: expected "," or "]" after an array element`);
        else {
          this.#state = 2;
          this.#depth = 0;
          this.#elementStart = i;
          this.#elementLine = this.#line;
          continue;
        }
      } else throw this.#error(`line ${this.#line}: unexpected data after the end of the array`);
      i++;
      b.pos = i;
    }
    this.#scan = i;
    if (out.length >= max) return true;
    if (final) {
      if (this.#state === 0 && buf.length <= b.pos) return false;
      if (this.#state !== 4)
        throw this.#error(
          `ends before the JSON array is closed (line ${this.#line})`,
          "the file is truncated or not a JSON array",
        );
    } else if (this.#state === 2 && buf.length - this.#elementStart > MAX_VALUE_BYTES) {
      throw this.#error(
        `line ${this.#elementLine}: an array element is larger than ${MAX_VALUE_BYTES / 1024 / 1024} MiB`,
      );
    }
    return false;
  }

  #emit(out: Value[], end: number): void {
    const text = this.#bytes.text(this.#elementStart, end);
    try {
      out.push(parseJson(text));
    } catch (error) {
      throw this.#error(
        `element starting on line ${this.#elementLine} is not valid JSON: ${(error as Error).message}`,
        "fix the element",
        error,
      );
    }
    this.#state = 3;
  }

  #error(message: string, hint = "check that the file is one JSON array of records", cause?: unknown): FaucetError {
    return new FaucetError("json", `${this.#ctx.file} ${message}`, { cause, connector: this.#ctx.connector, hint });
  }
}

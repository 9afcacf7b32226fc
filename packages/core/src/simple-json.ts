import { compileRecordBuilder, type RowRecordBuilder } from "./record-builder.js";
import type { Value } from "./value.js";

/** What {@link SimpleJsonReader.read} returns for text it leaves to the exact parser. */
export const NOT_SIMPLE: unique symbol = Symbol("not simple JSON");

/** Powers of ten a double holds exactly. */
const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
const MAX_DEPTH = 64;
/** Strings up to this long are compared with the last one read at the same place, and reused. */
const REUSE_LENGTH = 24;
const SLOTS = 512;
const INTERN_SLOTS = 4096;
/** Objects with more keys than this are built by assignment. */
const MAX_SHAPE_KEYS = 32;

/** A constructor compiled for one list of keys. */
interface Shape {
  keys: readonly string[];
  build: RowRecordBuilder;
}

/**
 * Reads the common shape of JSON in one pass over a string, from any offset: documents whose
 * strings have no escapes and whose numbers have at most 15 significant digits and a two-digit
 * exponent (so each is an exact double and `m / 10^k` rounds it correctly). Anything else —
 * escapes, long numbers, bad syntax, a `__proto__` key — gives {@link NOT_SIMPLE}, and the
 * caller takes its exact parser: when a value comes back it is what `JSON.parse` gives.
 *
 * Keys and short strings seen at the same place of the previous document (same depth and
 * position) are reused rather than sliced again, so a column of similar documents allocates
 * little beyond its objects.
 *
 * @example
 * const reader = new SimpleJsonReader();
 * reader.read('x\t{"a": [1, 2.5]}\n', 2); // { a: [1, 2.5] }, reader.end === 17
 */
export class SimpleJsonReader {
  /** Where the value last read ends (trailing whitespace is not skipped). */
  end = 0;
  #text = "";
  #at = 0;
  readonly #seen: (string | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #interned: (string | undefined)[] = new Array(INTERN_SLOTS).fill(undefined);
  readonly #shapes: (Shape | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #keys: string[][] = [];
  readonly #values: Value[][] = [];

  /** The JSON value starting at `start` (leading whitespace allowed), or {@link NOT_SIMPLE}. */
  read(text: string, start: number): Value | typeof NOT_SIMPLE {
    this.#text = text;
    this.#at = start;
    const value = this.#value(0, 0);
    this.end = this.#at;
    this.#text = "";
    return value;
  }

  #space(): number {
    const text = this.#text;
    for (;;) {
      const c = text.charCodeAt(this.#at);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.#at++;
      else return c;
    }
  }

  #value(depth: number, slot: number): Value | typeof NOT_SIMPLE {
    const c = this.#space();
    if (c === 34) return this.#string(slot);
    if (c === 123) return depth < MAX_DEPTH ? this.#object(depth) : NOT_SIMPLE;
    if (c === 91) return depth < MAX_DEPTH ? this.#array(depth) : NOT_SIMPLE;
    if (c === 116) return this.#word("true", true);
    if (c === 102) return this.#word("false", false);
    if (c === 110) return this.#word("null", null);
    return this.#number();
  }

  #word(word: string, value: Value): Value | typeof NOT_SIMPLE {
    if (!this.#text.startsWith(word, this.#at)) return NOT_SIMPLE;
    this.#at += word.length;
    return value;
  }

  /** A string without escapes or control characters, `at` on its opening quote. */
  #string(slot: number): string | typeof NOT_SIMPLE {
    const text = this.#text;
    const start = this.#at + 1;
    const known = this.#seen[slot];
    if (known !== undefined && text.charCodeAt(start + known.length) === 34 && text.startsWith(known, start)) {
      this.#at = start + known.length + 1;
      return known;
    }
    let i = start;
    let hash = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      // A backslash, a control character or the end of the text (NaN).
      if (c === 92 || !(c >= 32)) return NOT_SIMPLE;
      hash = (Math.imul(hash, 31) + c) | 0;
      i++;
    }
    this.#at = i + 1;
    const length = i - start;
    if (length > REUSE_LENGTH) return text.slice(start, i);
    // A short string seen anywhere before (tags, states, codes) is reused too.
    const interned = (hash ^ (hash >>> 12)) & (INTERN_SLOTS - 1);
    let value = this.#interned[interned];
    if (value === undefined || value.length !== length || !text.startsWith(value, start)) {
      value = text.slice(start, i);
      this.#interned[interned] = value;
    }
    this.#seen[slot] = value;
    return value;
  }

  #object(depth: number): Value | typeof NOT_SIMPLE {
    this.#at++;
    if (this.#space() === 125) {
      this.#at++;
      return {};
    }
    // Members go to this depth's scratch lists; the object is built once its keys are known.
    let keys = this.#keys[depth];
    let values = this.#values[depth];
    if (keys === undefined || values === undefined) {
      keys = this.#keys[depth] = [];
      values = this.#values[depth] = [];
    }
    let count = 0;
    // Two slots per member (key, value) in a band per depth.
    const band = ((depth & 7) * 32) % SLOTS;
    let slot = band;
    for (;;) {
      if (this.#space() !== 34) return NOT_SIMPLE;
      const key = this.#string(slot & (SLOTS - 1));
      // `__proto__` must become an own property, which plain assignment would not make.
      if (key === NOT_SIMPLE || key === "__proto__") return NOT_SIMPLE;
      if (this.#space() !== 58) return NOT_SIMPLE;
      this.#at++;
      const value = this.#value(depth + 1, (slot + 1) & (SLOTS - 1));
      if (value === NOT_SIMPLE) return NOT_SIMPLE;
      keys[count] = key;
      values[count] = value;
      count++;
      slot += 2;
      const next = this.#space();
      this.#at++;
      if (next === 125) break;
      if (next !== 44) return NOT_SIMPLE;
    }
    return this.#build(band, keys, values, count);
  }

  /**
   * Builds an object from its members: by a constructor compiled for its keys when the object
   * at this place last had the same keys (one object literal, so objects of one shape share a
   * hidden class and no keyed store goes megamorphic), else by assignment.
   */
  #build(band: number, keys: string[], values: Value[], count: number): Value {
    const shape = this.#shapes[band];
    if (shape !== undefined && shape.keys.length === count) {
      let same = true;
      for (let i = 0; i < count; i++) {
        if (shape.keys[i] !== keys[i]) {
          same = false;
          break;
        }
      }
      if (same) return shape.build(values);
    }
    if (count <= MAX_SHAPE_KEYS) {
      const shapeKeys = keys.slice(0, count);
      this.#shapes[band] = { keys: shapeKeys, build: compileRecordBuilder(shapeKeys) };
    }
    const out: { [key: string]: Value } = {};
    for (let i = 0; i < count; i++) out[keys[i] as string] = values[i] as Value;
    return out;
  }

  #array(depth: number): Value | typeof NOT_SIMPLE {
    this.#at++;
    if (this.#space() === 93) {
      this.#at++;
      return [];
    }
    // Elements go to this depth's scratch list, then into an array of exactly their number
    // (an array grown by push keeps room for 16, which a page of records carries around).
    let values = this.#values[depth];
    if (values === undefined) values = this.#values[depth] = [];
    let count = 0;
    let slot = 256 + (depth & 7) * 32;
    for (;;) {
      const value = this.#value(depth + 1, slot & (SLOTS - 1));
      if (value === NOT_SIMPLE) return NOT_SIMPLE;
      values[count++] = value;
      slot++;
      const next = this.#space();
      this.#at++;
      if (next === 93) break;
      if (next !== 44) return NOT_SIMPLE;
    }
    return values.slice(0, count);
  }

  #number(): number | typeof NOT_SIMPLE {
    const text = this.#text;
    const start = this.#at;
    let i = start;
    const negative = text.charCodeAt(i) === 45;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let c = text.charCodeAt(i);
    if (c === 48) {
      c = text.charCodeAt(++i);
      digits++;
    } else if (c >= 49 && c <= 57) {
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        c = text.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    } else return NOT_SIMPLE;
    if (c === 46) {
      c = text.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) return NOT_SIMPLE;
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        fraction++;
        c = text.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    }
    if (digits > 15) return NOT_SIMPLE;
    if (c === 101 || c === 69) {
      c = text.charCodeAt(++i);
      if (c === 43 || c === 45) c = text.charCodeAt(++i);
      const exponentStart = i;
      while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
      if (i === exponentStart || i - exponentStart > 2) return NOT_SIMPLE;
      this.#at = i;
      return Number(text.slice(start, i));
    }
    this.#at = i;
    const value = fraction === 0 ? mantissa : mantissa / (POWERS[fraction] as number);
    return negative ? -value : value;
  }
}

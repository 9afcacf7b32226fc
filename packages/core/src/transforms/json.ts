import { compileRecordBuilder, type RowRecordBuilder } from "../record-builder.js";
import type { Value } from "../value.js";

/**
 * Text that may hold a number JSON.parse would round: 16+ digits in a row, a long digit run
 * around a decimal point, or a three-digit exponent. Anything else parses exactly with the
 * native parser, which stays the fast path.
 */
const MAY_LOSE_PRECISION = /\d{16}|\d[\d.]{16}|[eE][+-]?\d{3}/;

/**
 * Parses JSON without silently losing precision: a number that a JS double cannot hold exactly
 * (an integer beyond ±2^53, a decimal with more digits than a double keeps) stays its decimal
 * text, as faucet carries such values everywhere. Throws a SyntaxError on invalid JSON.
 *
 * @example
 * parseJsonExact('{"id": 12345678901234567890}'); // { id: "12345678901234567890" }
 */
export function parseJsonExact(text: string): Value {
  const quick = parseSimpleJson(text);
  if (quick !== GIVE_UP) return quick;
  const value = JSON.parse(text) as Value;
  if (!MAY_LOSE_PRECISION.test(text)) return value;
  return new ExactParser(text).parseDocument();
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

const GIVE_UP: unique symbol = Symbol("give up");
/** Powers of ten a double holds exactly. */
const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Key strings seen at each (depth, position): a repeated key reuses the same string. */
const KEYS: (string | undefined)[] = new Array(256).fill(undefined);
const MAX_QUICK_DEPTH = 64;

/** Documents longer than this (in UTF-16 units) skip the quick reader. */
const MAX_QUICK_TEXT = 1 << 20;
/** A page's texts are read together up to this many UTF-16 units in all. */
const MAX_PAGE_TEXT = 1 << 20;

/**
 * Bytes the quick reader reads: documents are written here as UTF-8 (one native call per
 * document, or per page for {@link parseJsonTexts}), each followed by a NUL byte, which no JSON
 * token continues over (like the end of a string).
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Buffer's own UTF-8 encoder, without the argument checks of the public `write`. */
interface FastUtf8 {
  utf8Write(text: string, offset: number, length: number): number;
}
const HAS_UTF8_WRITE = typeof (Buffer.prototype as unknown as Partial<FastUtf8>).utf8Write === "function";

/** Writes `text` and a NUL byte at the start of the scratch bytes. */
function toScratch(text: string): void {
  const room = text.length * 3 + 1;
  if (room > scratch.length) scratch = Buffer.allocUnsafe(Math.max(room, scratch.length * 2));
  const n = HAS_UTF8_WRITE
    ? (scratch as unknown as FastUtf8).utf8Write(text, 0, scratch.length)
    : scratch.write(text, 0, "utf8");
  scratch[n] = 0;
}

/**
 * The common case of {@link parseJsonExact} in one pass without the native parser: small
 * documents whose strings have no escapes and whose numbers have at most 15 digits and a
 * two-digit exponent (so they are exact doubles, and `m / 10^k` rounds them correctly). Gives
 * up (GIVE_UP) on anything else, valid or not, which then takes the native path: the result is
 * always what JSON.parse gives.
 */
function parseSimpleJson(text: string): Value | typeof GIVE_UP {
  if (text.length > MAX_QUICK_TEXT) return GIVE_UP;
  toScratch(text);
  return quickReader.document(scratch, text, 0);
}

/** What {@link parseJsonTexts} leaves for texts it did not read. */
export const NOT_READ: unique symbol = Symbol("not read");

/**
 * Reads the JSON texts of a page in one pass: all of them are written as UTF-8 with one native
 * call, then read by the quick reader. Returns, per entry, the parsed value or {@link NOT_READ}
 * (not a string, too long, or not read by the quick reader — then neither is any text after
 * it); the caller parses those with {@link parseJsonExact}, which also reports invalid text.
 * (The benchmark's `attributes`, pages of 1,000: about half the time of one call per text.)
 *
 * @example
 * parseJsonTexts(['{"a":1}', 7, "[1,"]); // [{ a: 1 }, NOT_READ, NOT_READ]
 */
export function parseJsonTexts(texts: readonly unknown[]): (Value | typeof NOT_READ)[] {
  const out: (Value | typeof NOT_READ)[] = new Array(texts.length).fill(NOT_READ);
  // Usually every entry is a text to read, and the page is joined as it is.
  let picked = texts as readonly string[];
  let index: number[] | undefined;
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (typeof text === "string" && text.length <= MAX_QUICK_TEXT && total + text.length + 1 <= MAX_PAGE_TEXT) {
      total += text.length + 1;
      continue;
    }
    ({ picked, index } = pickTexts(texts));
    break;
  }
  if (picked.length === 0) return out;
  // Every text followed by a NUL, so each ends where a NUL byte is.
  toScratch(`${picked.join("\u0000")}\u0000`);
  let at = 0;
  for (let k = 0; k < picked.length; k++) {
    const value = quickReader.document(scratch, picked[k] as string, at);
    if (value === GIVE_UP) break;
    out[index === undefined ? k : (index[k] as number)] = value;
    at = quickReader.at + 1;
  }
  return out;
}

/** The texts {@link parseJsonTexts} can read in one pass, and where each is in `texts`. */
function pickTexts(texts: readonly unknown[]): { picked: string[]; index: number[] } {
  const picked: string[] = [];
  const index: number[] = [];
  let total = 0;
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (typeof text !== "string" || text.length > MAX_QUICK_TEXT) continue;
    total += text.length + 1;
    if (total > MAX_PAGE_TEXT) break;
    picked.push(text);
    index.push(i);
  }
  return { picked, index };
}

/**
 * The texts of one field across a page, read together by {@link parseJsonTexts} when the first
 * record of a page asks: for code that handles a page one record at a time (fused chains).
 * Each value is handed out once, so a page seen again is parsed again, never shared.
 */
export class PageJsonTexts {
  readonly #key: string;
  #page: readonly Value[] | undefined;
  #values: (Value | typeof NOT_READ)[] = [];

  constructor(key: string) {
    this.#key = key;
  }

  /** The parsed `text`, when it is the value of the field in record `index` of `page`; else NOT_READ. */
  at(page: readonly Value[], index: number, text: string): Value | typeof NOT_READ {
    if (page !== this.#page) {
      this.#page = page;
      const key = this.#key;
      const texts = new Array<Value | undefined>(page.length);
      for (let i = 0; i < page.length; i++) {
        const record = page[i];
        texts[i] =
          typeof record === "object" && record !== null ? (record as { [key: string]: Value })[key] : undefined;
      }
      this.#values = parseJsonTexts(texts);
    }
    const value = this.#values[index];
    if (index === page.length - 1) {
      // The page's last record: let go of the page, so its records can die young.
      this.#page = undefined;
      this.#values = [];
    } else this.#values[index] = NOT_READ;
    if (value === NOT_READ || value === undefined) return NOT_READ;
    return (page[index] as { [key: string]: Value })[this.#key] === text ? value : NOT_READ;
  }
}

/**
 * The reader behind {@link parseSimpleJson} and {@link parseJsonTexts}; one instance, reset per
 * document. It reads UTF-8 bytes (a typed array read is a fraction of the cost of `charCodeAt`)
 * and slices strings from the document's own text: `shift` counts the bytes beyond one per
 * UTF-16 unit seen so far, so a byte offset less `base` and `shift` is the text offset.
 */
class QuickReader {
  b: Buffer = scratch;
  text = "";
  at = 0;
  base = 0;
  shift = 0;

  /** The document whose bytes start at `base`, or GIVE_UP; `at` then on the NUL after it. */
  document(bytes: Buffer, text: string, base: number): Value | typeof GIVE_UP {
    this.b = bytes;
    this.text = text;
    this.at = base;
    this.base = base;
    this.shift = 0;
    let value = this.value(0);
    if (value !== GIVE_UP) {
      this.space();
      if (bytes[this.at] !== 0 || this.at - base - this.shift !== text.length) value = GIVE_UP;
    }
    this.text = "";
    return value;
  }

  /** The text offset of byte offset `at` (bytes before it beyond one per unit counted in `shift`). */
  offset(at: number): number {
    return at - this.base - this.shift;
  }

  /** Skips whitespace; the next byte. */
  space(): number {
    const b = this.b;
    for (;;) {
      const c = b[this.at] as number;
      if (c === 32 || c === 10 || c === 13 || c === 9) this.at++;
      else return c;
    }
  }

  value(depth: number): Value | typeof GIVE_UP {
    const c = this.next();
    if (c === 34) return this.string();
    if (c === 123) return depth < MAX_QUICK_DEPTH ? this.object(depth) : GIVE_UP;
    if (c === 91) return depth < MAX_QUICK_DEPTH ? this.array(depth) : GIVE_UP;
    if (c === 116) return this.word(TRUE, true);
    if (c === 102) return this.word(FALSE, false);
    if (c === 110) return this.word(NULL, null);
    return this.number();
  }

  word(word: readonly number[], value: Value): Value | typeof GIVE_UP {
    const b = this.b;
    for (let k = 0; k < word.length; k++) if (b[this.at + k] !== word[k]) return GIVE_UP;
    this.at += word.length;
    return value;
  }

  /** A string without escapes or control characters, `at` on its opening quote. */
  string(): string | typeof GIVE_UP {
    const b = this.b;
    const start = this.at + 1;
    const from = this.offset(start);
    let i = start;
    for (;;) {
      const c = b[i] as number;
      if (c === 34) break;
      // A backslash or a control character (the NUL after the document among them).
      if (c === 92 || c < 32) return GIVE_UP;
      // A UTF-8 lead byte: 2 bytes for one unit, 3 for one, 4 for two (a surrogate pair).
      if (c >= 0xc0) this.shift += c >= 0xe0 ? 2 : 1;
      i++;
    }
    this.at = i + 1;
    return this.text.slice(from, this.offset(i));
  }

  /** Skips whitespace when the next byte is some; the next byte. */
  next(): number {
    const c = this.b[this.at] as number;
    return c <= 32 ? this.space() : c;
  }

  /**
   * An object, `at` on its `{`. An object with the key sequence of the last one read at this
   * depth is read by that shape's compiled reader (see {@link compileObjectReader}); one that
   * departs from it goes on from where the reader stopped, key by key: keys and values are
   * collected in scratch arrays of this depth, then the object is built by one literal compiled
   * for its key sequence (see {@link shapeOf}): one allocation with every property in place,
   * where adding the properties one by one went through V8's megamorphic keyed stores and map
   * transitions.
   */
  object(depth: number): Value | typeof GIVE_UP {
    this.at++;
    if (this.next() === 125) {
      this.at++;
      return {};
    }
    const scratch = scratchAt(depth);
    const expected = LAST_SHAPES[depth & 7];
    if (expected === undefined) return this.members(depth, scratch, undefined, 0);
    const read = expected.read(this, depth, scratch.values);
    if (typeof read !== "number") return read;
    for (let j = 0; j < read; j++) scratch.keys[j] = expected.keys[j] as string;
    return this.members(depth, scratch, expected, read);
  }

  /**
   * The members of an object from the `n`-th on: `at` on the first key when `n` is 0, else just
   * after the `n`-th value, whose keys and values are in `scratch` (those of `expected`).
   */
  members(
    depth: number,
    scratch: { keys: string[]; values: Value[] },
    expected: ObjectShape | undefined,
    n: number,
  ): Value | typeof GIVE_UP {
    const b = this.b;
    const keys = scratch.keys;
    const values = scratch.values;
    let same = expected !== undefined;
    let out: { [key: string]: Value } | undefined;
    let slot = (depth & 7) * 32 + n;
    if (n > 0) {
      const next = this.next();
      this.at++;
      if (next === 125) return this.finish(depth, keys, values, n, expected);
      if (next !== 44) return GIVE_UP;
    }
    for (;;) {
      if (this.next() !== 34) return GIVE_UP;
      let key: string | typeof GIVE_UP;
      const known = slot < 256 ? KEYS[slot] : undefined;
      if (known !== undefined && sameKeyAt(b, this.at + 1, known)) {
        key = known;
        this.at += known.length + 2;
      } else {
        key = this.string();
        // `__proto__` must become an own property, which plain assignment would not make.
        if (key === GIVE_UP || key === "__proto__") return GIVE_UP;
        if (slot < 256) KEYS[slot] = isAscii(key) ? key : undefined;
      }
      slot++;
      if (this.next() !== 58) return GIVE_UP;
      this.at++;
      const value = this.value(depth + 1);
      if (value === GIVE_UP) return GIVE_UP;
      if (out !== undefined) out[key] = value;
      else if (n < MAX_SHAPE_KEYS) {
        if (same && (expected as ObjectShape).keys[n] !== key) same = false;
        keys[n] = key;
        values[n] = value;
        n++;
      } else {
        out = assemble(keys, values, n);
        out[key] = value;
      }
      const next = this.next();
      this.at++;
      if (next === 125) return out ?? this.finish(depth, keys, values, n, same ? expected : undefined);
      if (next !== 44) return GIVE_UP;
    }
  }

  /** The object of the first `n` keys and values, through its compiled shape when it has one. */
  finish(
    depth: number,
    keys: readonly string[],
    values: readonly Value[],
    n: number,
    expected: ObjectShape | undefined,
  ): Value {
    if (expected !== undefined && n === expected.keys.length) return expected.build(values);
    const shape = shapeOf(keys, n);
    if (shape === undefined) return assemble(keys, values, n);
    LAST_SHAPES[depth & 7] = shape;
    return shape.build(values);
  }

  array(depth: number): Value | typeof GIVE_UP {
    this.at++;
    if (this.next() === 93) {
      this.at++;
      return [];
    }
    // The first two elements are held in locals and longer arrays collected in this depth's
    // scratch, so every array is allocated at its size: a push onto [] reserves 17 slots.
    const first = this.value(depth + 1);
    if (first === GIVE_UP) return GIVE_UP;
    let next = this.next();
    this.at++;
    if (next === 93) return [first];
    if (next !== 44) return GIVE_UP;
    const second = this.value(depth + 1);
    if (second === GIVE_UP) return GIVE_UP;
    next = this.next();
    this.at++;
    if (next === 93) return [first, second];
    if (next !== 44) return GIVE_UP;
    const values = scratchAt(depth).values;
    values[0] = first;
    values[1] = second;
    let n = 2;
    let out: Value[] | undefined;
    for (;;) {
      const value = this.value(depth + 1);
      if (value === GIVE_UP) return GIVE_UP;
      if (out !== undefined) out.push(value);
      else if (n < MAX_SHAPE_KEYS) values[n++] = value;
      else {
        out = values.slice(0, n);
        out.push(value);
      }
      next = this.next();
      this.at++;
      if (next === 93) return out ?? values.slice(0, n);
      if (next !== 44) return GIVE_UP;
    }
  }

  number(): number | typeof GIVE_UP {
    const b = this.b;
    const start = this.at;
    let i = start;
    const negative = b[i] === 45;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let c = b[i] as number;
    if (c === 48) {
      i++;
      digits++;
    } else if (c >= 49 && c <= 57) {
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        c = b[++i] as number;
      } while (c >= 48 && c <= 57);
    } else return GIVE_UP;
    c = b[i] as number;
    if (c === 46) {
      c = b[++i] as number;
      if (!(c >= 48 && c <= 57)) return GIVE_UP;
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        fraction++;
        c = b[++i] as number;
      } while (c >= 48 && c <= 57);
    }
    if (digits > 15) return GIVE_UP;
    if (c === 101 || c === 69) {
      c = b[++i] as number;
      if (c === 43 || c === 45) c = b[++i] as number;
      const exponentStart = i;
      while (c >= 48 && c <= 57) c = b[++i] as number;
      if (i === exponentStart || i - exponentStart > 2) return GIVE_UP;
      this.at = i;
      return Number(this.text.slice(this.offset(start), this.offset(i)));
    }
    this.at = i;
    const value = fraction === 0 ? mantissa : mantissa / (POWERS[fraction] as number);
    return negative ? -value : value;
  }
}

const quickReader = new QuickReader();

/** `true`, `false` and `null` as bytes. */
const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/** True when every character of `text` is ASCII. */
function isAscii(text: string): boolean {
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) > 127) return false;
  return true;
}

/**
 * True when `bytes` hold `key` and then a closing quote from `at`; `key` is ASCII (bytes equal
 * to the character codes of other keys could spell a different key in UTF-8).
 */
function sameKeyAt(bytes: Buffer, at: number, key: string): boolean {
  const n = key.length;
  if (bytes[at + n] !== 34) return false;
  for (let k = 0; k < n; k++) if (bytes[at + k] !== key.charCodeAt(k)) return false;
  return true;
}

/**
 * Reads the members of an object of one key sequence, `reader.at` on its first key: the object,
 * GIVE_UP, or the number of members read (their values in `values`) when the text departs from
 * the sequence, `reader.at` then just after the last of them (on the first key when none).
 */
type ObjectReader = (reader: QuickReader, depth: number, values: Value[]) => Value | typeof GIVE_UP | number;

/** A key sequence of parsed objects, the literal that builds such an object and its reader. */
interface ObjectShape {
  keys: readonly string[];
  build: RowRecordBuilder;
  read: ObjectReader;
}

/**
 * Compiles a reader for objects with exactly these keys, in this order: each key is matched by
 * comparing its characters with constants (keys read here hold no escapes, so their text is
 * their characters), each value is read by the reader, and the object is built by one literal.
 * On the benchmark's `attributes` it replaces a key cache lookup, a key comparison loop, the
 * key-sequence check and the scratch stores per member. Whitespace between tokens is skipped.
 */
function compileObjectReader(keys: readonly string[]): ObjectReader {
  // Keys are compared as bytes with their character codes: only ASCII keys can be.
  if (!keys.every(isAscii)) return () => 0;
  const space = "while (c === 32 || c === 10 || c === 13 || c === 9) c = t[++i];";
  const lines = [
    '"use strict";',
    "return function read(R, d, V) {",
    "  const t = R.b;",
    "  let i = R.at;",
    "  let c = 0;",
    "  let f = 0;",
  ];
  keys.forEach((key, k) => {
    // `R.at` is just after the previous value here (on the first key for the first member).
    if (k > 0) lines.push(`  c = t[i]; ${space}`, `  if (c !== 44) return ${k};`, `  c = t[++i]; ${space}`);
    else lines.push("  c = t[i];");
    const checks = Array.from(key, (_, j) => `t[i + ${j + 1}] !== ${key.charCodeAt(j)}`);
    lines.push(`  if (c !== 34 || ${[...checks, `t[i + ${key.length + 1}] !== 34`].join(" || ")}) return ${k};`);
    lines.push(`  i += ${key.length + 2}; c = t[i]; ${space}`, `  if (c !== 58) return ${k};`);
    // The value: a string without escapes read here, a number by the reader, anything else by value().
    lines.push(
      `  c = t[++i]; ${space}`,
      `  let v${k};`,
      "  if (c === 34) {",
      "    f = R.offset(i + 1);",
      "    for (;;) {",
      "      c = t[++i];",
      "      if (c === 34) break;",
      "      if (c === 92 || c < 32) return G;",
      "      if (c >= 0xc0) R.shift += c >= 0xe0 ? 2 : 1;",
      "    }",
      `    v${k} = R.text.slice(f, R.offset(i++));`,
      "  } else {",
      "    R.at = i;",
      `    v${k} = c === 45 || (c >= 48 && c <= 57) ? R.number() : R.value(d + 1);`,
      `    if (v${k} === G) return G;`,
      "    i = R.at;",
      "  }",
      `  V[${k}] = v${k};`,
      "  R.at = i;",
    );
  });
  lines.push(`  c = t[i]; ${space}`, `  if (c !== 125) return ${keys.length};`, "  R.at = i + 1;");
  const properties = keys.map((key, k) => `${key === "__proto__" ? `["__proto__"]` : JSON.stringify(key)}: v${k}`);
  lines.push(`  return { ${properties.join(", ")} };`, "};");
  return new Function("G", lines.join("\n"))(GIVE_UP) as ObjectReader;
}

/** Objects with more keys are built property by property. */
const MAX_SHAPE_KEYS = 32;
/** Compiled shapes, at most {@link MAX_SHAPES} (documents of ever-new keys stop compiling). */
const SHAPES = new Map<string, ObjectShape>();
const MAX_SHAPES = 512;
/** The shape of the last object at each depth (mod 8): the next one there usually has it too. */
const LAST_SHAPES: (ObjectShape | undefined)[] = new Array(8).fill(undefined);
/** Keys and values of the object being read, per depth. */
const SCRATCH: { keys: string[]; values: Value[] }[] = [];

function scratchAt(depth: number): { keys: string[]; values: Value[] } {
  let scratch = SCRATCH[depth];
  if (scratch === undefined) {
    scratch = { keys: new Array(MAX_SHAPE_KEYS).fill(""), values: new Array(MAX_SHAPE_KEYS).fill(null) };
    SCRATCH[depth] = scratch;
  }
  return scratch;
}

/** The compiled shape for the first `n` keys, or undefined once the budget is spent. */
function shapeOf(keys: readonly string[], n: number): ObjectShape | undefined {
  // Keys here hold no control characters, so NUL separates them unambiguously.
  const id = keys.slice(0, n).join("\u0000");
  let shape = SHAPES.get(id);
  if (shape === undefined) {
    if (SHAPES.size >= MAX_SHAPES) return undefined;
    const own = keys.slice(0, n);
    shape = { keys: own, build: compileRecordBuilder(own), read: compileObjectReader(own) };
    SHAPES.set(id, shape);
  }
  return shape;
}

/** An object from the first `n` keys and values, property by property (later duplicates win). */
function assemble(keys: readonly string[], values: readonly Value[], n: number): { [key: string]: Value } {
  const out: { [key: string]: Value } = {};
  for (let i = 0; i < n; i++) out[keys[i] as string] = values[i] as Value;
  return out;
}

/** A small recursive-descent parser used only for text the native parser could round. */
class ExactParser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parseDocument(): Value {
    const value = this.#value();
    this.#space();
    if (this.#at !== this.#text.length) this.#fail("unexpected text after the JSON value");
    return value;
  }

  #value(): Value {
    this.#space();
    const ch = this.#text[this.#at];
    if (ch === "{") return this.#object();
    if (ch === "[") return this.#array();
    if (ch === '"') return this.#string();
    if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) return this.#number();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.#text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return value;
      }
    }
    return this.#fail("unexpected character");
  }

  #object(): Value {
    const out: { [key: string]: Value } = {};
    this.#at++;
    this.#space();
    if (this.#text[this.#at] === "}") {
      this.#at++;
      return out;
    }
    while (true) {
      this.#space();
      if (this.#text[this.#at] !== '"') this.#fail("expected a key");
      const key = this.#string();
      this.#space();
      if (this.#text[this.#at++] !== ":") this.#fail("expected ':'");
      Object.defineProperty(out, key, { value: this.#value(), writable: true, enumerable: true, configurable: true });
      this.#space();
      const next = this.#text[this.#at++];
      if (next === "}") return out;
      if (next !== ",") this.#fail("expected ',' or '}'");
    }
  }

  #array(): Value {
    const out: Value[] = [];
    this.#at++;
    this.#space();
    if (this.#text[this.#at] === "]") {
      this.#at++;
      return out;
    }
    while (true) {
      out.push(this.#value());
      this.#space();
      const next = this.#text[this.#at++];
      if (next === "]") return out;
      if (next !== ",") this.#fail("expected ',' or ']'");
    }
  }

  #string(): string {
    // The native parser already validated the text, so the string token ends at the first
    // unescaped quote and JSON.parse decodes its escapes.
    let end = this.#at + 1;
    while (this.#text[end] !== '"') end += this.#text[end] === "\\" ? 2 : 1;
    const token = this.#text.slice(this.#at, end + 1);
    this.#at = end + 1;
    return JSON.parse(token) as string;
  }

  #number(): Value {
    NUMBER.lastIndex = this.#at;
    const match = NUMBER.exec(this.#text);
    if (!match) return this.#fail("invalid number");
    const token = match[0];
    this.#at += token.length;
    const n = Number(token);
    return isExact(token, n) ? n : token;
  }

  #space(): void {
    while (true) {
      const c = this.#text.charCodeAt(this.#at);
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
      this.#at++;
    }
  }

  #fail(why: string): never {
    throw new SyntaxError(`${why} at position ${this.#at}`);
  }
}

/** True when the double `n` is exactly the decimal `token` (shortest round-trip form). */
function isExact(token: string, n: number): boolean {
  return Number.isFinite(n) && canonicalDecimal(token) === canonicalDecimal(String(n));
}

/** A decimal's value as sign, significant digits and power of ten: `1.50e2` → `15e1`. */
function canonicalDecimal(text: string): string {
  const negative = text.startsWith("-");
  const body = negative ? text.slice(1) : text;
  const [mantissa = "", exponentText = "0"] = body.split(/[eE]/);
  const [whole = "", fraction = ""] = mantissa.split(".");
  const digits = (whole + fraction).replace(/^0+/, "");
  const significant = digits.replace(/0+$/, "");
  if (significant === "") return "0";
  const exponent = Number(exponentText) - fraction.length + (digits.length - significant.length);
  return `${negative ? "-" : ""}${significant}e${exponent}`;
}

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

/**
 * The common case of {@link parseJsonExact} in one pass without the native parser: small
 * documents whose strings have no escapes and whose numbers have at most 15 digits and a
 * two-digit exponent (so they are exact doubles, and `m / 10^k` rounds them correctly). Gives
 * up (GIVE_UP) on anything else, valid or not, which then takes the native path: the result is
 * always what JSON.parse gives. (Measured on the benchmark CSV's `attributes`: 0.46 s per 1M
 * against 0.65 s for JSON.parse plus the precision check.)
 */
function parseSimpleJson(text: string): Value | typeof GIVE_UP {
  const reader = quickReader;
  reader.text = text;
  reader.at = 0;
  let value = reader.value(0);
  if (value !== GIVE_UP) {
    reader.space();
    if (reader.at !== text.length) value = GIVE_UP;
  }
  reader.text = "";
  return value;
}

/**
 * The reader behind {@link parseSimpleJson}; one instance, reset per call. It is a leaner cousin
 * of faucet-core's SimpleJsonReader (which the Postgres source uses): no string reuse and no
 * compiled object shapes, which pay off for pages of 10,000 rows that live long enough to be
 * promoted but cost json_parse about 8% of scenario A10 (2.55 s against 2.76 s, medians of 5
 * interleaved runs on an idle machine).
 */
class QuickReader {
  text = "";
  at = 0;

  /** Skips whitespace; the next character's code (NaN at the end). */
  space(): number {
    for (;;) {
      const c = this.text.charCodeAt(this.at);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.at++;
      else return c;
    }
  }

  value(depth: number): Value | typeof GIVE_UP {
    const c = this.next();
    if (c === 34) return this.string();
    if (c === 123) return depth < MAX_QUICK_DEPTH ? this.object(depth) : GIVE_UP;
    if (c === 91) return depth < MAX_QUICK_DEPTH ? this.array(depth) : GIVE_UP;
    if (c === 116) return this.word("true", true);
    if (c === 102) return this.word("false", false);
    if (c === 110) return this.word("null", null);
    return this.number();
  }

  word(word: string, value: Value): Value | typeof GIVE_UP {
    if (!this.text.startsWith(word, this.at)) return GIVE_UP;
    this.at += word.length;
    return value;
  }

  /** A string without escapes or control characters, `at` on its opening quote. */
  string(): string | typeof GIVE_UP {
    const text = this.text;
    const start = this.at + 1;
    let i = start;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      // A backslash, a control character or the end of the text (NaN).
      if (c === 92 || !(c >= 32)) return GIVE_UP;
      i++;
    }
    this.at = i + 1;
    return text.slice(start, i);
  }

  /** Skips whitespace when the next character is one; the next character's code (NaN at the end). */
  next(): number {
    const c = this.text.charCodeAt(this.at);
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
    const text = this.text;
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
      if (known !== undefined && sameKeyAt(text, this.at + 1, known)) {
        key = known;
        this.at += known.length + 2;
      } else {
        key = this.string();
        // `__proto__` must become an own property, which plain assignment would not make.
        if (key === GIVE_UP || key === "__proto__") return GIVE_UP;
        if (slot < 256) KEYS[slot] = key;
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
    const text = this.text;
    const start = this.at;
    let i = start;
    const negative = text.charCodeAt(i) === 45;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let c = text.charCodeAt(i);
    if (c === 48) {
      i++;
      digits++;
    } else if (c >= 49 && c <= 57) {
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        c = text.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    } else return GIVE_UP;
    c = text.charCodeAt(i);
    if (c === 46) {
      c = text.charCodeAt(++i);
      if (!(c >= 48 && c <= 57)) return GIVE_UP;
      do {
        mantissa = mantissa * 10 + (c - 48);
        digits++;
        fraction++;
        c = text.charCodeAt(++i);
      } while (c >= 48 && c <= 57);
    }
    if (digits > 15) return GIVE_UP;
    if (c === 101 || c === 69) {
      c = text.charCodeAt(++i);
      if (c === 43 || c === 45) c = text.charCodeAt(++i);
      const exponentStart = i;
      while (c >= 48 && c <= 57) c = text.charCodeAt(++i);
      if (i === exponentStart || i - exponentStart > 2) return GIVE_UP;
      this.at = i;
      return Number(text.slice(start, i));
    }
    this.at = i;
    const value = fraction === 0 ? mantissa : mantissa / (POWERS[fraction] as number);
    return negative ? -value : value;
  }
}

const quickReader = new QuickReader();

/**
 * True when `text` holds `key` and then a closing quote from `at`. A loop over the key's
 * characters: `startsWith` with a position is a builtin call that was the most expensive line of
 * the reader (a third of reading the benchmark's `attributes`).
 */
function sameKeyAt(text: string, at: number, key: string): boolean {
  const n = key.length;
  if (text.charCodeAt(at + n) !== 34) return false;
  for (let k = 0; k < n; k++) if (text.charCodeAt(at + k) !== key.charCodeAt(k)) return false;
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
  const space = "while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++i);";
  const lines = [
    '"use strict";',
    "return function read(R, d, V) {",
    "  const t = R.text;",
    "  let i = R.at;",
    "  let c = 0;",
    "  let s = 0;",
  ];
  keys.forEach((key, k) => {
    // `R.at` is just after the previous value here (on the first key for the first member).
    if (k > 0)
      lines.push(
        `  c = t.charCodeAt(i); ${space}`,
        `  if (c !== 44) return ${k};`,
        `  c = t.charCodeAt(++i); ${space}`,
      );
    else lines.push("  c = t.charCodeAt(i);");
    const checks = Array.from(key, (_, j) => `t.charCodeAt(i + ${j + 1}) !== ${key.charCodeAt(j)}`);
    lines.push(`  if (c !== 34 || ${checks.join(" || ")} || t.charCodeAt(i + ${key.length + 1}) !== 34) return ${k};`);
    lines.push(`  i += ${key.length + 2}; c = t.charCodeAt(i); ${space}`, `  if (c !== 58) return ${k};`);
    // The value: a string without escapes read here, a number by the reader, anything else by value().
    lines.push(
      `  c = t.charCodeAt(++i); ${space}`,
      `  let v${k};`,
      "  if (c === 34) {",
      "    s = ++i;",
      "    for (;;) { c = t.charCodeAt(i); if (c === 34) break; if (c === 92 || !(c >= 32)) return G; i++; }",
      `    v${k} = t.slice(s, i++);`,
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
  lines.push(`  c = t.charCodeAt(i); ${space}`, `  if (c !== 125) return ${keys.length};`, "  R.at = i + 1;");
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

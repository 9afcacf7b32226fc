import { NOT_SIMPLE, SimpleJsonReader } from "../simple-json.js";
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
  if (quick !== NOT_SIMPLE) return quick;
  const value = JSON.parse(text) as Value;
  if (!MAY_LOSE_PRECISION.test(text)) return value;
  return new ExactParser(text).parseDocument();
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** One reader for every call: it keeps the key strings and object shapes it has seen. */
const simpleReader = new SimpleJsonReader();

/**
 * The common case of {@link parseJsonExact} in one pass without the native parser (documents
 * whose strings have no escapes and whose numbers are exact doubles), or NOT_SIMPLE for
 * anything else, valid or not, which then takes the native path: the result is always what
 * JSON.parse gives.
 */
function parseSimpleJson(text: string): Value | typeof NOT_SIMPLE {
  const value = simpleReader.read(text, 0);
  if (value === NOT_SIMPLE) return value;
  let at = simpleReader.end;
  for (;;) {
    const c = text.charCodeAt(at);
    if (c === 32 || c === 10 || c === 13 || c === 9) at++;
    else break;
  }
  return at === text.length ? value : NOT_SIMPLE;
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

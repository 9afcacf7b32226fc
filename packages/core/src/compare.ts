import type { Value } from "./value.js";
import { isValueObject } from "./value.js";

/**
 * The JSON type family a value compares in. Numbers and numeric strings (how integers beyond
 * 2^53 and exact decimals travel) share the `number` family.
 */
export type ValueFamily = "null" | "boolean" | "number" | "string" | "array" | "object";

const FAMILY_RANK: Record<ValueFamily, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  array: 4,
  object: 5,
};

const NUMERIC_STRING = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * The family `value` compares in.
 *
 * @example
 * valueFamily("9007199254740993"); // "number"
 */
export function valueFamily(value: Value): ValueFamily {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return NUMERIC_STRING.test(value) ? "number" : "string";
    default:
      return isValueObject(value) ? "object" : "null";
  }
}

/**
 * The total order over JSON values that bookmarks use. Across families:
 * null < boolean < number < string < array < object. Numbers compare numerically, exactly,
 * including integers and decimals carried as strings; two RFC 3339 timestamps compare as
 * instants (`…:00.5Z` is after `…:00Z`, offsets honoured, any fraction length); other strings
 * compare by code point; arrays and objects element by element.
 *
 * @example
 * compareValues("9007199254740993", 9007199254740992); // 1
 * compareValues("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00Z"); // 1
 */
export function compareValues(a: Value, b: Value): number {
  const fa = valueFamily(a);
  const fb = valueFamily(b);
  if (fa !== fb) return Math.sign(FAMILY_RANK[fa] - FAMILY_RANK[fb]);
  switch (fa) {
    case "null":
      return 0;
    case "boolean":
      return a === b ? 0 : a ? 1 : -1;
    case "number":
      return compareNumbers(a as number | string, b as number | string);
    case "string":
      return compareStrings(a as string, b as string);
    case "array":
      return compareArrays(a as Value[], b as Value[]);
    default:
      return compareObjects(a as Record<string, Value>, b as Record<string, Value>);
  }
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ta = parseInstant(a);
  const tb = ta && parseInstant(b);
  if (ta && tb) {
    if (ta.seconds !== tb.seconds) return ta.seconds < tb.seconds ? -1 : 1;
    const len = Math.max(ta.fraction.length, tb.fraction.length);
    const fa = ta.fraction.padEnd(len, "0");
    const fb = tb.fraction.padEnd(len, "0");
    return fa === fb ? 0 : fa < fb ? -1 : 1;
  }
  return a < b ? -1 : 1;
}

interface Instant {
  seconds: number;
  fraction: string;
}

/** Parses an RFC 3339 timestamp into whole epoch seconds and its exact fraction digits. */
function parseInstant(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m;
  const base = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  const offset = sign ? (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60) : 0;
  return { seconds: base - offset, fraction: frac ?? "" };
}

/** Compares numbers exactly, whether they come as JS numbers or as decimal strings. */
function compareNumbers(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a === b ? 0 : a < b ? -1 : 1;
  return compareDecimals(toDecimal(a), toDecimal(b));
}

interface Decimal {
  negative: boolean;
  /** Digits with no leading zeros, the decimal point removed. */
  digits: string;
  /** Position of the decimal point, counted from the left of `digits`. */
  point: number;
}

function toDecimal(value: number | string): Decimal {
  let text = typeof value === "number" ? exactNumberText(value) : value.trim();
  let negative = false;
  if (text.startsWith("-") || text.startsWith("+")) {
    negative = text.startsWith("-");
    text = text.slice(1);
  }
  let exponent = 0;
  const e = text.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(text.slice(e + 1));
    text = text.slice(0, e);
  }
  const dot = text.indexOf(".");
  const intPart = dot >= 0 ? text.slice(0, dot) : text;
  const fracPart = dot >= 0 ? text.slice(dot + 1) : "";
  let digits = intPart + fracPart;
  let point = intPart.length + exponent;
  const leading = digits.length - digits.replace(/^0+/, "").length;
  digits = digits.slice(leading);
  point -= leading;
  digits = digits.replace(/0+$/, "");
  if (digits === "") return { negative: false, digits: "", point: 0 };
  return { negative, digits, point };
}

/** The exact decimal text of a JS number, never in exponent form for integers. */
function exactNumberText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
  return String(value);
}

function compareDecimals(a: Decimal, b: Decimal): number {
  const signA = a.digits === "" ? 0 : a.negative ? -1 : 1;
  const signB = b.digits === "" ? 0 : b.negative ? -1 : 1;
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  let magnitude: number;
  if (a.point !== b.point) magnitude = a.point < b.point ? -1 : 1;
  else {
    const len = Math.max(a.digits.length, b.digits.length);
    const da = a.digits.padEnd(len, "0");
    const db = b.digits.padEnd(len, "0");
    magnitude = da === db ? 0 : da < db ? -1 : 1;
  }
  return signA * magnitude;
}

function compareArrays(a: Value[], b: Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i] as Value, b[i] as Value);
    if (c !== 0) return c;
  }
  return Math.sign(a.length - b.length);
}

function compareObjects(a: Record<string, Value>, b: Record<string, Value>): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const keyA = ka[i] as string;
    const keyB = kb[i] as string;
    if (keyA !== keyB) return keyA < keyB ? -1 : 1;
    const c = compareValues(a[keyA] as Value, b[keyB] as Value);
    if (c !== 0) return c;
  }
  return Math.sign(ka.length - kb.length);
}

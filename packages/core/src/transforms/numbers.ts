/**
 * Fast, exact parsing of the numeric text records usually carry (`"6767.32"`, `"42"`), without
 * regular expressions: CSV sources deliver every value as a string, so `cast` and `filter` parse
 * numbers millions of times.
 */

const POWERS_OF_TEN = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/**
 * The exact double for `-?digits[.digits]` text with at most 15 significant digits, else
 * undefined (the caller falls back to a general parser). Exact because an integer below 2^53
 * divided by an exactly representable power of ten is correctly rounded by IEEE division.
 */
export function parseSimpleDecimal(text: string): number | undefined {
  const length = text.length;
  if (length === 0 || length > 24) return undefined;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
    if (length === 1) return undefined;
  }
  let mantissa = 0;
  let digits = 0;
  let significant = 0;
  let point = -1;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (significant > 0 || c !== 48) significant++;
    } else if (c === 46 && point < 0) {
      point = digits;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || significant > 15) return undefined;
  const scale = point < 0 ? 0 : digits - point;
  if (scale > 22) return undefined;
  const value = scale === 0 ? mantissa : mantissa / (POWERS_OF_TEN[scale] as number);
  return negative ? (value === 0 ? 0 : -value) : value;
}

/** The integer for `[-+]?digits` text of at most 15 digits, else undefined. */
export function parseSimpleInteger(text: string): number | undefined {
  const length = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    negative = first === 45;
    i = 1;
  }
  if (i === length || length - i > 15) return undefined;
  let value = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  return negative && value !== 0 ? -value : value;
}

/**
 * True for `YYYY-MM-DDTHH:MM:SSZ`: whole-second UTC timestamps in one fixed width, which order
 * correctly as plain strings. (Field ranges are not checked here.)
 */
export function isPlainUtcTimestamp(text: string): boolean {
  return (
    text.length === 20 &&
    text.charCodeAt(19) === 90 &&
    text.charCodeAt(10) === 84 &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    twoDigits(text, 0) >= 0 &&
    twoDigits(text, 2) >= 0 &&
    twoDigits(text, 5) >= 0 &&
    twoDigits(text, 8) >= 0 &&
    twoDigits(text, 11) >= 0 &&
    twoDigits(text, 14) >= 0 &&
    twoDigits(text, 17) >= 0
  );
}

/** The number written by the two ASCII digits at `at`, or -1. */
export function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

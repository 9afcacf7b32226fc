import type { Value } from "faucet-core";

// A number literal that could lose digits as a double has 16+ significant digits (so 16+ digits
// and dots in a row) or a three-digit exponent. Only texts that match take the slow path below.
const EXPONENT = /\d[eE][+-]?\d{3}/;
const NUMBER_PARTS = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * `JSON.parse` that never loses a number silently: a number a double cannot hold exactly (more
 * than 15 significant digits that do not round-trip, or out of range) becomes a string holding its
 * exact digits, as faucet carries big integers and exact decimals everywhere.
 *
 * @example
 * parseJsonExact('{"id": 12345678901234567890, "x": 1.5}'); // { id: "12345678901234567890", x: 1.5 }
 */
export function parseJsonExact(text: string, onLossy?: (token: string) => void): Value {
  if (!hasLongNumberRun(text) && !EXPONENT.test(text)) return JSON.parse(text) as Value;
  return JSON.parse(quoteLossyNumbers(text, onLossy)) as Value;
}

/**
 * {@link parseJsonExact} for jsonb text, which the server prints without exponents (1e400 comes
 * out as 401 digits), so a run of 16 digits and dots is the only sign of a lossy number. The
 * run is found by looking at every 16th character only.
 */
export function parseJsonbExact(text: string, onLossy?: (token: string) => void): Value {
  if (!hasLongNumberRun(text)) return JSON.parse(text) as Value;
  return JSON.parse(quoteLossyNumbers(text, onLossy)) as Value;
}

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46;
}

/** True when `text` has 16 digits or dots in a row. */
export function hasLongNumberRun(text: string): boolean {
  const n = text.length;
  let probe = 15;
  while (probe < n) {
    if (!isNumberChar(text.charCodeAt(probe))) {
      probe += 16;
      continue;
    }
    // A run of 16 through `probe` starts at most 15 characters back.
    let start = probe;
    while (start > probe - 15 && isNumberChar(text.charCodeAt(start - 1))) start--;
    let end = probe;
    while (end + 1 < n && end - start < 15 && isNumberChar(text.charCodeAt(end + 1))) end++;
    if (end - start >= 15) return true;
    probe = end + 16;
  }
  return false;
}

/** Thrown by a JSON parser set to fail on numbers a double cannot hold. */
export class LossyNumberError extends Error {
  override readonly name = "LossyNumberError";
  readonly token: string;

  constructor(token: string) {
    super(`the JSON number ${token.length > 40 ? `${token.slice(0, 40)}…` : token} has no exact double`);
    this.token = token;
  }
}

/** Wraps every lossy number literal outside strings in quotes. */
function quoteLossyNumbers(text: string, onLossy: ((token: string) => void) | undefined): string {
  let out = "";
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else {
          i++;
          if (d === 34) break;
        }
      }
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++;
        else break;
      }
      const token = text.slice(start, i);
      if (isLossy(token)) {
        onLossy?.(token);
        out += `${text.slice(last, start)}"${token}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** True when the double nearest to `token` is not the same decimal value. */
export function isLossy(token: string): boolean {
  const n = Number(token);
  if (!Number.isFinite(n)) return true;
  const text = String(n);
  if (text === token) return false;
  const exact = canonicalDecimal(token);
  return exact === undefined || exact !== canonicalDecimal(text);
}

/** `<sign><significant digits>e<point position>`: equal for equal decimal values. */
function canonicalDecimal(token: string): string | undefined {
  const parts = NUMBER_PARTS.exec(token);
  if (!parts) return undefined;
  const all = `${parts[2] ?? ""}${parts[3] ?? ""}`;
  let point = (parts[2] ?? "").length + Number(parts[4] ?? 0);
  let start = 0;
  while (start < all.length && all[start] === "0") {
    start++;
    point--;
  }
  let end = all.length;
  while (end > start && all[end - 1] === "0") end--;
  if (start === end) return "0";
  return `${parts[1] ?? ""}${all.slice(start, end)}e${point}`;
}

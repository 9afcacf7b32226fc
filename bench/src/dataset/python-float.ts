// Python's `round(x, n)` and `repr(x)` for floats, exactly. `round` rounds half to even on the
// exact binary value of x (not on x·10^n computed in floating point) and returns the double
// nearest the rounded decimal; `repr` prints the shortest string that round-trips, with Python's
// choice between fixed and exponent notation.

const SPLITTER = 134217729; // 2^27 + 1, Veltkamp's constant for doubles
const TWO_52 = 4503599627370496;

/**
 * Python's `round(x, ndigits)` for a float: round half to even on the exact value of `x`.
 *
 * @example
 * pythonRound(2.675, 2); // 2.67 — the double nearest 2.675 lies just below it
 * pythonRound(0.125, 2); // 0.12 — an exact tie goes to the even neighbour
 */
export function pythonRound(x: number, ndigits: number): number {
  if (!Number.isInteger(ndigits)) throw new RangeError(`ndigits must be an integer, got ${ndigits}`);
  if (!Number.isFinite(x) || x === 0) return x;
  // CPython returns x unchanged when ndigits exceeds every digit a double can have, and a
  // signed zero when it is below the smallest exponent.
  if (ndigits > 323) return x;
  if (ndigits < -308) return x < 0 ? -0 : 0;
  const magnitude = Math.abs(x);
  const rounded =
    ndigits >= 0 && ndigits <= 22
      ? (roundFast(magnitude, ndigits) ?? roundExact(magnitude, ndigits))
      : roundExact(magnitude, ndigits);
  return x < 0 ? -rounded : rounded;
}

/**
 * The fast path: x·10^n as an exact sum p + e of two doubles (Dekker's product), then the
 * half-even decision from exact comparisons. Returns undefined when the error-free product does
 * not apply (x·10^n too large or x too small), for the BigInt path to take over.
 */
function roundFast(x: number, ndigits: number): number | undefined {
  const scale = 10 ** ndigits; // exact for ndigits ≤ 22
  const p = x * scale;
  if (!(p < TWO_52) || x < 1e-290) return undefined;
  const xc = SPLITTER * x;
  const xHi = xc - (xc - x);
  const xLo = x - xHi;
  const sc = SPLITTER * scale;
  const sHi = sc - (sc - scale);
  const sLo = scale - sHi;
  const e = xHi * sHi - p + xHi * sLo + xLo * sHi + xLo * sLo; // x·scale = p + e exactly
  const floor = Math.floor(p);
  // p < 2^52, so p − floor(p) is exact, and so is subtracting 0.5 from a fraction in [0.25, 1)
  // (Sterbenz); a smaller fraction rounds down whatever its last bits, so d's sign is exact.
  const d = p - floor - 0.5;
  let integer: number;
  if (d > -e) integer = floor + 1;
  else if (d < -e) integer = floor;
  else integer = floor % 2 === 0 ? floor : floor + 1;
  // Both operands are exact integers below 2^53, so IEEE division gives the double nearest
  // integer/10^n, which is what CPython's strtod of the rounded decimal string returns.
  return integer / scale;
}

/** The general path: exact rational arithmetic with BigInt on the double's mantissa and exponent. */
function roundExact(x: number, ndigits: number): number {
  const { mantissa, exponent } = decompose(x);
  let numerator = mantissa;
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  if (ndigits >= 0) numerator *= 10n ** BigInt(ndigits);
  else denominator *= 10n ** BigInt(-ndigits);
  let quotient = numerator / denominator;
  const twiceRemainder = (numerator % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) quotient += 1n;
  // Number() parses a decimal string with correct rounding, like CPython's _Py_dg_strtod.
  const value = Number(`${quotient}e${-ndigits}`);
  if (!Number.isFinite(value)) throw new RangeError("rounded value too large to represent");
  return value;
}

/** x = mantissa · 2^exponent exactly, for a finite positive double. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/**
 * Python's `repr(float)`: the shortest round-trip digits (the same digits JavaScript prints),
 * fixed notation with at least one fractional digit when the decimal exponent is in [-4, 16),
 * otherwise `d.ddde±XX` with at least two exponent digits.
 *
 * @example
 * pythonRepr(7535); // "7535.0"
 * pythonRepr(1e16); // "1e+16"
 * pythonRepr(0.00001); // "1e-05"
 */
export function pythonRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const magnitude = Math.abs(x);
  const text = String(magnitude);
  // The common case: JavaScript already prints fixed notation here; only `.0` may be missing.
  if (magnitude >= 1e-4 && magnitude < 1e16) return sign + (text.includes(".") ? text : `${text}.0`);
  const { digits, pointPosition } = shortestDigits(text);
  // pointPosition: the value is 0.<digits> × 10^pointPosition (CPython's `decpt`).
  if (pointPosition > -4 && pointPosition <= 16) {
    if (pointPosition <= 0) return `${sign}0.${"0".repeat(-pointPosition)}${digits}`;
    if (pointPosition >= digits.length) return `${sign}${digits}${"0".repeat(pointPosition - digits.length)}.0`;
    return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
  }
  const exponent = pointPosition - 1;
  const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  const exponentDigits = String(Math.abs(exponent)).padStart(2, "0");
  return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${exponentDigits}`;
}

/** The significant digits of JavaScript's shortest representation and the decimal point position. */
function shortestDigits(text: string): { digits: string; pointPosition: number } {
  const [coefficient = "", exponentText] = text.split("e");
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  const [whole = "", fraction = ""] = coefficient.split(".");
  const all = whole + fraction;
  const leadingZeros = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(leadingZeros).replace(/0+$/, "");
  return { digits, pointPosition: whole.length - leadingZeros + exponent };
}

/**
 * Numbers written as bytes without building their string. A light module (subpath
 * `faucet-core/numbers`): it imports nothing, so serializers on parallel-pages workers may load it.
 */

/** Below this, a decimal's digits (at most 15) name exactly one double (DBL_DIG = 15). */
const EXACT_DIGITS = 1e15;
/** Fraction digits tried for decimals (prices, scores, rates): scales 10 to 10^6. */
const MAX_FRACTION = 6;
/** Below this the digits are taken apart in int32 arithmetic (about 30% faster than doubles). */
const INT32_LIMIT = 2147483648;

/**
 * Writes finite `n` at `pos` as `String(n)` prints it (`-0` as `0`), when that text is known
 * without building it: integers below 10^15, and decimals of up to six fraction digits whose
 * scaled value is such an integer (a decimal of at most 15 significant digits is the only one
 * naming its double, so the shortest round-trip text is it, trailing zeros dropped). Returns the
 * end, or -1 (nothing written) for anything else, which the caller writes as `String(n)`.
 * The caller makes room for 22 bytes.
 *
 * @example
 * const end = writeShortNumber(6767.32, buffer, 0); // "6767.32", end === 7
 */
export function writeShortNumber(n: number, buffer: Uint8Array, pos: number): number {
  let digits = n < 0 ? -n : n;
  if (!(digits < EXACT_DIGITS)) return -1;
  let fraction = 0;
  if (!Number.isInteger(digits)) {
    let scale = 1;
    for (;;) {
      if (fraction === MAX_FRACTION) return -1;
      scale *= 10;
      fraction++;
      const scaled = Math.round(digits * scale);
      if (scaled / scale === digits) {
        if (!(scaled < EXACT_DIGITS)) return -1;
        digits = scaled;
        break;
      }
    }
    // Drop trailing zeros of the fraction (0.5 scaled by 10 is 5: nothing to drop).
    while (fraction > 0 && digits % 10 === 0) {
      digits /= 10;
      fraction--;
    }
  }
  if (n < 0 && digits !== 0) buffer[pos++] = 45;
  // The digits, right to left, into their final place; a leading "0." when the value is below 1.
  const small = digits < INT32_LIMIT;
  let count = 1;
  if (small) for (let rest = (digits / 10) | 0; rest > 0; rest = (rest / 10) | 0) count++;
  else for (let rest = Math.floor(digits / 10); rest > 0; rest = Math.floor(rest / 10)) count++;
  const width = fraction >= count ? fraction + 2 : fraction > 0 ? count + 1 : count;
  let at = pos + width;
  if (small) {
    let d = digits | 0;
    for (let i = 0; i < fraction; i++) {
      const next = (d / 10) | 0;
      buffer[--at] = 48 + d - next * 10;
      d = next;
    }
    if (fraction > 0) buffer[--at] = 46;
    if (fraction >= count) buffer[--at] = 48;
    else {
      do {
        const next = (d / 10) | 0;
        buffer[--at] = 48 + d - next * 10;
        d = next;
      } while (d > 0);
    }
    return pos + width;
  }
  for (let i = 0; i < fraction; i++) {
    const next = Math.floor(digits / 10);
    buffer[--at] = 48 + (digits - next * 10);
    digits = next;
  }
  if (fraction > 0) buffer[--at] = 46;
  if (fraction >= count) buffer[--at] = 48;
  else {
    do {
      const next = Math.floor(digits / 10);
      buffer[--at] = 48 + (digits - next * 10);
      digits = next;
    } while (digits > 0);
  }
  return pos + width;
}

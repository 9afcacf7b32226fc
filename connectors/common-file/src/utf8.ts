import { isUtf8 } from "node:buffer";

/**
 * Validates a byte stream as UTF-8 chunk by chunk, with a characters split across chunk
 * boundaries handled, at SIMD speed (`buffer.isUtf8`). Reports the stream offset of the first
 * invalid byte so an error can name it instead of decoding it to U+FFFD.
 *
 * @example
 * const check = new Utf8Checker();
 * for await (const chunk of chunks) {
 *   const bad = check.push(chunk);
 *   if (bad !== -1) throw new Error(`invalid UTF-8 at byte ${bad}`);
 * }
 * if (check.end() !== -1) …
 */
export class Utf8Checker {
  /** Bytes of the stream seen before the current chunk. */
  #offset = 0;
  /** An incomplete character at the end of the previous chunk (1–3 bytes). */
  #tail: Buffer | undefined;

  /** Checks the next chunk; returns the stream offset of the first invalid byte, or -1. */
  push(chunk: Uint8Array): number {
    let start = 0;
    const base = this.#offset;
    if (this.#tail) {
      const tail = this.#tail;
      const need = sequenceLength(tail[0] as number) - tail.length;
      const joined = Buffer.concat([tail, chunk.subarray(0, need)]);
      const tailStart = base - tail.length;
      if (chunk.length < need) {
        // Still incomplete: every byte so far must at least be a continuation byte.
        const bad = firstInvalid(joined, true);
        if (bad !== -1) return tailStart + bad;
        this.#tail = joined;
        this.#offset += chunk.length;
        return -1;
      }
      if (!isUtf8(joined)) return tailStart + Math.max(0, firstInvalid(joined, false));
      this.#tail = undefined;
      start = need;
    }
    const cut = incompleteTail(chunk, start);
    if (!isUtf8(chunk.subarray(start, cut))) {
      return base + start + Math.max(0, firstInvalid(chunk.subarray(start, cut), false));
    }
    if (cut < chunk.length) {
      const bad = firstInvalid(chunk.subarray(cut), true);
      if (bad !== -1) return base + cut + bad;
      this.#tail = Buffer.from(chunk.subarray(cut));
    }
    this.#offset += chunk.length;
    return -1;
  }

  /** Call at end of stream: the offset of a character cut short by the end, or -1. */
  end(): number {
    return this.#tail ? this.#offset - this.#tail.length : -1;
  }
}

function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/** Where an incomplete multi-byte character starts at the end of `bytes`, or its length. */
function incompleteTail(bytes: Uint8Array, start: number): number {
  const end = bytes.length;
  for (let k = end - 1; k >= Math.max(start, end - 3); k--) {
    const b = bytes[k] as number;
    if ((b & 0xc0) === 0x80) continue;
    if (b >= 0xc0 && end - k < sequenceLength(b)) return k;
    return end;
  }
  return end;
}

/**
 * The index of the first byte that makes `bytes` invalid UTF-8 (-1 if none). With
 * `allowTruncated`, a character cut short by the end of `bytes` is not an error.
 */
export function firstInvalid(bytes: Uint8Array, allowTruncated: boolean): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return allowTruncated ? -1 : i;
      const c = bytes[i + k] as number;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
      // Reject overlongs, surrogates and code points past U+10FFFF as soon as they are known.
      if (
        k === 1 &&
        ((need === 2 && b === 0xe0 && c < 0xa0) ||
          (need === 2 && b === 0xed && c > 0x9f) ||
          (need === 3 && b === 0xf0 && c < 0x90) ||
          (need === 3 && b === 0xf4 && c > 0x8f))
      ) {
        return i;
      }
    }
    if (cp < min) return i;
    i += need + 1;
  }
  return -1;
}

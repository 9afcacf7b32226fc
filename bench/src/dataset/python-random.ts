// CPython's `random.Random(seed)` for integer seeds, draw for draw: MT19937 seeded with
// `init_by_array`, `random()` from two 32-bit outputs, and `_randbelow` by rejection sampling on
// `getrandbits`. The benchmark dataset must be byte-identical to the one the Rust faucet-stream
// generates with Python, so this follows CPython's `_randommodule.c` and `random.py` exactly.

const N = 624;
const M = 397;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const MATRIX_A = 0x9908b0df;

/**
 * The Mersenne Twister as CPython seeds and draws it.
 *
 * @example
 * const rng = new PythonRandom(42);
 * rng.random(); // 0.6394267984578837, like Python's random.Random(42).random()
 */
export class PythonRandom {
  private readonly state = new Uint32Array(N);
  private index = N + 1;

  /** Seeds like `random.Random(seed)` with a non-negative or negative integer (its absolute value). */
  constructor(seed: number | bigint) {
    this.initByArray(seedKey(seed));
  }

  /** The next 32-bit output (CPython's `genrand_uint32`). */
  u32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `getrandbits(k)` for 1 ≤ k ≤ 32. */
  bits(k: number): number {
    return this.u32() >>> (32 - k);
  }

  /** `_randbelow(n)` for 1 ≤ n < 2^32: draws `bits(bitLength(n))` until the draw is below n. */
  below(n: number): number {
    if (!(n >= 1 && n <= 0xffffffff && Number.isInteger(n)))
      throw new RangeError(`below(n) needs 1 ≤ n < 2^32, got ${n}`);
    const k = 32 - Math.clz32(n);
    let r = this.bits(k);
    while (r >= n) r = this.bits(k);
    return r;
  }

  /** `random()`: a float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.u32() >>> 5;
    const b = this.u32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private initGenrand(seed: number): void {
    const mt = this.state;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.state;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private twist(): void {
    const mt = this.state;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.index = 0;
  }
}

/** CPython's key for an integer seed: the absolute value as 32-bit words, least significant first. */
function seedKey(seed: number | bigint): number[] {
  if (typeof seed === "number" && !Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be an integer, got ${seed}`);
  }
  let rest = BigInt(seed);
  if (rest < 0n) rest = -rest;
  const key: number[] = [];
  do {
    key.push(Number(rest & 0xffffffffn));
    rest >>= 32n;
  } while (rest > 0n);
  return key;
}

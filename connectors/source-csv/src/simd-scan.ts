/**
 * Counts CSV records 64 bytes at a time with WebAssembly SIMD, for the parallel-pages splitter
 * (split.ts): the exact byte-by-byte scan cost ~0.2 s per 1M benchmark rows on the main thread.
 *
 * It tracks quote parity (a prefix XOR of the quote mask): a line end outside quotes ends a
 * record. That agrees with the parser only for regular CSV, so it also checks, per block, that
 * every opening quote starts a field, every closing quote is followed by a delimiter, a line end
 * or a doubled quote, there is no lone CR and no blank line. At the first block that breaks a
 * rule it stops before it, at the last record end it is sure of, and the caller scans on byte by
 * byte. The module is assembled here from its opcodes (no toolchain, no dependency).
 */

/** The outcome of one {@link SimdScanner.scan}. */
export interface SimdScan {
  /** Records found (at most `want`). */
  found: number;
  /** Where the last record found ends (after its line end); `start` when none. */
  end: number;
  /** Line ends (LF) up to `end`. */
  lines: number;
  /** Stopped at a block that needs the exact scan. */
  irregular: boolean;
}

const PAGE = 65_536;

// The slice of the WebAssembly API used here (the project's TypeScript libs do not declare it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmGlobal {
  readonly value: unknown;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * A growable byte store in WebAssembly memory, and the SIMD record counter over it. One per
 * file being split.
 */
export class SimdScanner {
  readonly #memory: WasmMemory;
  readonly #scan: (start: number, end: number, want: number, delimiter: number, quote: number) => number;
  readonly #globals: { end: WasmGlobal; lines: WasmGlobal; irregular: WasmGlobal };
  #view: Buffer;

  private constructor(instance: WasmInstance, memory: WasmMemory) {
    this.#memory = memory;
    const exports = instance.exports as Record<string, unknown>;
    this.#scan = exports.scan as (start: number, end: number, want: number, delimiter: number, quote: number) => number;
    this.#globals = {
      end: exports.end as WasmGlobal,
      lines: exports.lines as WasmGlobal,
      irregular: exports.irregular as WasmGlobal,
    };
    this.#view = Buffer.from(memory.buffer);
  }

  /** A scanner, or undefined where WebAssembly SIMD is missing or the bytes cannot use it. */
  static create(delimiter: number, quote: number, size: number): SimdScanner | undefined {
    const module = compiled();
    if (!wasm || !module || [delimiter, quote].some((c) => c === 10 || c === 13)) return undefined;
    const memory = new wasm.Memory({ initial: Math.ceil(size / PAGE) });
    const instance = new wasm.Instance(module, { env: { memory } });
    return new SimdScanner(instance, memory);
  }

  /** The store: its contents survive growth, but a view taken before `grow` is stale after it. */
  get bytes(): Buffer {
    return this.#view;
  }

  /** Makes the store at least `size` bytes long, keeping its contents. */
  grow(size: number): Buffer {
    const have = this.#memory.buffer.byteLength;
    if (size > have) {
      this.#memory.grow(Math.ceil((Math.max(size, have * 2) - have) / PAGE));
      this.#view = Buffer.from(this.#memory.buffer);
    }
    return this.#view;
  }

  /**
   * Counts up to `want` records in the store from `start` (a record boundary), over whole
   * 64-byte blocks before `end` (the caller scans the rest).
   */
  scan(start: number, end: number, want: number, delimiter: number, quote: number): SimdScan {
    const found = this.#scan(start, end, want, delimiter, quote);
    return {
      found,
      end: this.#globals.end.value as number,
      lines: this.#globals.lines.value as number,
      irregular: (this.#globals.irregular.value as number) !== 0,
    };
  }
}

let module: object | null | undefined;

function compiled(): object | undefined {
  if (module === undefined) {
    try {
      const bytes = assemble();
      module = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      module = null;
    }
  }
  return module ?? undefined;
}

// ---------------------------------------------------------------------------------------------
// The module, assembled from opcodes.

const I32 = 0x7f;
const I64 = 0x7e;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...Buffer.from(text)];
  return [...uleb(bytes.length), ...bytes];
}

// Parameters and locals of `scan`, by index.
const P = 0;
const END = 1;
const WANT = 2;
const DELIM = 3;
const QUOTE = 4;
const FOUND = 5; // i32
const K = 6; // i32
const BIT = 7; // i32
const LINES = 8; // i32
const N = 9; // i32
const INSIDE = 10; // i64: 0 or -1
const Q = 11;
const L = 12;
const R = 13;
const S = 14;
const X = 15;
const IA = 16; // inside after each byte
const IB = 17; // inside before each byte
const C = 18; // closing quotes
const BAD = 19;
const LOUT = 20; // line ends outside quotes
const ROUT = 21;
const M = 22;
const PSC = 23; // carry: the byte before the block is a delimiter, line end or closing quote
const PCLOSE = 24; // carry: the block before ended with a closing quote
const PCR = 25; // carry: the block before ended with a CR outside quotes
const CL = 26; // carry: the byte before is LF
const CR_ = 27; // carry: the byte before is CR
const CL2 = 28; // carry: the two bytes before, LF bits
const VQ = 29;
const VL = 30;
const VR = 31;
const VD = 32;
const V = 33;

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const gset = (i: number) => [0x24, ...uleb(i)];
const i32c = (v: number) => [0x41, ...sleb(BigInt(v))];
const i64c = (v: bigint) => [0x42, ...sleb(v)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const load = (offset: number) => [...simd(0), 0, ...uleb(offset)];
const SPLAT = 15;
const EQ = 35;
const OR128 = 80;
const BITMASK = 100;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  ret: [0x0f],
  i32eqz: [0x45],
  i32gtU: [0x4b],
  i32geU: [0x4f],
  i32add: [0x6a],
  i32sub: [0x6b],
  i64eqz: [0x50],
  i64ne: [0x52],
  i64clz: [0x79],
  i64ctz: [0x7a],
  i64popcnt: [0x7b],
  i64add: [0x7c],
  i64sub: [0x7d],
  i64and: [0x83],
  i64or: [0x84],
  i64xor: [0x85],
  i64shl: [0x86],
  i64shrU: [0x88],
  wrap: [0xa7],
  extendU: [0xad],
};
const not = [...i64c(-1n), ...op.i64xor];
const bit63 = (local: number) => [...get(local), ...i64c(63n), ...op.i64shrU];

function body(): number[] {
  const code: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) code.push(...part);
  };
  // Globals: 0 end, 1 lines, 2 irregular.
  emit(get(P), gset(0), i32c(0), gset(1), i32c(0), gset(2));
  emit(get(QUOTE), simd(SPLAT), set(VQ), get(DELIM), simd(SPLAT), set(VD));
  emit(i32c(10), simd(SPLAT), set(VL), i32c(13), simd(SPLAT), set(VR));
  // At a record start the byte before is a line end: a line end right here is a blank line.
  emit(i64c(1n), set(PSC), i64c(1n), set(CL), i64c(2n), set(CL2));
  emit(op.block, op.loop);
  // while (p + 64 <= end)
  emit(get(P), i32c(64), op.i32add, get(END), op.i32gtU, op.brIf(1));
  // The four class masks of 64 bytes.
  for (const local of [Q, L, R, S]) emit(i64c(0n), set(local));
  for (let j = 0; j < 4; j++) {
    emit(get(P), load(16 * j), set(V));
    const masks: [number, number[]][] = [
      [Q, [...get(V), ...get(VQ), ...simd(EQ)]],
      [L, [...get(V), ...get(VL), ...simd(EQ)]],
      [R, [...get(V), ...get(VR), ...simd(EQ)]],
      [
        S,
        [
          ...get(V),
          ...get(VD),
          ...simd(EQ),
          ...get(V),
          ...get(VL),
          ...simd(EQ),
          ...simd(OR128),
          ...get(V),
          ...get(VR),
          ...simd(EQ),
          ...simd(OR128),
        ],
      ],
    ];
    for (const [local, vector] of masks) {
      emit(get(local), vector, simd(BITMASK), op.extendU, i64c(BigInt(16 * j)), op.i64shl, op.i64or, set(local));
    }
  }
  // Quote parity: prefix XOR, then the carry from the block before.
  emit(get(Q), set(X));
  for (const shift of [1n, 2n, 4n, 8n, 16n, 32n]) emit(get(X), get(X), i64c(shift), op.i64shl, op.i64xor, set(X));
  emit(get(X), get(INSIDE), op.i64xor, set(IA));
  emit(get(IA), get(Q), op.i64xor, set(IB));
  emit(get(Q), get(IB), op.i64and, set(C));
  // An opening quote must follow a delimiter, a line end or a closing quote.
  emit(get(Q), get(C), op.i64xor);
  emit(get(S), get(C), op.i64or, i64c(1n), op.i64shl, get(PSC), op.i64or, not, op.i64and, set(BAD));
  // A closing quote must be followed by a delimiter, a line end or a quote (bit 63: next block).
  emit(get(C), get(S), get(Q), op.i64or, i64c(1n), op.i64shrU, not, op.i64and);
  emit(i64c(0x7fffffffffffffffn), op.i64and, get(BAD), op.i64or, set(BAD));
  emit(get(PCLOSE), get(S), get(Q), op.i64or, i64c(1n), op.i64and, not, op.i64and, i64c(1n), op.i64and);
  emit(get(BAD), op.i64or, set(BAD));
  // A CR outside quotes must be followed by LF.
  emit(get(R), get(IB), not, op.i64and, set(ROUT));
  emit(get(ROUT), get(L), i64c(1n), op.i64shrU, not, op.i64and, i64c(0x7fffffffffffffffn), op.i64and);
  emit(get(BAD), op.i64or, set(BAD));
  emit(get(PCR), get(L), i64c(1n), op.i64and, not, op.i64and, i64c(1n), op.i64and, get(BAD), op.i64or, set(BAD));
  // Line ends outside quotes; none may end a blank line (after LF, or after CR after LF).
  emit(get(L), get(IA), not, op.i64and, set(LOUT));
  emit(get(LOUT));
  emit(get(L), i64c(1n), op.i64shl, get(CL), op.i64or);
  emit(get(R), i64c(1n), op.i64shl, get(CR_), op.i64or);
  emit(get(L), i64c(2n), op.i64shl, get(CL2), op.i64or);
  emit(op.i64and, op.i64or, op.i64and, get(BAD), op.i64or, set(BAD));
  // Anything irregular: stop before this block.
  emit(get(BAD), i64c(0n), op.i64ne, op.if, i32c(1), gset(2), op.br(2), op.end);
  emit(get(LOUT), op.i64popcnt, op.wrap, set(N));
  // Enough records in this block: find the line end of the last one wanted.
  emit(get(FOUND), get(N), op.i32add, get(WANT), op.i32geU, op.if);
  emit(get(WANT), get(FOUND), op.i32sub, set(K), get(LOUT), set(M));
  emit(op.block, op.loop, get(K), i32c(1), op.i32gtU, op.i32eqz, op.brIf(1));
  emit(get(M), get(M), i64c(1n), op.i64sub, op.i64and, set(M));
  emit(get(K), i32c(1), op.i32sub, set(K), op.br(0), op.end, op.end);
  emit(get(M), op.i64ctz, op.wrap, set(BIT));
  // Line ends up to and including that bit: L << (63 - bit) keeps bits 0..bit.
  emit(get(LINES), get(L), i64c(63n), get(BIT), op.extendU, op.i64sub, op.i64shl, op.i64popcnt, op.wrap, op.i32add);
  emit(gset(1));
  emit(get(P), get(BIT), op.i32add, i32c(1), op.i32add, gset(0));
  emit(get(WANT), op.ret, op.end);
  emit(get(FOUND), get(N), op.i32add, set(FOUND));
  emit(get(LINES), get(L), op.i64popcnt, op.wrap, op.i32add, set(LINES));
  emit(get(N), op.if);
  // The last record end in the block, and the line ends up to it.
  emit(i32c(63), get(LOUT), op.i64clz, op.wrap, op.i32sub, set(BIT));
  emit(get(P), get(BIT), op.i32add, i32c(1), op.i32add, gset(0));
  // The line ends after it: L >> bit >> 1 (one shift by 64 would be a shift by 0).
  emit(get(LINES), get(L), get(BIT), op.extendU, op.i64shrU, i64c(1n), op.i64shrU, op.i64popcnt, op.wrap, op.i32sub);
  emit(gset(1), op.end);
  // Carries into the next block. (A shift by 64 is a shift by 0 in wasm, hence the guards.)
  emit(i64c(0n), bit63(IA), op.i64sub, set(INSIDE));
  emit(get(S), get(C), op.i64or, i64c(63n), op.i64shrU, set(PSC));
  emit(bit63(C), set(PCLOSE), bit63(ROUT), set(PCR), bit63(L), set(CL), bit63(R), set(CR_));
  emit(get(L), i64c(62n), op.i64shrU, set(CL2));
  emit(get(P), i32c(64), op.i32add, set(P), op.br(0), op.end, op.end);
  emit(get(FOUND));
  return code;
}

function assemble(): Uint8Array {
  const type = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])];
  const code = body();
  const locals = vec([
    [...uleb(5), I32],
    [...uleb(19), I64],
    [...uleb(5), V128],
  ]);
  const fn = [...locals, ...code, 0x0b];
  const global = (init: number[]) => [I32, 0x01, ...init, 0x0b];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([type])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(6, vec([global(i32c(0)), global(i32c(0)), global(i32c(0))])),
    ...section(
      7,
      vec([
        [...name("scan"), 0x00, 0],
        [...name("end"), 0x03, 0],
        [...name("lines"), 0x03, 1],
        [...name("irregular"), 0x03, 2],
      ]),
    ),
    ...section(10, vec([[...uleb(fn.length), ...fn]])),
  ]);
}

/**
 * LZ4 block compression (the format Parquet calls LZ4_RAW), greedy with a 64 Ki-entry hash of
 * 4-byte sequences: the Rust faucet-stream's `lz4` codec. No maintained registry package offers
 * a synchronous LZ4 block compressor, and the format is small enough to write here.
 */

const MIN_MATCH = 4;
/** The last match must start this many bytes before the end of the block. */
const MF_LIMIT = 12;
/** The last bytes of a block are always literals. */
const LAST_LITERALS = 5;
const MAX_OFFSET = 65_535;

let table = new Int32Array(1 << 16);

/** Compresses `input` as one LZ4 block. */
export function lz4Compress(input: Uint8Array): Uint8Array {
  const length = input.length;
  const out = new Uint8Array(length + Math.ceil(length / 255) + 16);
  if (table.length !== 1 << 16) table = new Int32Array(1 << 16);
  table.fill(-1);
  let op = 0;
  let anchor = 0;
  let ip = 0;
  const matchLimit = length - MF_LIMIT;
  while (ip < matchLimit) {
    const sequence = read32(input, ip);
    const hash = Math.imul(sequence, 2654435761) >>> 16;
    const candidate = table[hash] as number;
    table[hash] = ip;
    if (candidate < 0 || ip - candidate > MAX_OFFSET || read32(input, candidate) !== sequence) {
      ip++;
      continue;
    }
    let matchLength = MIN_MATCH;
    const longest = length - LAST_LITERALS - ip;
    while (matchLength < longest && input[candidate + matchLength] === input[ip + matchLength]) matchLength++;
    op = writeSequence(out, op, input, anchor, ip - anchor, ip - candidate, matchLength - MIN_MATCH);
    ip += matchLength;
    anchor = ip;
  }
  op = writeSequence(out, op, input, anchor, length - anchor, 0, -1);
  return out.subarray(0, op);
}

/** One token, its literals and (unless `matchExtra` < 0, for the last literals) its match. */
function writeSequence(
  out: Uint8Array,
  start: number,
  input: Uint8Array,
  literalStart: number,
  literals: number,
  offset: number,
  matchExtra: number,
): number {
  let op = start + 1;
  let token = Math.min(literals, 15) << 4;
  if (literals >= 15) op = writeLength(out, op, literals - 15);
  out.set(input.subarray(literalStart, literalStart + literals), op);
  op += literals;
  if (matchExtra >= 0) {
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    token |= Math.min(matchExtra, 15);
    if (matchExtra >= 15) op = writeLength(out, op, matchExtra - 15);
  }
  out[start] = token;
  return op;
}

function writeLength(out: Uint8Array, start: number, value: number): number {
  let op = start;
  let rest = value;
  while (rest >= 255) {
    out[op++] = 255;
    rest -= 255;
  }
  out[op++] = rest;
  return op;
}

function read32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

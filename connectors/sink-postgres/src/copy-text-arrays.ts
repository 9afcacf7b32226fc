import { RowError } from "faucet-common-sql";

const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const TEXT_OID = 25;
/** Array header: dimensions, has-nulls flag, element type, length, lower bound. */
const HEADER_BYTES = 20;
/** Fields at most this long are copied byte by byte; longer ones with `Buffer.copy`. */
const SHORT_FIELD = 24;

/** What a backslash followed by each byte stands for in COPY text: `\b \f \n \r \t \v`, else the byte itself. */
const ESCAPES = Uint8Array.from({ length: 256 }, (_, b) => {
  const control = "bfnrtv".indexOf(String.fromCharCode(b));
  return control < 0 ? b : ([8, 12, 10, 13, 9, 11][control] as number);
});

/**
 * Turns rows of COPY text format (the postgres source's native pages) into one binary `text[]`
 * parameter per column, for `INSERT … SELECT … FROM unnest($1::text[], …)`, without building a
 * string: each field's bytes are copied as they are, or unescaped when the field holds a
 * backslash, and `\N` becomes a NULL element. A row with the wrong number of fields is a
 * {@link RowError}.
 *
 * @example
 * const arrays = new CopyTextArrays(3);
 * let at = 0;
 * while (at < page.length) ({ values, next: at } = arrays.take(page, at, 2000));
 */
export class CopyTextArrays {
  readonly #columns: number;
  readonly #buffers: Buffer[];
  readonly #pos: number[];

  constructor(columns: number) {
    this.#columns = columns;
    this.#buffers = Array.from({ length: columns }, () => Buffer.allocUnsafe(64 * 1024));
    this.#pos = new Array<number>(columns).fill(0);
  }

  /**
   * Up to `rows` rows from byte `start` of `bytes`: one array per column (each in a buffer of its
   * own) and the byte where the next row starts. `firstRow` numbers the rows in errors.
   */
  take(bytes: Uint8Array, start: number, rows: number, firstRow = 0): { values: Buffer[]; next: number; rows: number } {
    const source = bytes as Buffer;
    const columns = this.#columns;
    const n = source.length;
    for (let c = 0; c < columns; c++) this.#pos[c] = HEADER_BYTES;
    let pos = start;
    let row = 0;
    for (; row < rows && pos < n; row++) {
      for (let c = 0; c < columns; c++) {
        // One pass to the field's end (a byte after a backslash is data, as COPY FROM reads it).
        let end = pos;
        let escaped = false;
        let b = -1;
        while (end < n) {
          b = source[end] as number;
          if (b === TAB || b === NEWLINE) break;
          if (b === BACKSLASH) {
            escaped = true;
            end++;
          }
          end++;
        }
        if (end >= n) b = -1;
        if (b !== (c === columns - 1 ? NEWLINE : TAB)) {
          const what = b === -1 ? "is cut short (no newline)" : `does not have ${columns} tab-separated fields`;
          throw new RowError(firstRow + row, undefined, `record ${firstRow + row} ${what}`);
        }
        if (escaped) this.#escaped(c, source, pos, end);
        else this.#plain(c, source, pos, end);
        pos = end + 1;
      }
    }
    const values: Buffer[] = [];
    for (let c = 0; c < columns; c++) {
      const buffer = this.#buffers[c] as Buffer;
      buffer.writeInt32BE(1, 0); // dimensions
      buffer.writeInt32BE(0, 4); // has nulls: array_recv finds out itself
      buffer.writeInt32BE(TEXT_OID, 8);
      buffer.writeInt32BE(row, 12);
      buffer.writeInt32BE(1, 16); // lower bound
      values.push(Buffer.from(buffer.subarray(0, this.#pos[c])));
    }
    return { values, next: pos, rows: row };
  }

  /** A field without escapes: its length and its bytes. */
  #plain(c: number, source: Buffer, from: number, to: number): void {
    const length = to - from;
    const buffer = this.#room(c, length + 4);
    let at = this.#pos[c] as number;
    buffer.writeInt32BE(length, at);
    at += 4;
    if (length <= SHORT_FIELD) {
      for (let i = from; i < to; i++) buffer[at++] = source[i] as number;
    } else {
      source.copy(buffer, at, from, to);
      at += length;
    }
    this.#pos[c] = at;
  }

  /** A field with backslashes: `\N` is NULL, anything else is unescaped as COPY FROM would. */
  #escaped(c: number, source: Buffer, from: number, to: number): void {
    const buffer = this.#room(c, to - from + 4);
    let at = this.#pos[c] as number;
    if (to - from === 2 && source[from + 1] === 0x4e) {
      buffer.writeInt32BE(-1, at);
      this.#pos[c] = at + 4;
      return;
    }
    const lengthAt = at;
    at += 4;
    for (let i = from; i < to; i++) {
      const b = source[i] as number;
      if (b !== BACKSLASH || i + 1 >= to) {
        buffer[at++] = b;
        continue;
      }
      const e = source[++i] as number;
      if (e >= 0x30 && e <= 0x37) {
        // \ooo: up to three octal digits
        let value = e - 0x30;
        for (
          let k = 0;
          k < 2 && i + 1 < to && (source[i + 1] as number) >= 0x30 && (source[i + 1] as number) <= 0x37;
          k++
        ) {
          value = value * 8 + ((source[++i] as number) - 0x30);
        }
        buffer[at++] = value & 0xff;
      } else if (e === 0x78 && i + 1 < to && hexDigit(source[i + 1] as number) >= 0) {
        // \xhh: one or two hex digits
        let value = hexDigit(source[++i] as number);
        if (i + 1 < to && hexDigit(source[i + 1] as number) >= 0) value = value * 16 + hexDigit(source[++i] as number);
        buffer[at++] = value;
      } else {
        buffer[at++] = ESCAPES[e] as number;
      }
    }
    buffer.writeInt32BE(at - lengthAt - 4, lengthAt);
    this.#pos[c] = at;
  }

  /** Column `c`'s buffer with room for `bytes` more. */
  #room(c: number, bytes: number): Buffer {
    let buffer = this.#buffers[c] as Buffer;
    const pos = this.#pos[c] as number;
    if (pos + bytes > buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, pos + bytes));
      buffer.copy(grown, 0, 0, pos);
      this.#buffers[c] = grown;
      buffer = grown;
    }
    return buffer;
  }
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * True when the only backslashes in these COPY text rows are whole-field `\N` (NULL), so the
 * server can split the rows with `string_to_array` (see `insertLinesSql`) and nothing needs
 * unescaping. One `indexOf` per backslash.
 */
export function onlyNullEscapes(bytes: Uint8Array): boolean {
  const b = bytes as Buffer;
  const n = b.length;
  for (let i = b.indexOf(BACKSLASH); i >= 0; i = b.indexOf(BACKSLASH, i + 2)) {
    const before = i === 0 ? NEWLINE : (b[i - 1] as number);
    const after = i + 2 < n ? (b[i + 2] as number) : NEWLINE;
    if (b[i + 1] !== 0x4e || (before !== TAB && before !== NEWLINE) || (after !== TAB && after !== NEWLINE)) {
      return false;
    }
  }
  return true;
}

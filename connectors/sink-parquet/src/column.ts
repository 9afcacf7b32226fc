/**
 * One column of the row group being assembled, stored compactly: numbers in a Float64Array,
 * booleans in a Uint8Array, strings as UTF-8 bytes in one growing buffer. Holding a row group
 * as a few typed arrays instead of a JS value per cell keeps the garbage collector from copying
 * every buffered value between generations, which otherwise costs more than encoding the file.
 * The arrays are reused from one row group to the next.
 */
import type { LogicalType, Value } from "faucet-core";

/** A column's type so far; `undefined` while it has held only nulls (written as a string column). */
export type ColumnType = LogicalType | undefined;

const INITIAL_ROWS = 1024;
const INITIAL_BYTES = 64 * 1024;
/** Distinct strings remembered per row group; past this a column is taken as high-cardinality. */
const MAX_INTERNED = 4096;
const UTF8 = new TextEncoder();

export class ColumnBuffer {
  type: ColumnType = undefined;
  /** 1 where the row has a value; rows never set are null. */
  private present = new Uint8Array(INITIAL_ROWS);
  /** One past the highest row set. */
  private rows = 0;
  private numbers: Float64Array | undefined;
  private flags: Uint8Array | undefined;
  private bytes: Uint8Array | undefined;
  private starts: Int32Array | undefined;
  private ends: Int32Array | undefined;
  private used = 0;
  private values: Value[] | undefined;
  /**
   * Repeated strings of a low-cardinality column share their bytes and, in `data()`, one view
   * object: hyparquet-writer's dictionary then finds them by identity instead of hashing bytes.
   */
  private interned = new Map<string, number>();
  private internedRow: Int32Array | undefined;

  constructor(readonly name: string) {}

  /** Stores a non-null value at `row` (rows arrive in increasing order); the type must already hold it. */
  set(row: number, value: Value): void {
    if (row >= this.present.length) this.grow(row + 1);
    this.present[row] = 1;
    this.rows = row + 1;
    switch (this.type) {
      case "integer":
      case "number":
        (this.numbers as Float64Array)[row] = value as number;
        return;
      case "boolean":
        (this.flags as Uint8Array)[row] = value ? 1 : 0;
        return;
      case "json":
        (this.values as Value[])[row] = value;
        return;
      default:
        this.setText(row, typeof value === "string" ? value : JSON.stringify(value));
    }
  }

  /** Changes the column's type, converting what it holds (integer → number, anything → string). */
  widen(type: ColumnType): void {
    const from = this.type;
    if (type === from) return;
    this.type = type;
    if (type === "number" && from === "integer") return;
    const previous = { numbers: this.numbers, flags: this.flags, values: this.values };
    this.allocate(type);
    if (type !== "string" || from === undefined) return;
    for (let row = 0; row < this.rows; row++) {
      if (!this.present[row]) continue;
      if (from === "boolean") this.setText(row, previous.flags?.[row] ? "true" : "false");
      else if (from === "json") this.setText(row, JSON.stringify(previous.values?.[row] ?? null));
      else this.setText(row, String(previous.numbers?.[row]));
    }
  }

  /** The first `count` rows as hyparquet-writer column data, nulls where no value was set. */
  data(count: number): unknown[] {
    const out = new Array<unknown>(count).fill(null);
    const end = Math.min(count, this.rows);
    const present = this.present;
    switch (this.type) {
      case "integer": {
        const numbers = this.numbers as Float64Array;
        for (let i = 0; i < end; i++) if (present[i]) out[i] = BigInt(numbers[i] as number);
        break;
      }
      case "number": {
        const numbers = this.numbers as Float64Array;
        for (let i = 0; i < end; i++) if (present[i]) out[i] = numbers[i];
        break;
      }
      case "boolean": {
        const flags = this.flags as Uint8Array;
        for (let i = 0; i < end; i++) if (present[i]) out[i] = flags[i] === 1;
        break;
      }
      case "json": {
        const values = this.values as Value[];
        for (let i = 0; i < end; i++) if (present[i]) out[i] = values[i];
        break;
      }
      case "string": {
        const bytes = this.bytes as Uint8Array;
        const starts = this.starts as Int32Array;
        const ends = this.ends as Int32Array;
        const first = this.internedRow as Int32Array;
        for (let i = 0; i < end; i++) {
          if (!present[i]) continue;
          const owner = first[i] as number;
          out[i] = owner >= 0 && owner < i ? out[owner] : bytes.subarray(starts[i], ends[i]);
        }
        break;
      }
    }
    return out;
  }

  /** Empties the column for the next row group, keeping its arrays. */
  reset(): void {
    this.present.fill(0, 0, this.rows);
    this.rows = 0;
    this.used = 0;
    this.interned.clear();
    if (this.values) this.values = [];
  }

  private allocate(type: ColumnType): void {
    const capacity = this.present.length;
    this.numbers = type === "integer" || type === "number" ? new Float64Array(capacity) : undefined;
    this.flags = type === "boolean" ? new Uint8Array(capacity) : undefined;
    this.values = type === "json" ? [] : undefined;
    if (type === "string") {
      this.bytes = new Uint8Array(INITIAL_BYTES);
      this.starts = new Int32Array(capacity);
      this.ends = new Int32Array(capacity);
      this.internedRow = new Int32Array(capacity);
      this.used = 0;
      this.interned.clear();
    } else {
      this.bytes = this.starts = this.ends = this.internedRow = undefined;
    }
  }

  private setText(row: number, text: string): void {
    const starts = this.starts as Int32Array;
    const ends = this.ends as Int32Array;
    const internedRow = this.internedRow as Int32Array;
    const owner = this.interned.get(text);
    if (owner !== undefined) {
      starts[row] = starts[owner] as number;
      ends[row] = ends[owner] as number;
      internedRow[row] = owner;
      return;
    }
    if (this.interned.size < MAX_INTERNED) this.interned.set(text, row);
    internedRow[row] = -1;
    const length = text.length;
    let bytes = this.bytes as Uint8Array;
    if (bytes.length - this.used < length * 3) {
      const larger = new Uint8Array(Math.max(bytes.length * 2, this.used + length * 3));
      larger.set(bytes.subarray(0, this.used));
      this.bytes = bytes = larger;
    }
    const start = this.used;
    // ASCII is copied directly; the first non-ASCII character hands the string to the encoder.
    let j = 0;
    for (; j < length; j++) {
      const code = text.charCodeAt(j);
      if (code >= 0x80) break;
      bytes[start + j] = code;
    }
    const written = j === length ? length : UTF8.encodeInto(text, bytes.subarray(start)).written;
    starts[row] = start;
    ends[row] = start + written;
    this.used = start + written;
  }

  private grow(rows: number): void {
    let capacity = this.present.length;
    while (capacity < rows) capacity *= 2;
    this.present = resized(this.present, capacity);
    if (this.numbers) this.numbers = resized(this.numbers, capacity);
    if (this.flags) this.flags = resized(this.flags, capacity);
    if (this.starts) this.starts = resized(this.starts, capacity);
    if (this.ends) this.ends = resized(this.ends, capacity);
    if (this.internedRow) this.internedRow = resized(this.internedRow, capacity);
  }
}

function resized<T extends Uint8Array | Float64Array | Int32Array>(array: T, capacity: number): T {
  const larger = new (array.constructor as new (length: number) => T)(capacity);
  larger.set(array);
  return larger;
}

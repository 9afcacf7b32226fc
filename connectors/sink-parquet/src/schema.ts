/**
 * The row group being assembled: records are split into per-column arrays as they arrive and
 * the schema is inferred from them. While nothing of the current file is written the types
 * widen freely (integer → number, anything mixed → string); once a row group is written the
 * file's schema is fixed, and a record that needs a new column or a wider type does not fit:
 * the sink then starts a new part whose schema is this one widened, so no value is dropped.
 */
import { FaucetError, isValueObject, type LogicalType, type Value, widenLogicalType } from "faucet-core";
import type { ColumnSource, SchemaElement } from "hyparquet-writer";
import { ColumnBuffer, type ColumnType } from "./column.js";

export type { ColumnType } from "./column.js";

const INT64_LIMIT = 2 ** 63;

/** The logical type of one value, or undefined for null. Integers outside INT64 count as numbers. */
export function typeOf(value: Value): ColumnType {
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) && Math.abs(value) < INT64_LIMIT ? "integer" : "number";
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    default:
      return value === null ? undefined : "json";
  }
}

/** Whether a value of type `value` can be stored in a fixed column of type `column` without loss. */
function fits(column: ColumnType, value: LogicalType): boolean {
  if (column === value || column === "string") return true;
  if (column === "number") return value === "integer";
  return column === undefined && value === "string";
}

export class RowGroupBuffer {
  private readonly columns: ColumnBuffer[] = [];
  private readonly byName = new Map<string, ColumnBuffer>();
  /** Rows buffered. */
  count = 0;
  /** True once a row group of the current file was written: the schema can no longer change. */
  fixed = false;
  /** A rough uncompressed size of the buffered rows, kept only when `trackBytes` is set. */
  bytes = 0;

  constructor(private readonly trackBytes = false) {}

  /** The columns and their types, in first-seen order. */
  shape(): { name: string; type: ColumnType }[] {
    return this.columns.map(({ name, type }) => ({ name, type }));
  }

  /**
   * Buffers one record. Returns false, buffering nothing, when the schema is fixed and the
   * record has a column it lacks or a value its column's type cannot hold.
   */
  add(record: Value): boolean {
    if (!isValueObject(record)) {
      throw new FaucetError("sink", `a Parquet row must be a JSON object, got ${describeValue(record)}`, {
        connector: "sink-parquet",
        hint: "reshape the records into objects with a transform before this sink",
      });
    }
    if (this.fixed && !this.fitsFixed(record)) return false;
    const row = this.count;
    for (const key in record) {
      const value = record[key] as Value;
      let column = this.byName.get(key);
      if (column === undefined) {
        if (this.fixed) continue; // only a null reaches here (fitsFixed): nothing to keep
        column = new ColumnBuffer(key);
        this.columns.push(column);
        this.byName.set(key, column);
      }
      if (value === null) continue; // rows without a value read as null
      const type = typeOf(value);
      if (column.type !== type) {
        // Unfixed, types widen; fixed, only a null-only column can still become a string column.
        if (!this.fixed) column.widen(widenLogicalType(column.type, type));
        else if (column.type === undefined) column.widen("string");
      }
      column.set(row, value);
      if (this.trackBytes) this.bytes += estimateBytes(value);
    }
    this.count = row + 1;
    return true;
  }

  private fitsFixed(record: Record<string, Value>): boolean {
    for (const key in record) {
      const type = typeOf(record[key] as Value);
      if (type === undefined) continue;
      const column = this.byName.get(key);
      if (column === undefined || !fits(column.type, type)) return false;
    }
    return true;
  }

  /** The Parquet schema (every column optional) for the buffered columns. */
  schema(): SchemaElement[] {
    return [
      { name: "root", num_children: this.columns.length },
      ...this.columns.map((c) => elementFor(c.name, c.type)),
    ];
  }

  /**
   * The buffered rows as hyparquet-writer column data. Byte-array columns carry no min/max
   * statistics: hyparquet-writer keeps those values until the footer is written, and they are
   * views into buffers this class reuses.
   */
  columnData(): ColumnSource[] {
    return this.columns.map((column) => {
      const numeric = column.type === "integer" || column.type === "number" || column.type === "boolean";
      return { name: column.name, data: column.data(this.count) as ColumnSource["data"], statistics: numeric };
    });
  }

  /** Empties the buffer after a row group was written; the schema is fixed from now on. */
  written(): void {
    this.fixed = true;
    this.reset();
  }

  /** Empties the buffer for a new file: the columns and their widened types carry over, unfixed. */
  nextFile(): void {
    this.fixed = false;
    this.reset();
  }

  private reset(): void {
    for (const column of this.columns) column.reset();
    this.count = 0;
    this.bytes = 0;
  }
}

function elementFor(name: string, type: ColumnType): SchemaElement {
  switch (type) {
    case "integer":
      return { name, type: "INT64", repetition_type: "OPTIONAL" };
    case "number":
      return { name, type: "DOUBLE", repetition_type: "OPTIONAL" };
    case "boolean":
      return { name, type: "BOOLEAN", repetition_type: "OPTIONAL" };
    case "json":
      return { name, type: "BYTE_ARRAY", converted_type: "JSON", repetition_type: "OPTIONAL" };
    default:
      return { name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" };
  }
}

function estimateBytes(value: Value): number {
  switch (typeof value) {
    case "string":
      return value.length + 4;
    case "number":
      return 8;
    case "boolean":
      return 1;
    default:
      return 64;
  }
}

function describeValue(value: Value): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

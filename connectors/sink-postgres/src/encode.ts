import { type ColumnType, copyEscape, serializerFor, type TextSerializer } from "faucet-common-postgres";
import { type DeleteMarker, type KeyedWrites, planKeyedWrites, RowError } from "faucet-common-sql";
import type { Value, ValueObject } from "faucet-core";

/** One column of the destination table, as the catalog describes it. */
export interface TargetColumn extends ColumnType {
  name: string;
  /** `format_type(…)`: the exact SQL type, e.g. `numeric(38,10)`, `integer[]`. */
  sqlType: string;
  /** The type without its modifier (`numeric`, `character varying`): what values are cast to. */
  castType: string;
  nullable: boolean;
  /** Generated columns cannot be written; their keys are ignored. */
  generated: boolean;
}

/** A column of a page with the serializer of its values. */
export interface PageColumn {
  column: TargetColumn;
  serialize: TextSerializer;
}

/** Pairs each column with its serializer. */
export function withSerializers(columns: readonly TargetColumn[]): PageColumn[] {
  return columns.map((column) => ({ column, serialize: serializerFor(column) }));
}

function cell(column: PageColumn, record: ValueObject, index: number): string | null {
  try {
    return column.serialize(record[column.column.name]);
  } catch (error) {
    throw new RowError(
      index,
      column.column.name,
      `record ${index}, column "${column.column.name}" (${column.column.sqlType}): ${(error as Error).message}`,
    );
  }
}

/**
 * Records `from` to `to` of a page in COPY text format: tab-separated, escaped, `\N` for NULL.
 *
 * @example
 * encodeCopy([{ id: 1, name: "a\tb" }], columns); // "1\ta\\tb\n"
 */
export function encodeCopy(
  records: readonly Value[],
  columns: readonly PageColumn[],
  from = 0,
  to = records.length,
): string {
  let out = "";
  const last = columns.length - 1;
  for (let index = from; index < to; index++) {
    const record = records[index] as ValueObject;
    for (let c = 0; c <= last; c++) {
      const column = columns[c] as PageColumn;
      const value = record[column.column.name];
      // Numbers and booleans print without tabs, newlines or backslashes: nothing to escape.
      const text = cell(column, record, index);
      out += typeof value === "number" || typeof value === "boolean" ? (text as string) : copyEscape(text);
      out += c === last ? "\n" : "\t";
    }
  }
  return out;
}

/** One page in COPY text format for a single jsonb column: each record as JSON. */
export function encodeCopyJsonb(records: readonly Value[]): string {
  let out = "";
  for (const record of records) out += `${copyEscape(JSON.stringify(record))}\n`;
  return out;
}

/**
 * Rows `from` to `to` of a page as one Postgres `text[]` literal per column (`{"a","b",NULL}`),
 * for `unnest($1::text[], …)`. Built here in one pass rather than handing pg arrays of strings to
 * quote element by element.
 */
export function encodeColumns(
  records: readonly Value[],
  columns: readonly PageColumn[],
  from = 0,
  to = records.length,
): string[] {
  const out: string[] = [];
  for (const column of columns) {
    let literal = "{";
    for (let index = from; index < to; index++) {
      if (index > from) literal += ",";
      const text = cell(column, records[index] as ValueObject, index);
      if (text === null) literal += "NULL";
      else if (text.indexOf('"') === -1 && text.indexOf("\\") === -1) literal += `"${text}"`;
      else literal += `"${text.replace(/[\\"]/g, "\\$&")}"`;
    }
    out.push(`${literal}}`);
  }
  return out;
}

/** Rows `from` to `to` of a page as one flat list of text literals, row after row, for VALUES. */
export function encodeRows(
  records: readonly Value[],
  columns: readonly PageColumn[],
  from: number,
  to: number,
): (string | null)[] {
  const out: (string | null)[] = [];
  for (let index = from; index < to; index++) {
    const record = records[index] as ValueObject;
    for (const column of columns) out.push(cell(column, record, index));
  }
  return out;
}

/** The jsonb column's values of rows `from` to `to`. */
export function encodeJsonb(records: readonly Value[], from = 0, to = records.length): string[] {
  const out = new Array<string>(to - from);
  for (let index = from; index < to; index++) out[index - from] = JSON.stringify(records[index]);
  return out;
}

/**
 * Splits an upsert page into the last operation per key ({@link planKeyedWrites}), keys compared
 * by the text each key column writes, so two records the table sees as one key are one key.
 */
export function lastPerKey(
  records: readonly Value[],
  keyColumns: readonly PageColumn[],
  marker: DeleteMarker | undefined,
): KeyedWrites {
  const byName = new Map(keyColumns.map((k) => [k.column.name, k]));
  return planKeyedWrites(records, {
    mode: "upsert",
    key: keyColumns.map((k) => k.column.name),
    marker,
    keyText: (column, _value, index) =>
      cell(byName.get(column) as PageColumn, records[index] as ValueObject, index) ?? "",
  });
}

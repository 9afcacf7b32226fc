import { type ColumnType, serializerFor, type TextSerializer } from "faucet-common-postgres";
import { type DeleteMarker, type KeyedWrites, planKeyedWrites, RowError } from "faucet-common-sql";
import type { Value, ValueObject } from "faucet-core";

/** One column of the destination table, as the catalog describes it. */
export interface TargetColumn extends ColumnType {
  name: string;
  /** `format_type(…)`: the exact SQL type, e.g. `numeric(38,10)`, `integer[]`. */
  sqlType: string;
  /** The same for a domain's base type (what a query over the column reports); else `sqlType`. */
  baseType: string;
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

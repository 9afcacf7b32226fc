import { type ColumnType, copyEscape, serializerFor, type TextSerializer } from "faucet-common-postgres";
import { isValueObject, type Value, type ValueObject } from "faucet-core";

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

/** A record of a page that cannot be written, by its index in the page. */
export class RowError extends Error {
  override readonly name = "RowError";
  readonly index: number;
  readonly column: string | undefined;

  constructor(index: number, column: string | undefined, message: string) {
    super(message);
    this.index = index;
    this.column = column;
  }
}

/** A column of a page with the serializer of its values. */
export interface PageColumn {
  column: TargetColumn;
  serialize: TextSerializer;
}

/**
 * The columns a page writes with auto_map: the union of its records' keys, in table order, so
 * columns no record mentions keep their defaults and a key one record lacks is NULL. A key the
 * table has no column for fails the page unless `ignoreUnknown`.
 */
export function pageColumns(
  records: readonly Value[],
  table: ReadonlyMap<string, TargetColumn>,
  options: { ignoreUnknown: boolean; skip?: string | undefined; tableName: string },
): TargetColumn[] {
  const checked = new Set<string>();
  const used = new Set<string>();
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!isValueObject(record)) {
      throw new RowError(index, undefined, `record ${index} is ${describeValue(record)}, not an object`);
    }
    for (const key in record) {
      if (checked.has(key) || key === options.skip) continue;
      checked.add(key);
      const column = table.get(key);
      if (column && !column.generated) used.add(key);
      if (!column && !options.ignoreUnknown) {
        throw new RowError(index, key, `record ${index} has key "${key}" but ${options.tableName} has no such column`);
      }
    }
  }
  return [...table.values()].filter((c) => used.has(c.name));
}

function describeValue(value: Value | undefined): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
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
 * Splits an upsert page into the last operation per key: rows to upsert and keys to delete
 * (records whose `marker` field holds one of `markerValues`). Later records win, so one
 * statement never touches a row twice.
 */
export function lastPerKey(
  records: readonly Value[],
  keyColumns: readonly PageColumn[],
  marker: { field: string; values: readonly string[] } | undefined,
): { upserts: ValueObject[]; upsertIndex: number[]; deletes: ValueObject[]; deleteIndex: number[] } {
  const last = new Map<string, number>();
  const deleted = new Array<boolean>(records.length);
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!isValueObject(record)) throw new RowError(index, undefined, `record ${index} is not an object`);
    let id = "";
    for (const key of keyColumns) {
      const text = cell(key, record, index);
      if (text === null) {
        throw new RowError(index, key.column.name, `record ${index} has no value for key column "${key.column.name}"`);
      }
      id += `${text.length}:${text}`;
    }
    const flag = marker ? record[marker.field] : undefined;
    deleted[index] =
      marker !== undefined && flag !== undefined && flag !== null && marker.values.includes(String(flag));
    last.delete(id); // re-insert so the map keeps the order of each key's last appearance
    last.set(id, index);
  }
  const out = {
    upserts: [] as ValueObject[],
    upsertIndex: [] as number[],
    deletes: [] as ValueObject[],
    deleteIndex: [] as number[],
  };
  for (const index of last.values()) {
    const record = records[index] as ValueObject;
    if (deleted[index]) {
      out.deletes.push(record);
      out.deleteIndex.push(index);
    } else {
      out.upserts.push(record);
      out.upsertIndex.push(index);
    }
  }
  return out;
}

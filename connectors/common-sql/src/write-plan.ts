import { FaucetError, hasKeySequence, isValueObject, type Value, type ValueObject } from "faucet-core";
import type { DeleteMarker } from "./config.js";

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

/** `null`, `an array`, `a string`, …: how errors name a value that is not a record. */
export function describeValue(value: Value | undefined): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** What {@link pageColumns} needs to know about a destination column. */
export interface NamedColumn {
  name: string;
  /** Generated columns cannot be written; their keys are ignored. */
  generated?: boolean | undefined;
}

/** Options of {@link pageColumns}. */
export interface PageColumnsOptions {
  /** Drop keys the table has no column for instead of failing. */
  ignoreUnknown: boolean;
  /** A key never written (the delete marker's field). */
  skip?: string | undefined;
  /** How errors name the table, e.g. `` `test`.`orders` ``. */
  tableName: string;
}

/**
 * The columns a page writes with auto_map: the union of its records' keys, in table order, so
 * columns no record mentions keep their defaults and a key one record lacks is NULL. A record
 * that is not an object, or a key the table has no column for (unless `ignoreUnknown`), fails the
 * page with a {@link RowError} naming the record.
 *
 * @example
 * pageColumns([{ id: 1 }, { id: 2, v: "x" }], new Map([["id", { name: "id" }], ["v", { name: "v" }]]), { ignoreUnknown: false, tableName: "t" });
 * // [{ name: "id" }, { name: "v" }]
 */
export function pageColumns<C extends NamedColumn>(
  records: readonly Value[],
  table: ReadonlyMap<string, C>,
  options: PageColumnsOptions,
): C[] {
  const checked = new Set<string>();
  const used = new Set<string>();
  // Records of a page nearly always share one key sequence: one already checked is recognised
  // by comparing its keys with the last new sequence's (pointer comparisons), not looked up.
  let known: string[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!isValueObject(record)) throw notAnObject(index, record);
    if (index > 0 && hasKeySequence(record, known)) continue;
    known = [];
    for (const key in record) {
      known.push(key);
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

/** A keyed page split into the last operation per key. */
export interface KeyedWrites {
  upserts: ValueObject[];
  /** The page index of each upsert. */
  upsertIndex: number[];
  deletes: ValueObject[];
  /** The page index of each delete. */
  deleteIndex: number[];
}

/** Options of {@link planKeyedWrites}. */
export interface KeyedWriteOptions {
  mode: "upsert" | "delete";
  key: readonly string[];
  marker?: DeleteMarker | undefined;
  /**
   * The identity of one key value. Default: a string as itself, anything else as JSON — so a
   * sink whose key column is text should pass its own (the column's text form).
   */
  keyText?: (column: string, value: Value, index: number) => string;
  /**
   * Report a record whose key cannot be read (not an object, a key column missing or null) here
   * and leave it out of the plan, instead of failing the page: for a sink that sets such records
   * aside (the Rust faucet-stream's `failed` list).
   */
  onRowError?: (error: RowError) => void;
  /** Drop the marker field from upserted records, for a sink that writes every key it is given. */
  stripMarker?: boolean;
}

const defaultKeyText = (_column: string, value: Value): string =>
  typeof value === "string" ? value : JSON.stringify(value);

/** True when `record` carries the delete marker. */
export function isDeleteMarked(record: ValueObject, marker: DeleteMarker | undefined): boolean {
  if (!marker) return false;
  const flag = record[marker.field];
  return flag !== undefined && flag !== null && marker.values.includes(typeof flag === "string" ? flag : String(flag));
}

/**
 * Splits an upsert or delete page into the last operation per key (later records win, so one
 * statement never touches a row twice): rows to upsert, and keys to delete — every record in
 * delete mode, the delete-marked ones in upsert mode. A record without a value for a key column
 * fails the page with a {@link RowError} (or goes to `onRowError`).
 *
 * @example
 * planKeyedWrites([{ id: 1, v: "a" }, { id: 1, v: "b" }], { mode: "upsert", key: ["id"] }).upserts;
 * // [{ id: 1, v: "b" }]
 */
export function planKeyedWrites(records: readonly Value[], options: KeyedWriteOptions): KeyedWrites {
  const keyText = options.keyText ?? defaultKeyText;
  const marker = options.marker;
  const last = new Map<string, number>();
  const deleted = new Array<boolean>(records.length);
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const id = isValueObject(record) ? keyIdentity(record, index, options.key, keyText) : notAnObject(index, record);
    if (id instanceof RowError) {
      if (!options.onRowError) throw id;
      options.onRowError(id);
      continue;
    }
    deleted[index] = options.mode === "delete" || isDeleteMarked(record as ValueObject, marker);
    last.delete(id); // re-insert so the map keeps the order of each key's last appearance
    last.set(id, index);
  }
  const out: KeyedWrites = { upserts: [], upsertIndex: [], deletes: [], deleteIndex: [] };
  for (const index of last.values()) {
    const record = records[index] as ValueObject;
    if (deleted[index]) {
      out.deletes.push(record);
      out.deleteIndex.push(index);
    } else {
      out.upserts.push(
        options.stripMarker && marker && marker.field in record ? without(record, marker.field) : record,
      );
      out.upsertIndex.push(index);
    }
  }
  return out;
}

/** The identity of a record's key (each column's text, length-prefixed), or why it has none. */
function keyIdentity(
  record: ValueObject,
  index: number,
  key: readonly string[],
  keyText: NonNullable<KeyedWriteOptions["keyText"]>,
): string | RowError {
  let id = "";
  for (const column of key) {
    const value = record[column];
    if (value === undefined)
      return new RowError(index, column, `record ${index} has no value for key column "${column}"`);
    if (value === null)
      return new RowError(index, column, `record ${index} has a null value for key column "${column}"`);
    const text = keyText(column, value, index);
    id += `${text.length}:${text}`;
  }
  return id;
}

function notAnObject(index: number, record: Value | undefined): RowError {
  return new RowError(index, undefined, `record ${index} is ${describeValue(record)}, not an object`);
}

function without(record: ValueObject, field: string): ValueObject {
  const { [field]: _, ...rest } = record;
  return rest;
}

/**
 * The FaucetError of a page that was not written because of one record: kind `sink`, not
 * retryable, the record's index in the message, and a hint that fits the cause.
 *
 * @example
 * catch (err) { if (err instanceof RowError) throw rowFailure(err, "sink-mysql"); }
 */
export function rowFailure(error: RowError, connector: string): FaucetError {
  const unknownKey = /has no such column/.test(error.message);
  return new FaucetError("sink", `the page was not written: ${error.message}`, {
    cause: error,
    connector,
    retryable: false,
    hint: unknownKey
      ? "add the column, set ignore_unknown: true, or set the pipeline's schema.on_drift: evolve"
      : "fix or drop the record with a transform, or configure a dead-letter sink",
  });
}

import { FaucetError, isValueObject, type LogicalType, type Value, type ValueObject } from "faucet-core";

/** SQLite's limit on `?` parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
export const MAX_VARIABLES = 32766;

/** What an upsert or delete page turns into: deduplicated by key, last write wins. */
export interface WritePlan {
  upserts: ValueObject[];
  /** The page index of each upsert. */
  upsertIndex: number[];
  deletes: Value[][];
  /** The page index of each delete. */
  deleteIndex: number[];
  /** Records whose key could not be read, by their index in the page. */
  failed: { index: number; error: FaucetError }[];
}

/** The spec of a keyed write. */
export interface KeyedSpec {
  mode: "upsert" | "delete";
  key: readonly string[];
  marker?: { field: string; values: readonly string[] } | undefined;
  connector: string;
}

/**
 * Splits a page into upserts and deletes by key, keeping the last action per key (the Rust
 * faucet-stream `plan_writes`): delete-marked records become deletes and lose their marker.
 *
 * @example
 * planWrites([{ id: 1, v: "a" }, { id: 1, v: "b" }], { mode: "upsert", key: ["id"], connector: "sink-sqlite" }).upserts;
 * // [{ id: 1, v: "b" }]
 */
export function planWrites(records: readonly Value[], spec: KeyedSpec): WritePlan {
  const slots = new Map<string, number>();
  const actions: ({ upsert: ValueObject; index: number } | { delete: Value[]; index: number })[] = [];
  const failed: WritePlan["failed"] = [];
  const marker = spec.marker;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    if (!isValueObject(record)) {
      failed.push({ index, error: keyError(`record ${index} is not a JSON object`, spec) });
      continue;
    }
    const tuple: Value[] = [];
    let problem: string | undefined;
    for (const column of spec.key) {
      const value = record[column];
      if (value === undefined) problem = `record ${index} has no key column ${JSON.stringify(column)}`;
      else if (value === null) problem = `record ${index} has a null value for key column ${JSON.stringify(column)}`;
      if (problem) break;
      tuple.push(value as Value);
    }
    if (problem) {
      failed.push({ index, error: keyError(problem, spec) });
      continue;
    }
    const flag = marker ? record[marker.field] : undefined;
    const isDelete = spec.mode === "delete" || (typeof flag === "string" && (marker?.values.includes(flag) ?? false));
    let action: { upsert: ValueObject; index: number } | { delete: Value[]; index: number };
    if (isDelete) action = { delete: tuple, index };
    else if (marker && marker.field in record) {
      const { [marker.field]: _, ...rest } = record;
      action = { upsert: rest, index };
    } else action = { upsert: record, index };
    const canonical = JSON.stringify(tuple);
    const slot = slots.get(canonical);
    if (slot === undefined) {
      slots.set(canonical, actions.length);
      actions.push(action);
    } else actions[slot] = action;
  }
  const plan: WritePlan = { upserts: [], upsertIndex: [], deletes: [], deleteIndex: [], failed };
  for (const action of actions) {
    if ("upsert" in action) {
      plan.upserts.push(action.upsert);
      plan.upsertIndex.push(action.index);
    } else {
      plan.deletes.push(action.delete);
      plan.deleteIndex.push(action.index);
    }
  }
  return plan;
}

function keyError(message: string, spec: KeyedSpec): FaucetError {
  return new FaucetError("sink", message, {
    connector: spec.connector,
    hint: `every record needs a non-null value for each key column (${spec.key.join(", ")}); configure a dlq to set such records aside`,
  });
}

/** The SQLite column type for a logical type (booleans are stored as 0/1 integers). */
export function sqliteType(type: LogicalType): string {
  switch (type) {
    case "integer":
    case "boolean":
      return "INTEGER";
    case "number":
      return "REAL";
    default:
      return "TEXT";
  }
}

/**
 * Whether integers bound to a column of this declared type must be bound as INTEGER rather than
 * REAL to keep their text form (`3`, not `3.0`): true for TEXT and untyped (BLOB) affinity.
 */
export function needsIntegerBinding(declaredType: string): boolean {
  const t = declaredType.toUpperCase();
  if (t.includes("INT")) return false;
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return true;
  if (t === "" || t.includes("BLOB")) return true;
  return false;
}

/** Rows per statement so that rows × columns stays under the variable limit (and `batchSize`). */
export function rowsPerStatement(columns: number, batchSize: number): number {
  const byLimit = Math.max(1, Math.floor(MAX_VARIABLES / Math.max(1, columns)));
  return batchSize > 0 ? Math.min(batchSize, byLimit) : byLimit;
}

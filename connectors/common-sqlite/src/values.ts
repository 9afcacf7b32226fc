import type { Value } from "faucet-core";

/** SQLite's limit on `?` parameters per statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32). */
export const MAX_VARIABLES = 32766;

/** What SQLite can bind: numbers, strings, bigints, byte arrays and null. */
export type SqliteParameter = number | string | bigint | Uint8Array | null;

/**
 * A JSON value as a SQLite parameter: booleans become 0/1 (libsql cannot bind booleans),
 * objects and arrays JSON text, non-finite numbers null. With `integerAsBigint`, integers bind
 * as INTEGER rather than REAL, so a TEXT column stores `3`, not `3.0`.
 *
 * @example
 * toSqlite(true); // 1
 * toSqlite({ a: 1 }); // '{"a":1}'
 */
export function toSqlite(value: Value | undefined, integerAsBigint = false): SqliteParameter {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) return null;
      return integerAsBigint && Number.isInteger(value) ? BigInt(value) : value;
    case "boolean":
      return value ? 1 : 0;
    case "object":
      return value === null ? null : JSON.stringify(value);
    default:
      return null;
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A value read from SQLite as JSON: integers beyond ±2^53 (read as bigint) become strings so no
 * digit is lost, blobs become base64 text.
 *
 * @example
 * fromSqlite(9007199254740993n); // "9007199254740993"
 */
export function fromSqlite(value: unknown): Value {
  switch (typeof value) {
    case "bigint":
      return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
    case "number":
    case "string":
      return value;
    case "object":
      if (value === null) return null;
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
      if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
      return null;
    default:
      return null;
  }
}

/**
 * Whether integers bound to a column of this declared type must be bound as INTEGER rather than
 * REAL to keep their text form (`3`, not `3.0`): true for TEXT and untyped (BLOB) affinity.
 *
 * @example
 * needsIntegerBinding("TEXT"); // true
 */
export function needsIntegerBinding(declaredType: string): boolean {
  const t = declaredType.toUpperCase();
  if (t.includes("INT")) return false;
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return true;
  if (t === "" || t.includes("BLOB")) return true;
  return false;
}

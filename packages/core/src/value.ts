/**
 * A JSON value: the unit of data that flows through faucet. A record is a `Value`, usually an
 * object. Integers outside ±2^53 and exact decimals travel as strings so no precision is lost.
 */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** A JSON object: the usual shape of a record. */
export type ValueObject = { [key: string]: Value };

/** A JSON Schema document, as produced by {@link schemaFor}. */
export type JsonSchema = { [key: string]: unknown };

/**
 * True when `value` is a plain JSON object (not null, not an array).
 *
 * @example
 * isValueObject({ id: 1 }); // true
 * isValueObject([1]);       // false
 */
export function isValueObject(value: unknown): value is ValueObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a (possibly dotted) field path from a record: `"user.id"` reads `record.user.id`.
 * A key that itself contains a dot is found when it exists verbatim on the record.
 *
 * @example
 * getPath({ a: { b: 2 } }, "a.b"); // 2
 */
export function getPath(record: Value, path: string): Value | undefined {
  if (!isValueObject(record)) return undefined;
  if (Object.hasOwn(record, path)) return record[path];
  if (!path.includes(".")) return undefined;
  let current: Value | undefined = record;
  for (const part of path.split(".")) {
    if (!isValueObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

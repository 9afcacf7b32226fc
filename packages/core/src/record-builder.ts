/**
 * Records built from a row of values by one object literal compiled from the keys. A light
 * module (subpath `faucet-core/records`): it imports no zod, so parallel-pages workers may load it.
 */
import type { Value, ValueObject } from "./value.js";

/** Builds one record from the values of a row, in the order of the keys it was compiled from. */
export type RowRecordBuilder = (values: readonly Value[]) => ValueObject;

/**
 * Compiles a function that builds a record from row values as one object literal
 * (`{ "id": v[0], "name": v[1] }`): V8 creates it from a template with every property in place,
 * and every record it builds shares one hidden class. Keys are embedded as JSON string literals,
 * so no key can inject code, and `__proto__` becomes an own property, not the prototype. Compile
 * once per set of keys (per file, query or page shape), never per record.
 *
 * @example
 * const build = compileRecordBuilder(["id", "name"]);
 * build([1, "Ada"]); // { id: 1, name: "Ada" }
 */
export function compileRecordBuilder(keys: readonly string[]): RowRecordBuilder {
  // A literal `"__proto__": v` would set the prototype; the computed form defines a property.
  const properties = keys.map((key, i) => `${key === "__proto__" ? `["__proto__"]` : JSON.stringify(key)}: v[${i}]`);
  return new Function("v", `"use strict"; return { ${properties.join(", ")} };`) as RowRecordBuilder;
}

/**
 * True when `record`'s `for…in` keys are exactly `keys`, in order: how code that handles pages
 * of same-shaped records recognises a shape it has already worked out. `for…in` walks V8's enum
 * cache without allocating (an `Object.keys` array per record costs more than the comparison).
 * It also yields inherited enumerable keys, which make the comparison fail.
 *
 * @example
 * hasKeySequence({ id: 1, name: "Ada" }, ["id", "name"]); // true
 */
export function hasKeySequence(record: object, keys: readonly string[]): boolean {
  let j = 0;
  for (const key in record) {
    if (keys[j] !== key) return false;
    j++;
  }
  return j === keys.length;
}

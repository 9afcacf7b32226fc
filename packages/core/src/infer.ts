import type { LogicalType } from "./sink.js";
import type { Value } from "./value.js";
import { isValueObject } from "./value.js";

/**
 * The logical type of one value, or undefined for null. Strings stay strings: a sink that wants
 * to store `"9007199254740993"` as a big integer must say so itself.
 *
 * @example
 * logicalTypeOf(3);        // "integer"
 * logicalTypeOf([1, 2]);   // "json"
 */
export function logicalTypeOf(value: Value | undefined): LogicalType | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case "number":
      return Number.isInteger(value) ? "integer" : "number";
    case "boolean":
      return "boolean";
    case "string":
      return "string";
    default:
      return "json";
  }
}

/**
 * The narrowest type that holds both: integer widens to number; anything else mixed becomes
 * string (JSON text), so no value is ever lost.
 *
 * @example
 * widenLogicalType("integer", "number"); // "number"
 * widenLogicalType("boolean", "integer"); // "string"
 */
export function widenLogicalType(a: LogicalType | undefined, b: LogicalType | undefined): LogicalType | undefined {
  if (a === undefined) return b;
  if (b === undefined || a === b) return a;
  if ((a === "integer" && b === "number") || (a === "number" && b === "integer")) return "number";
  return "string";
}

/**
 * Column names in first-seen order with the widened type of their values (`string` when every
 * value is null). This is how sinks with `create_table` pick column types.
 *
 * @example
 * inferColumns([{ id: 1, tags: ["a"] }, { id: 2.5 }]);
 * // [{ name: "id", type: "number" }, { name: "tags", type: "json" }]
 */
export function inferColumns(records: readonly Value[]): { name: string; type: LogicalType }[] {
  const types = new Map<string, LogicalType | undefined>();
  for (const record of records) {
    if (!isValueObject(record)) continue;
    for (const key in record) {
      types.set(key, widenLogicalType(types.get(key), logicalTypeOf(record[key])));
    }
  }
  return [...types].map(([name, type]) => ({ name, type: type ?? "string" }));
}

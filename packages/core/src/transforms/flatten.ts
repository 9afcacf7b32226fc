import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import type { Row } from "./shared.js";
import { BoundedCache, hasField, named, transformError, writeField } from "./shared.js";

export const FlattenConfig = z.strictObject({
  separator: z.string().default("__").describe("Separator joining nested keys (default `__`: `{a: {b: 1}}` → `a__b`)"),
  max_depth: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "Merge at most this many levels of nested objects into the top level; deeper objects stay as values. Default: no limit",
    ),
});
export type FlattenTransformConfig = z.input<typeof FlattenConfig>;

function isNested(value: Value | undefined): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `flatten`: nested objects become top-level keys joined by `separator`. Arrays stay as they are,
 * an empty nested object stays as `{}` under its key (faucet-stream drops it), and two paths that
 * meet on one key (`{"a__b": 1, "a": {"b": 2}}`) fail the page instead of losing a value.
 */
export const flattenDefinition = defineTransform({
  type: "flatten",
  description: "Flatten nested objects into a single level (configurable separator and depth).",
  config: FlattenConfig,
  create: (config) => {
    const separator = config.separator;
    const maxDepth = config.max_depth ?? Number.POSITIVE_INFINITY;
    // Joined keys repeat record after record: cache prefix → key → joined.
    const joined = new BoundedCache<BoundedCache<string>>(1_000);
    const join = (prefix: string, key: string): string => {
      let inner = joined.get(prefix);
      if (inner === undefined) {
        inner = new BoundedCache<string>(1_000);
        joined.set(prefix, inner);
      }
      let full = inner.get(key);
      if (full === undefined) {
        full = prefix + separator + key;
        inner.set(key, full);
      }
      return full;
    };

    const place = (out: Row, key: string, value: Value): void => {
      if (hasField(out, key)) {
        throw transformError(
          "flatten",
          `two fields collapse to the key \`${key}\` (separator \`${separator}\`); flattening would lose a value`,
          "rename one of the fields first, or choose another separator",
        );
      }
      writeField(out, key, value);
    };

    const into = (out: Row, object: Row, prefix: string, depth: number): void => {
      for (const key in object) {
        const value = object[key] as Value;
        const full = prefix === "" ? key : join(prefix, key);
        let empty = true;
        if (depth < maxDepth && isNested(value)) {
          for (const _ in value) {
            empty = false;
            break;
          }
          if (!empty) {
            into(out, value, full, depth + 1);
            continue;
          }
        }
        place(out, full, value);
      }
    };

    return named("flatten", (records) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        if (!isNested(record)) continue;
        let nested = false;
        for (const key in record) {
          if (isNested(record[key])) {
            nested = true;
            break;
          }
        }
        if (!nested) continue; // already flat: no allocation
        const out: Row = {};
        into(out, record, "", 0);
        records[i] = out;
      }
      return records;
    });
  },
});

import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import { compilePath, pathProblem } from "./path.js";
import type { Row } from "./shared.js";
import { hasField, isPlainObject, named, transformError, writeField } from "./shared.js";

const PATH = z.string().superRefine((path, ctx) => {
  const problem = pathProblem(path);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const ExplodeConfig = z.strictObject({
  path: PATH.describe(
    "The array to expand: a key, a dot path (`order.lines`, `$.order.lines`) or a quoted key (`$['order-lines']`)",
  ),
  prefix: z
    .string()
    .optional()
    .describe(
      "Prefix for the fields of an object element (default: the last path segment, so `lines` → `lines_sku`); empty merges them as they are",
    ),
  separator: z.string().default("_").describe("Between the prefix and an element's field name (default `_`)"),
  on_missing: z
    .enum(["passthrough", "drop", "error"])
    .default("passthrough")
    .describe(
      "When the path is not a non-empty array: `passthrough` (default) keeps the record as it is, `drop` removes it, `error` fails the page",
    ),
  carry: z
    .record(z.string(), PATH)
    .default({})
    .describe(
      "Parent fields copied onto every child: `{child_field: 'parent.dot.path'}`, useful when the array is nested",
    ),
});
export type ExplodeTransformConfig = z.input<typeof ExplodeConfig>;

/**
 * `explode`: one record per element of an array. An object element's fields are merged into the
 * array's parent object (prefixed); any other element replaces the array in place. Children
 * share the parent's untouched nested values (transforms treat nested values as read-only).
 */
export const explodeDefinition = defineTransform({
  type: "explode",
  description: "Expand an array field into one record per element.",
  config: ExplodeConfig,
  create: (config) => {
    const path = compilePath(config.path);
    const parents = path.segments.slice(0, -1);
    const leaf = path.segments[path.segments.length - 1] as string;
    const prefix = config.prefix ?? leaf;
    const head = prefix === "" ? "" : prefix + config.separator;
    const carry = Object.entries(config.carry).map(([field, source]) => [field, compilePath(source).get] as const);
    const onMissing = config.on_missing;

    /** A copy of `record` with the parent containers along the path copied, and the element merged in. */
    const child = (record: Row, element: Value, carried: Value[]): Row => {
      const root: Row = { ...record };
      let container = root;
      for (const segment of parents) {
        const copy: Row = { ...(container[segment] as Row) };
        container[segment] = copy;
        container = copy;
      }
      if (isPlainObject(element)) {
        const merged: Row = {};
        for (const key in container) if (key !== leaf) writeField(merged, key, container[key] as Value);
        for (const key in element) {
          const name = head === "" ? key : head + key;
          if (hasField(merged, name)) {
            throw transformError(
              "explode",
              `merging an element of \`${path.text}\` would overwrite the field \`${name}\``,
              "set a prefix",
            );
          }
          writeField(merged, name, element[key] as Value);
        }
        if (parents.length === 0) return finish(merged, carried);
        replaceContainer(root, merged);
        return finish(root, carried);
      }
      writeField(container, leaf, element);
      return finish(root, carried);
    };

    const replaceContainer = (root: Row, merged: Row): void => {
      let container = root;
      for (let s = 0; s < parents.length - 1; s++) container = container[parents[s] as string] as Row;
      container[parents[parents.length - 1] as string] = merged;
    };

    const finish = (row: Row, carried: Value[]): Row => {
      for (let c = 0; c < carry.length; c++) {
        const value = carried[c];
        if (value !== undefined) writeField(row, (carry[c] as readonly [string, unknown])[0], value);
      }
      return row;
    };

    return named("explode", (records) => {
      const out: Value[] = [];
      const carried: Value[] = new Array(carry.length);
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        const elements = path.get(record);
        if (!Array.isArray(elements) || elements.length === 0) {
          if (onMissing === "passthrough") out.push(record);
          else if (onMissing === "error") {
            throw transformError(
              "explode",
              `path \`${path.text}\` did not yield a non-empty array`,
              "set on_missing: passthrough or drop",
            );
          }
          continue;
        }
        for (let c = 0; c < carry.length; c++)
          carried[c] = (carry[c] as readonly [string, (r: Value) => Value | undefined])[1](record) as Value;
        for (let e = 0; e < elements.length; e++) out.push(child(record as Row, elements[e] as Value, carried));
      }
      return out;
    });
  },
});

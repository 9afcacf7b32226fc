import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import type { Row } from "./shared.js";
import { isPlainObject, isRiskyKey, named, readField, writeField } from "./shared.js";

/** The key a CDC source stamps on a row image to list the columns the log did not carry. */
const UNCHANGED_TOAST = "__unchanged_toast__";

export const CdcUnwrapConfig = z.strictObject({
  op_field: z.string().default("op").describe("Envelope field holding the operation (default `op`)"),
  after_field: z
    .string()
    .default("after")
    .describe("Envelope field holding the row after the change (default `after`)"),
  before_field: z
    .string()
    .default("before")
    .describe("Envelope field holding the row before the change (default `before`)"),
  key_field: z
    .string()
    .default("document_key")
    .describe(
      "Fallback object holding a delete's key when `before` is absent (default `document_key`, as MongoDB sends)",
    ),
  marker_field: z
    .string()
    .default("__op")
    .describe("Field stamped on every row: `u` for an insert/update, `d` for a delete (default `__op`)"),
  delete_ops: z
    .array(z.string())
    .default(["d", "delete"])
    .describe("Operation values that mean delete (default `d`, `delete`)"),
  drop_ops: z
    .array(z.string())
    .default(["ddl", "truncate"])
    .describe("Operation values whose events are dropped (default `ddl`, `truncate`)"),
  key_fields: z
    .array(z.string())
    .optional()
    .describe(
      "When set, a delete row carries only these fields of `before` (the key) besides the marker; default: the whole `before` row",
    ),
});
export type CdcUnwrapTransformConfig = z.input<typeof CdcUnwrapConfig>;

/**
 * `cdc_unwrap`: turns a change event `{op, before, after, …}` into the row an upsert sink writes:
 * `after` plus `__op: "u"`, or for a delete the `before` row (or just its key fields) plus
 * `__op: "d"`. DDL and truncate events are dropped, and so (with a warning) are events that
 * carry no usable row.
 */
export const cdcUnwrapDefinition = defineTransform({
  type: "cdc_unwrap",
  description: "Normalize a CDC envelope into a flat row + delete marker (for upsert sinks).",
  config: CdcUnwrapConfig,
  create: (config) => {
    const deletes = new Set(config.delete_ops);
    const drops = new Set(config.drop_ops);
    const fields = [config.op_field, config.after_field, config.before_field, config.key_field];
    const [opRisky, afterRisky, beforeRisky, keyRisky] = fields.map(isRiskyKey);
    const keyFields = config.key_fields;
    const keyRiskyFlags = keyFields?.map(isRiskyKey);
    const marker = config.marker_field;

    const image = (source: Row, only: string[] | undefined): Row => {
      const row: Row = {};
      if (only) {
        for (let k = 0; k < only.length; k++) {
          const value = readField(source, only[k] as string, (keyRiskyFlags as boolean[])[k] as boolean);
          if (value !== undefined) writeField(row, only[k] as string, value);
        }
      } else {
        for (const key in source) if (key !== UNCHANGED_TOAST) writeField(row, key, source[key] as Value);
      }
      return row;
    };

    return named("cdc_unwrap", (records, ctx) => {
      const out: Value[] = [];
      let unusable = 0;
      for (let i = 0; i < records.length; i++) {
        const event = records[i] as Value;
        if (!isPlainObject(event)) {
          unusable++;
          continue;
        }
        const op = readField(event, config.op_field, opRisky as boolean);
        const name = typeof op === "string" ? op : "";
        if (drops.has(name)) continue;
        const isDelete = deletes.has(name);
        let source: Value | undefined;
        if (isDelete) {
          source = readField(event, config.before_field, beforeRisky as boolean);
          if (!isPlainObject(source)) source = readField(event, config.key_field, keyRisky as boolean);
        } else {
          source = readField(event, config.after_field, afterRisky as boolean);
        }
        if (!isPlainObject(source)) {
          unusable++;
          continue;
        }
        const row = image(source, isDelete ? keyFields : undefined);
        writeField(row, marker, isDelete ? "d" : "u");
        out.push(row);
      }
      if (unusable > 0) {
        ctx.logger.warn("cdc_unwrap: dropped change events that carry no usable row image", {
          count: unusable,
          page: ctx.pageIndex,
        });
      }
      return out;
    });
  },
});

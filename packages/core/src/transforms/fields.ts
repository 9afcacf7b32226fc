import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import * as code from "./codegen.js";
import { fusable } from "./fuse.js";
import { compileBuilder, keysOf, type RecordBuilder, ShapeMemo } from "./shape.js";
import type { Row } from "./shared.js";
import {
  cloneValue,
  hasField,
  isPlainObject,
  isRiskyKey,
  named,
  readField,
  transformError,
  writeField,
} from "./shared.js";

const FIELDS = z.array(z.string()).describe("Top-level field names to act on");

export const FieldsConfig = z.strictObject({ fields: FIELDS });
export type FieldsTransformConfig = z.input<typeof FieldsConfig>;

// ── select ─────────────────────────────────────────────────────────────────────────────────────

/** `select`: keeps only the listed fields, in the listed order; a missing field is skipped. */
export const selectDefinition = defineTransform({
  type: "select",
  description: "Keep only the listed top-level fields; drop the rest.",
  config: FieldsConfig,
  create: ({ fields }) => {
    const keys = [...new Set(fields)];
    const risky = keys.map(isRiskyKey);
    const memo = new ShapeMemo<RecordBuilder>();
    const slow = (record: Row): Row => {
      const out: Row = {};
      for (let f = 0; f < keys.length; f++) {
        const key = keys[f] as string;
        const value = readField(record, key, risky[f] as boolean);
        if (value !== undefined) writeField(out, key, value);
      }
      return out;
    };
    const stage = named("select", (records) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        if (!isPlainObject(record)) continue;
        let plan = memo.find(record, false);
        if (plan === undefined && memo.learning) {
          const present = new Set(keysOf(record));
          plan = compileBuilder(keys.filter((key) => present.has(key)).map((key) => [key, key] as const));
          memo.remember(record, plan);
        }
        records[i] = plan === undefined ? slow(record) : plan(record);
      }
      return records;
    });
    return fusable(stage, (chain) => {
      const present = keys.map((key) => chain.find(key));
      chain.fields = present.filter((field) => field !== undefined);
      return true;
    });
  },
});

// ── drop ───────────────────────────────────────────────────────────────────────────────────────

/** `drop`: removes the listed fields; a missing field is skipped. */
export const dropDefinition = defineTransform({
  type: "drop",
  description: "Remove the listed top-level fields.",
  config: FieldsConfig,
  create: ({ fields }) => {
    const dropped = new Set(fields);
    const memo = new ShapeMemo<RecordBuilder | null>();
    const slow = (record: Row): Row => {
      const out: Row = {};
      for (const key in record) if (!dropped.has(key)) writeField(out, key, record[key] as Value);
      return out;
    };
    const stage = named("drop", (records) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        if (!isPlainObject(record)) continue;
        let plan = memo.find(record, false);
        if (plan === undefined && memo.learning) {
          const keys = keysOf(record);
          // Rebuilt rather than `delete`d: deleting drops V8 objects into slow dictionary mode.
          plan = keys.some((key) => dropped.has(key))
            ? compileBuilder(keys.filter((key) => !dropped.has(key)).map((key) => [key, key] as const))
            : null;
          memo.remember(record, plan);
        }
        if (plan === undefined) records[i] = slow(record);
        else if (plan !== null) records[i] = plan(record);
      }
      return records;
    });
    return fusable(stage, (chain) => {
      chain.fields = chain.fields.filter((field) => !dropped.has(field.key));
      return true;
    });
  },
});

// ── redact ─────────────────────────────────────────────────────────────────────────────────────

export const RedactConfig = z.strictObject({
  fields: FIELDS,
  mask: z.json().default("***").describe('Replacement value, any JSON value (default the string `"***"`)'),
});
export type RedactTransformConfig = z.input<typeof RedactConfig>;

/** `redact`: overwrites each listed field that is present with `mask`. */
export const redactDefinition = defineTransform({
  type: "redact",
  description: "Overwrite the listed fields with a mask value (default `***`).",
  config: RedactConfig,
  create: ({ fields, mask }) => {
    const shared = typeof mask !== "object" || mask === null;
    const value = shared ? "H.mask" : "H.clone(H.mask)";
    const body = [...new Set(fields)]
      .map((key) => `if (${code.readField(key)} !== undefined) { ${code.writeField(key, value)} }`)
      .join("\n");
    const stage = code.compileRecordLoop("redact", body, { mask, clone: cloneValue });
    return fusable(stage, (chain) => {
      const masked = shared ? chain.helper(mask) : `${chain.helper(cloneValue)}(${chain.helper(mask)})`;
      for (const key of new Set(fields)) {
        const field = chain.find(key);
        if (field) chain.emit(`if (${field.local} !== undefined) ${field.local} = ${masked};`);
      }
      return true;
    });
  },
});

// ── rename_field ───────────────────────────────────────────────────────────────────────────────

export const RenameFieldConfig = z.strictObject({
  fields: z.record(z.string(), z.string()).describe("Map of old field name → new field name"),
});
export type RenameFieldTransformConfig = z.input<typeof RenameFieldConfig>;

/**
 * `rename_field`: exact-name renames of top-level fields, applied together against the record as
 * it was (so swaps and chains work) and in place in the key order. A target that already exists
 * on the record (and is not itself renamed away) fails the page instead of being overwritten.
 */
export const renameFieldDefinition = defineTransform({
  type: "rename_field",
  description: "Rename specific top-level fields by name.",
  config: RenameFieldConfig,
  create: ({ fields }) => {
    const pairs = Object.entries(fields)
      .filter(([from, to]) => from !== to)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const from = pairs.map(([source]) => source);
    const to = pairs.map(([, target]) => target);
    const riskyFrom = from.map(isRiskyKey);
    const targetOf = new Map(pairs);
    const present: boolean[] = new Array(pairs.length).fill(false);
    const memo = new ShapeMemo<RecordBuilder | null>();
    const slow = (record: Row): Row | null => {
      let count = 0;
      for (let p = 0; p < from.length; p++) {
        const here = readField(record, from[p] as string, riskyFrom[p] as boolean) !== undefined;
        present[p] = here;
        if (here) count++;
      }
      if (count === 0) return null;
      checkTargets((key) => hasField(record, key), from, to, present);
      const out: Row = {};
      for (const key in record) {
        const target = targetOf.get(key);
        writeField(out, target === undefined ? key : target, record[key] as Value);
      }
      return out;
    };
    const stage = named("rename_field", (records) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        if (!isPlainObject(record)) continue;
        let plan = memo.find(record, false);
        if (plan === undefined && memo.learning) {
          // Which renames apply, and whether they collide, depends only on the keys present.
          const keys = keysOf(record);
          const has = new Set(keys);
          for (let p = 0; p < from.length; p++) present[p] = has.has(from[p] as string);
          checkTargets((key) => hasField(record, key), from, to, present);
          plan = present.some(Boolean)
            ? compileBuilder(keys.map((key) => [targetOf.get(key) ?? key, key] as const))
            : null;
          memo.remember(record, plan);
        }
        if (plan === undefined) {
          const out = slow(record);
          if (out !== null) records[i] = out;
        } else if (plan !== null) records[i] = plan(record);
      }
      return records;
    });
    return fusable(stage, (chain) => {
      const has = new Set(chain.fields.map((field) => field.key));
      for (let p = 0; p < from.length; p++) present[p] = has.has(from[p] as string);
      checkTargets((key) => has.has(key), from, to, present);
      for (const field of chain.fields) field.key = targetOf.get(field.key) ?? field.key;
      return true;
    });
  },
});

function checkTargets(has: (key: string) => boolean, from: string[], to: string[], present: boolean[]): void {
  for (let p = 0; p < from.length; p++) {
    if (!present[p]) continue;
    const target = to[p] as string;
    for (let q = 0; q < p; q++) {
      if (present[q] && to[q] === target) {
        throw transformError("rename_field", `two fields rename to the same target \`${target}\``);
      }
    }
    if (!has(target)) continue;
    const renamedAway = from.some((source, q) => present[q] && source === target);
    if (!renamedAway) {
      throw transformError(
        "rename_field",
        `target field \`${target}\` already exists on the record (renaming from \`${from[p]}\`)`,
        "drop or rename the existing field first",
      );
    }
  }
}

// ── coalesce ───────────────────────────────────────────────────────────────────────────────────

export const CoalesceConfig = z
  .strictObject({
    field: z.string().describe("Target field, filled when it is missing or null"),
    default: z.json().optional().describe("Literal value to fill in. Set exactly one of `default` and `from`"),
    from: z
      .array(z.string())
      .default([])
      .describe(
        "Fallback fields; the first one that is present and not null wins. Set exactly one of `default` and `from`",
      ),
    treat_empty_string_as_null: z
      .boolean()
      .default(false)
      .describe("Also treat an empty string (in the target and the fallbacks) as null (default false)"),
  })
  .superRefine((config, ctx) => {
    const hasDefault = config.default !== undefined;
    const hasFrom = (config.from?.length ?? 0) > 0;
    if (hasDefault === hasFrom) {
      ctx.addIssue({
        code: "custom",
        path: hasDefault ? ["from"] : [],
        message: hasDefault
          ? "set exactly one of `default` or `from`, not both"
          : "set exactly one of `default` or `from`",
      });
    }
  });
export type CoalesceTransformConfig = z.input<typeof CoalesceConfig>;

/** `coalesce`: fills a missing or null field from a literal default or the first non-null fallback. */
export const coalesceDefinition = defineTransform({
  type: "coalesce",
  description: "Fill a missing/null field from a default or first non-null fallback key.",
  config: CoalesceConfig,
  create: (config) => {
    const { field, from } = config;
    const emptyIsNull = config.treat_empty_string_as_null;
    const nullish = (v: string) => `(${v} === undefined || ${v} === null${emptyIsNull ? ` || ${v} === ""` : ""})`;
    let fill: string;
    if (config.default !== undefined) {
      const shared = typeof config.default !== "object" || config.default === null;
      fill = code.writeField(field, shared ? "H.fallback" : "H.clone(H.fallback)");
    } else {
      // The first fallback field that is present and not null wins.
      fill = from
        .map(
          (source) =>
            `{ const f = ${code.readField(source)}; if (!${nullish("f")}) { ${code.writeField(field, "H.clone(f)")} break fill; } }`,
        )
        .join("\n");
      fill = `fill: { ${fill} }`;
    }
    const body = `{ const v = ${code.readField(field)}; if (${nullish("v")}) { ${fill} } }`;
    return code.compileRecordLoop("coalesce", body, { fallback: config.default, clone: cloneValue });
  },
});

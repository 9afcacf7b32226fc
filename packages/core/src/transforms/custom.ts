import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { TransformContext } from "../transform.js";
import type { Value } from "../value.js";
import { named } from "./shared.js";

/**
 * A per-record function: return the record (changed or not), an array of records (one in,
 * many out), or `null`/`undefined` to drop it. It may call `ctx.reject(record, reason)` to send
 * the record to the dead-letter path (then return `null`). It may change the record it gets, but
 * not nested objects, which may be shared with other records after an `explode`.
 */
export type RecordFunction = (record: Value, ctx: TransformContext) => Value | Value[] | null | undefined;

export const CustomConfig = z.strictObject({
  fn: z
    .custom<RecordFunction>((value) => typeof value === "function", {
      message: "a `custom` transform needs a TypeScript/JavaScript function (`fn`); it cannot be written in YAML",
    })
    .describe(
      "TypeScript only: (record, ctx) => record | record[] | null. Not available from YAML; use transforms.custom(fn) or faucet.config.ts",
    ),
});
export type CustomTransformConfig = z.input<typeof CustomConfig>;

/**
 * `custom`: runs a function per record. Only TypeScript and JavaScript users can supply one
 * (`transforms.custom(fn)` or `{ type: "custom", config: { fn } }` in `faucet.config.ts`); in YAML
 * it is a config error, since YAML cannot hold code.
 */
export const customDefinition = defineTransform({
  type: "custom",
  description: "Run a TypeScript function per record (record → record | record[] | null); not available from YAML.",
  config: CustomConfig,
  create: ({ fn }) =>
    named("custom", (records, ctx) => {
      const out: Value[] = [];
      for (let i = 0; i < records.length; i++) {
        const result = fn(records[i] as Value, ctx);
        if (result === null || result === undefined) continue;
        if (Array.isArray(result)) for (let r = 0; r < result.length; r++) out.push(result[r] as Value);
        else out.push(result);
      }
      return out;
    }),
});

import { connectionFields, requireConnection } from "faucet-common-postgres";
import { MAX_BATCH_SIZE, z } from "faucet-core";

const JsonbMapping = z.strictObject({
  jsonb: z
    .strictObject({ column: z.string().min(1).default("data").describe("The jsonb column; default `data`") })
    .describe("Write each record whole into one jsonb column"),
});

/**
 * How records map to columns: `auto_map` (top-level keys to same-named columns), `jsonb` (the
 * whole record into a `data` jsonb column) or `{ jsonb: { column } }`, the Rust faucet-stream
 * spelling.
 */
export const ColumnMapping = z
  .union([z.literal("auto_map"), z.literal("jsonb"), JsonbMapping])
  .describe("auto_map, jsonb, or { jsonb: { column: name } }; default { jsonb: { column: data } }");

const DeleteMarker = z.strictObject({
  field: z.string().min(1).describe("Record field whose value flags a delete, e.g. `__op`"),
  values: z.array(z.string()).min(1).describe("Values of `field` that mean delete, e.g. [d, delete]"),
});

/**
 * The config of `sink-postgres` (YAML `type: postgres`). Keys follow the Rust faucet-stream.
 */
export const PostgresSinkConfig = z
  .strictObject({
    ...connectionFields,
    table_name: z.string().min(1).describe("Table to write"),
    schema: z.string().min(1).optional().describe("Schema of the table; default the search_path's first"),
    column_mapping: ColumnMapping.default({ jsonb: { column: "data" } }),
    ignore_unknown: z
      .boolean()
      .default(false)
      .describe("auto_map: drop record keys the table has no column for instead of failing"),
    create_table: z
      .boolean()
      .default(true)
      .describe("Create the table (and schema) from the first page when it does not exist; default true"),
    write_mode: z
      .enum(["append", "upsert", "delete", "overwrite"])
      .default("append")
      .describe("append (default), upsert on `key`, delete by `key`, or overwrite the whole table at the end"),
    key: z
      .union([
        z
          .string()
          .min(1)
          .transform((k) => [k]),
        z.array(z.string().min(1)),
      ])
      .default([])
      .describe("Key column(s) for upsert and delete"),
    delete_marker: DeleteMarker.optional().describe("upsert: records whose `field` is one of `values` are deleted"),
    write_method: z
      .enum(["copy", "insert"])
      .optional()
      .describe("copy (default for append and overwrite) or insert (multi-row; always used for upsert and delete)"),
    batch_size: z
      .number()
      .int()
      .min(0)
      .max(MAX_BATCH_SIZE)
      .default(1000)
      .describe("insert: rows per INSERT statement (a page is still one transaction); 0 = the whole page"),
    max_connections: z.number().int().min(1).default(5).describe("Most connections the sink opens; default 5"),
  })
  .superRefine(requireConnection)
  .superRefine((config, ctx) => {
    const mode = config.write_mode;
    if ((mode === "upsert" || mode === "delete") && config.key.length === 0) {
      ctx.addIssue({ code: "custom", path: ["key"], message: `write_mode: ${mode} needs a non-empty \`key\`` });
    }
    if ((mode === "upsert" || mode === "delete") && config.column_mapping !== "auto_map") {
      ctx.addIssue({
        code: "custom",
        path: ["column_mapping"],
        message: `write_mode: ${mode} needs column_mapping: auto_map (a key names columns)`,
      });
    }
    if ((mode === "upsert" || mode === "delete") && config.write_method === "copy") {
      ctx.addIssue({
        code: "custom",
        path: ["write_method"],
        message: `write_method: copy cannot ${mode} (COPY has no ON CONFLICT); use insert`,
      });
    }
    if (config.delete_marker && mode !== "upsert") {
      ctx.addIssue({ code: "custom", path: ["delete_marker"], message: "delete_marker needs write_mode: upsert" });
    }
    if (config.ignore_unknown && config.column_mapping !== "auto_map") {
      ctx.addIssue({
        code: "custom",
        path: ["ignore_unknown"],
        message: "ignore_unknown needs column_mapping: auto_map",
      });
    }
  });

/** The parsed config of `sink-postgres`. */
export type PostgresSinkConfig = z.output<typeof PostgresSinkConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type PostgresSinkConfigInput = z.input<typeof PostgresSinkConfig>;

/** The jsonb column of a config, or undefined for auto_map. */
export function jsonbColumn(config: PostgresSinkConfig): string | undefined {
  const mapping = config.column_mapping;
  if (mapping === "auto_map") return undefined;
  if (mapping === "jsonb") return "data";
  return mapping.jsonb.column;
}

import { MAX_BATCH_SIZE, z } from "faucet-core";

/**
 * The normalized `column_mapping`: `"auto_map"` (one column per top-level key) or
 * `{ json: { column } }` (each record as JSON text in one column). Still a valid config value.
 */
export type ColumnMapping = "auto_map" | { json: { column: string } };

const jsonColumn = z.strictObject({
  column: z.string().min(1).default("data").describe("The column that holds each record as JSON text"),
});

const columnMapping = z
  .union([
    z.enum(["json", "auto_map", "Json", "AutoMap"]),
    z.strictObject({ json: jsonColumn.nullish() }),
    z.strictObject({ Json: jsonColumn.nullish() }),
    z.strictObject({ auto_map: z.null().optional() }),
  ])
  .default({ json: { column: "data" } })
  .transform((value): ColumnMapping => {
    if (value === "auto_map" || value === "AutoMap" || (typeof value === "object" && "auto_map" in value))
      return "auto_map";
    if (typeof value === "string") return { json: { column: "data" } };
    const inner = "json" in value ? value.json : (value as { Json?: { column: string } | null }).Json;
    return { json: { column: inner?.column ?? "data" } };
  })
  .describe(
    "`auto_map`: one column per top-level key; `json` or `{ json: { column: data } }` (default): each record as JSON text in one column",
  );

/** The JSON column of a mapping, or undefined for `auto_map`. */
export function jsonColumnOf(mapping: ColumnMapping): string | undefined {
  return mapping === "auto_map" ? undefined : mapping.json.column;
}

/** The config of {@link SqliteSink}: the Rust faucet-stream `sqlite` sink's keys, plus `busy_timeout_ms`. */
export const SqliteSinkConfig = z
  .strictObject({
    database_url: z
      .string()
      .min(1)
      .describe(
        "The database: a file path or a `sqlite:` URL (`sqlite:./out/app.db`); created with its directory when missing",
      ),
    table_name: z.string().min(1).describe("The table written to"),
    column_mapping: columnMapping,
    batch_size: z
      .number()
      .int()
      .min(0)
      .max(MAX_BATCH_SIZE)
      .default(1000)
      .describe(
        "Most rows per INSERT statement (each page is one transaction); 0: as many as SQLite's variable limit allows",
      ),
    create_table: z
      .boolean()
      .default(true)
      .describe(
        "Create a missing table from the first page (columns typed INTEGER/REAL/TEXT, PRIMARY KEY on `key` when one is set)",
      ),
    write_mode: z
      .enum(["append", "upsert", "delete"])
      .default("append")
      .describe("`append` inserts, `upsert` inserts or updates by `key`, `delete` deletes by `key`"),
    key: z
      .union([z.string().min(1), z.array(z.string().min(1))])
      .default([])
      .transform((k) => (typeof k === "string" ? [k] : k))
      .describe("The key column(s) for upsert and delete; with create_table they become the PRIMARY KEY"),
    delete_marker: z
      .strictObject({
        field: z.string().min(1).describe("The field whose value marks a delete, e.g. `__op`"),
        values: z.array(z.string()).min(1).describe("Values of `field` that mean delete, e.g. [d, delete]"),
      })
      .optional()
      .describe("Upsert only: records whose `field` holds one of `values` delete their key; the field is not written"),
    busy_timeout_ms: z
      .number()
      .int()
      .min(0)
      .default(5000)
      .describe("How long a write waits for another connection's lock before failing, in milliseconds"),
    max_connections: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("Accepted for parity with the Rust faucet-stream; SQLite has one writer"),
  })
  .superRefine((config, ctx) => {
    if (config.write_mode !== "append" && config.key.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["key"],
        message: `write_mode: ${config.write_mode} requires a non-empty \`key\``,
      });
    }
    if (config.write_mode !== "append" && config.column_mapping !== "auto_map") {
      ctx.addIssue({
        code: "custom",
        path: ["column_mapping"],
        message: `write_mode: ${config.write_mode} requires column_mapping: auto_map (the key must be a real column)`,
      });
    }
    if (config.delete_marker && config.write_mode !== "upsert") {
      ctx.addIssue({
        code: "custom",
        path: ["delete_marker"],
        message: "`delete_marker` applies only to write_mode: upsert",
      });
    }
  });

/** What {@link SqliteSink} accepts (defaults may be omitted). */
export type SqliteSinkInput = z.input<typeof SqliteSinkConfig>;
/** The parsed config. */
export type SqliteSinkConfig = z.output<typeof SqliteSinkConfig>;

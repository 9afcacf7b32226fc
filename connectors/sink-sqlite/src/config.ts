import {
  createTableField,
  jsonColumnOf,
  statementBatchSizeField,
  writeSpecFields,
  writeSpecRefinement,
} from "faucet-common-sql";
import { z } from "faucet-core";

/**
 * The normalized `column_mapping`: `"auto_map"` (one column per top-level key) or
 * `{ json: { column } }` (each record as JSON text in one column). Still a valid config value.
 */
export type ColumnMapping = "auto_map" | { json: { column: string } };

const jsonColumnObject = z.strictObject({
  column: z.string().min(1).default("data").describe("The column that holds each record as JSON text"),
});

const columnMapping = z
  .union([
    z.enum(["json", "auto_map", "Json", "AutoMap"]),
    z.strictObject({ json: jsonColumnObject.nullish() }),
    z.strictObject({ Json: jsonColumnObject.nullish() }),
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
    batch_size: statementBatchSizeField("SQLite's variable limit"),
    create_table: createTableField("columns typed INTEGER/REAL/TEXT"),
    ...writeSpecFields(["append", "upsert", "delete"]),
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
  .superRefine(
    // The messages this sink had before the refinement was shared.
    writeSpecRefinement({
      keyRequired: (mode) => `write_mode: ${mode} requires a non-empty \`key\``,
      autoMapRequired: (mode) =>
        `write_mode: ${mode} requires column_mapping: auto_map (the key must be a real column)`,
      markerNeedsUpsert: "`delete_marker` applies only to write_mode: upsert",
    }),
  );

/** What {@link SqliteSink} accepts (defaults may be omitted). */
export type SqliteSinkInput = z.input<typeof SqliteSinkConfig>;
/** The parsed config. */
export type SqliteSinkConfig = z.output<typeof SqliteSinkConfig>;

/** The JSON column of a config, or undefined for `auto_map`. */
export function jsonColumn(config: SqliteSinkConfig): string | undefined {
  return jsonColumnOf(config.column_mapping, "json");
}

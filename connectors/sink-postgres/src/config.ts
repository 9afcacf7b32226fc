import { connectionFields, requireConnection } from "faucet-common-postgres";
import {
  columnMappingField,
  jsonColumnOf,
  maxConnectionsField,
  refineWriteSpec,
  statementBatchSizeField,
  tableSinkFields,
} from "faucet-common-sql";
import { z } from "faucet-core";

/**
 * How records map to columns: `auto_map` (top-level keys to same-named columns), `jsonb` (the
 * whole record into a `data` jsonb column) or `{ jsonb: { column } }`, the Rust faucet-stream
 * spelling.
 */
export const ColumnMapping = columnMappingField("jsonb");

/**
 * The config of `sink-postgres` (YAML `type: postgres`). Keys follow the Rust faucet-stream.
 */
export const PostgresSinkConfig = z
  .strictObject({
    ...connectionFields,
    table_name: z.string().min(1).describe("Table to write"),
    schema: z.string().min(1).optional().describe("Schema of the table; default the search_path's first"),
    ...tableSinkFields("jsonb", "columns typed from the first page, its schema too"),
    write_method: z
      .enum(["copy", "insert"])
      .optional()
      .describe("copy (default for append and overwrite) or insert (multi-row; always used for upsert and delete)"),
    batch_size: statementBatchSizeField("the 65,535-parameter limit"),
    max_connections: maxConnectionsField(5, "sink"),
  })
  .superRefine(requireConnection)
  .superRefine(refineWriteSpec)
  .superRefine((config, ctx) => {
    const mode = config.write_mode;
    if ((mode === "upsert" || mode === "delete") && config.write_method === "copy") {
      ctx.addIssue({
        code: "custom",
        path: ["write_method"],
        message: `write_method: copy cannot ${mode} (COPY has no ON CONFLICT); use insert`,
      });
    }
  });

/** The parsed config of `sink-postgres`. */
export type PostgresSinkConfig = z.output<typeof PostgresSinkConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type PostgresSinkConfigInput = z.input<typeof PostgresSinkConfig>;

/** The jsonb column of a config, or undefined for auto_map. */
export function jsonbColumn(config: PostgresSinkConfig): string | undefined {
  return jsonColumnOf(config.column_mapping, "jsonb");
}

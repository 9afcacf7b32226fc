import { columnMappingField, createTableField, ignoreUnknownField, jsonColumnOf } from "faucet-common-sql";
import { MAX_BATCH_SIZE, z } from "faucet-core";

/**
 * The config of `sink-duckdb` (YAML `type: duckdb`). Keys follow the Rust faucet-stream
 * (`database`, `table_name`, `column_mapping`, `batch_size`, `create_table`), plus
 * `ignore_unknown`.
 */
export const DuckdbSinkConfig = z.strictObject({
  database: z
    .string()
    .min(1)
    .describe(
      "DuckDB database file (created when missing), or `:memory:`; a `duckdb://` / `duckdb:` prefix is accepted; relative paths resolve against the config file",
    ),
  table_name: z.string().min(1).describe("Table to append to, `name` or `schema.name`"),
  column_mapping: columnMappingField("json"),
  ignore_unknown: ignoreUnknownField(),
  create_table: createTableField("columns typed from the first page"),
  batch_size: z
    .number()
    .int()
    .min(0)
    .max(MAX_BATCH_SIZE)
    .default(1000)
    .describe("Rows the appender buffers before it flushes into the page's transaction; 0: the whole page"),
});

/** The parsed config of `sink-duckdb`. */
export type DuckdbSinkConfig = z.output<typeof DuckdbSinkConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type DuckdbSinkConfigInput = z.input<typeof DuckdbSinkConfig>;

/** The JSON column of a config, or undefined for auto_map. */
export function jsonColumn(config: DuckdbSinkConfig): string | undefined {
  return jsonColumnOf(config.column_mapping, "json");
}

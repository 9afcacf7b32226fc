import { columnMappingField, createTableField, ignoreUnknownField, WRITE_MODES, writeSpecFields } from "./config.js";

/**
 * The table keys of a SQL sink with every write mode, in the order its config lists them:
 * `column_mapping` (with the sink's JSON keyword, `json` or `jsonb`), `ignore_unknown`,
 * `create_table` (saying what it creates) and `write_mode`/`key`/`delete_marker`. Refine the
 * object with `refineWriteSpec`.
 *
 * @example
 * const Config = z.strictObject({ table_name: z.string(), ...tableSinkFields("json", "columns typed from the first page") }).superRefine(refineWriteSpec);
 */
export function tableSinkFields<const K extends string>(keyword: K, createTable: string) {
  return {
    column_mapping: columnMappingField(keyword),
    ignore_unknown: ignoreUnknownField(),
    create_table: createTableField(createTable),
    ...writeSpecFields(WRITE_MODES),
  };
}

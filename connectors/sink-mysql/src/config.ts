import { connectionFields, requireConnection } from "faucet-common-mysql";
import {
  jsonColumnOf,
  maxConnectionsField,
  refineWriteSpec,
  statementBatchSizeField,
  tableSinkFields,
} from "faucet-common-sql";
import { z } from "faucet-core";

/**
 * The config of `sink-mysql` (YAML `type: mysql`). Keys follow the Rust faucet-stream
 * (`connection_url`, `table_name`, `column_mapping`, `batch_size`, `max_connections`,
 * `create_table`, `write_mode`, `key`, `delete_marker`), plus `overwrite` and `ignore_unknown`.
 */
export const MysqlSinkConfig = z
  .strictObject({
    ...connectionFields,
    table_name: z.string().min(1).describe("Table to write, `name` or `database.name`"),
    ...tableSinkFields("json", "columns typed from the first page, InnoDB, utf8mb4"),
    batch_size: statementBatchSizeField("the server's max_allowed_packet"),
    max_connections: maxConnectionsField(5, "sink"),
  })
  .superRefine(requireConnection)
  .superRefine(refineWriteSpec);

/** The parsed config of `sink-mysql`. */
export type MysqlSinkConfig = z.output<typeof MysqlSinkConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type MysqlSinkConfigInput = z.input<typeof MysqlSinkConfig>;

/** The JSON column of a config, or undefined for auto_map. */
export function jsonColumn(config: MysqlSinkConfig): string | undefined {
  return jsonColumnOf(config.column_mapping, "json");
}

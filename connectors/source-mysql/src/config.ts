import { connectionFields, requireConnection } from "faucet-common-mysql";
import { jsonBigNumbersField, refineSource, serverSourceFields } from "faucet-common-sql";
import { z } from "faucet-core";

/**
 * The config of `source-mysql` (YAML `type: mysql`). Keys follow the Rust faucet-stream
 * (`connection_url`, `query`, `max_connections`, `batch_size`, `read_timeout_secs`,
 * `net_write_timeout_secs`, `shard`), plus `table`, `params`, incremental replication and the
 * type options.
 */
export const MysqlSourceConfig = z
  .strictObject({
    ...connectionFields,
    ...serverSourceFields("?"),
    tinyint1_as_bool: z
      .boolean()
      .default(false)
      .describe("Read TINYINT(1) (and BOOLEAN) as true/false; default false reads it as the number it holds"),
    json_big_numbers: jsonBigNumbersField(),
    read_timeout_secs: z
      .number()
      .int()
      .min(0)
      .default(3600)
      .describe("Longest wait for the server's next rows before the read fails, in seconds; 0 waits forever"),
    net_write_timeout_secs: z
      .number()
      .int()
      .min(0)
      .default(3600)
      .describe(
        "The session's net_write_timeout: how long the server waits while the pipeline writes a page before it aborts the query; 0 keeps the server's",
      ),
    shard: z
      .strictObject({ key: z.string().min(1).describe("Integer column to range-partition on") })
      .optional()
      .describe("Rust faucet-stream cluster sharding; accepted for compatibility, a single run reads everything"),
  })
  .superRefine(requireConnection)
  .superRefine(refineSource);

/** The parsed config of `source-mysql`. */
export type MysqlSourceConfig = z.output<typeof MysqlSourceConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type MysqlSourceConfigInput = z.input<typeof MysqlSourceConfig>;

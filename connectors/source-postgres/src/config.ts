import { connectionFields, requireConnection } from "faucet-common-postgres";
import { jsonBigNumbersField, refineSource, serverSourceFields } from "faucet-common-sql";
import { z } from "faucet-core";

/**
 * The config of `source-postgres` (YAML `type: postgres`). Keys follow the Rust faucet-stream;
 * `replication: { type: incremental, column, initial_value }` is accepted as a spelling of
 * `replication_key` / `start_replication_value`.
 */
export const PostgresSourceConfig = z
  .strictObject({
    ...connectionFields,
    ...serverSourceFields("$1, $2, …"),
    json_big_numbers: jsonBigNumbersField("a json/jsonb column"),
  })
  .superRefine(requireConnection)
  .superRefine(refineSource);

/** The parsed config of `source-postgres`. */
export type PostgresSourceConfig = z.output<typeof PostgresSourceConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type PostgresSourceConfigInput = z.input<typeof PostgresSourceConfig>;

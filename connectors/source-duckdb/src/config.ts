import { incrementalFields, jsonBigNumbersField, queryFields, refineSource } from "faucet-common-sql";
import { z } from "faucet-core";

/**
 * The config of `source-duckdb` (YAML `type: duckdb`). Keys follow the Rust faucet-stream
 * (`database`, `query`, `read_only`, `batch_size`), plus `table`, `params`, incremental
 * replication and `json_big_numbers`.
 */
export const DuckdbSourceConfig = z
  .strictObject({
    database: z
      .string()
      .min(1)
      .describe(
        "DuckDB database file, or `:memory:` (queries such as `SELECT * FROM read_csv('x.csv')` need no file); a `duckdb://` / `duckdb:` prefix is accepted; relative paths resolve against the config file",
      ),
    ...queryFields("? or $1, $2, …"),
    read_only: z
      .boolean()
      .default(false)
      .describe("Open the database read-only, so another process may hold it open too; default false"),
    ...incrementalFields(),
    json_big_numbers: jsonBigNumbersField(),
  })
  .superRefine(refineSource);

/** The parsed config of `source-duckdb`. */
export type DuckdbSourceConfig = z.output<typeof DuckdbSourceConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type DuckdbSourceConfigInput = z.input<typeof DuckdbSourceConfig>;

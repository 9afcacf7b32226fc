import { z } from "faucet-core";
import {
  type IncrementalConfig,
  incrementalFields,
  maxConnectionsField,
  queryFields,
  refineIncremental,
  refineQuery,
} from "./config.js";

/**
 * The read fields of a SQL source on a database server, in this order: `query`, `table`,
 * `params`, `batch_size` (with `placeholders` the query's own placeholder style),
 * `max_connections` (default 10) and incremental replication.
 *
 * @example
 * const Config = z.strictObject({ ...connectionFields, ...serverSourceFields("?") }).superRefine(refineSource);
 */
export function serverSourceFields(placeholders: string) {
  return {
    ...queryFields(placeholders),
    max_connections: maxConnectionsField(10, "source"),
    ...incrementalFields(),
  };
}

/** What {@link refineSource} checks. */
export interface SourceReadConfig extends IncrementalConfig {
  query?: string | undefined;
  table?: string | undefined;
  params: unknown[];
}

/**
 * A zod refinement for a SQL source: exactly one of `query` and `table`, `params` only with
 * `query`, and one spelling of incremental replication (`refineQuery`, then `refineIncremental`).
 *
 * @example
 * const Config = z.strictObject({ ...queryFields("?"), ...incrementalFields() }).superRefine(refineSource);
 */
export function refineSource(config: SourceReadConfig, ctx: z.RefinementCtx): void {
  refineQuery(config, ctx);
  refineIncremental(config, ctx);
}

/**
 * `json_big_numbers` of a source: what reading a JSON number a double cannot hold does — fail the
 * read (default) or read it as a string of its exact digits. `columns` names the JSON columns in
 * the description.
 *
 * @example
 * const Config = z.strictObject({ ...queryFields("?"), json_big_numbers: jsonBigNumbersField("a json/jsonb column") });
 */
export function jsonBigNumbersField(columns = "a JSON column") {
  return z
    .enum(["fail", "string"])
    .default("fail")
    .describe(
      `A number in ${columns} that a double cannot hold exactly: fail the read (default) or read it as a string of its exact digits`,
    );
}

import { connectionFields, requireConnection } from "faucet-common-postgres";
import { MAX_BATCH_SIZE, type Value, z } from "faucet-core";

const Incremental = z.strictObject({
  type: z.literal("incremental"),
  column: z.string().min(1).describe("Output column holding the replication cursor (same as replication_key)"),
  initial_value: z.json().describe("Inclusive lower bound for the first run (same as start_replication_value)"),
});

const Full = z.strictObject({ type: z.literal("full").describe("Read everything on every run") });

/**
 * The config of `source-postgres` (YAML `type: postgres`). Keys follow the Rust faucet-stream;
 * `replication: { type: incremental, column, initial_value }` is accepted as a spelling of
 * `replication_key` / `start_replication_value`.
 */
export const PostgresSourceConfig = z
  .strictObject({
    ...connectionFields,
    query: z
      .string()
      .min(1)
      .optional()
      .describe("SQL to read; its own placeholders are $1, $2, … filled from `params`. Either query or table"),
    table: z
      .string()
      .min(1)
      .optional()
      .describe("Table or view to read, `name` or `schema.name`. Either query or table"),
    params: z.array(z.json()).default([]).describe("Values bound to the query's $1, $2, …, with their JSON types"),
    batch_size: z
      .number()
      .int()
      .min(0)
      .max(MAX_BATCH_SIZE)
      .optional()
      .describe("Rows per page; default the pipeline's batch size; 0 reads everything into one page"),
    max_connections: z.number().int().min(1).default(10).describe("Most connections the source opens; default 10"),
    replication_key: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Column that only grows (e.g. id, updated_at): the source reads rows after the last bookmark in its order",
      ),
    start_replication_value: z
      .json()
      .optional()
      .describe("First run only: read rows whose replication_key is >= this value"),
    json_big_numbers: z
      .enum(["fail", "string"])
      .default("fail")
      .describe(
        "A number in a json/jsonb column that a double cannot hold exactly: fail the read (default) or read it as a string of its exact digits",
      ),
    state_key: z
      .string()
      .min(1)
      .optional()
      .describe("State-store key of the bookmark; default derived from the server, database and query"),
    replication: z
      .discriminatedUnion("type", [Full, Incremental])
      .optional()
      .describe("Rust faucet-stream spelling: { type: full } or { type: incremental, column, initial_value }"),
  })
  .superRefine(requireConnection)
  .superRefine((config, ctx) => {
    if ((config.query === undefined) === (config.table === undefined)) {
      ctx.addIssue({ code: "custom", path: ["query"], message: "set exactly one of `query` and `table`" });
    }
    if (config.table !== undefined && config.params.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["params"],
        message: "`params` needs `query` (a table has no placeholders)",
      });
    }
    if (config.replication !== undefined && config.replication_key !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["replication"],
        message: "set replication_key or replication, not both",
      });
    }
    if (
      config.start_replication_value === null ||
      (config.replication as { initial_value?: unknown })?.initial_value === null
    ) {
      ctx.addIssue({ code: "custom", path: ["start_replication_value"], message: "the start value must not be null" });
    }
    if (config.start_replication_value !== undefined && config.replication_key === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["start_replication_value"],
        message: "start_replication_value needs replication_key",
      });
    }
  });

/** The parsed config of `source-postgres`. */
export type PostgresSourceConfig = z.output<typeof PostgresSourceConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type PostgresSourceConfigInput = z.input<typeof PostgresSourceConfig>;

/** Incremental settings with both spellings folded into one. */
export interface IncrementalSettings {
  key: string;
  /** Inclusive lower bound for a run that has no bookmark yet. */
  start: Value | undefined;
}

/** The incremental settings of a config, or undefined for a full read. */
export function incrementalSettings(config: PostgresSourceConfig): IncrementalSettings | undefined {
  if (config.replication?.type === "incremental") {
    return { key: config.replication.column, start: config.replication.initial_value as Value };
  }
  if (config.replication_key === undefined) return undefined;
  return { key: config.replication_key, start: config.start_replication_value as Value | undefined };
}

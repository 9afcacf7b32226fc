import { MAX_BATCH_SIZE, z } from "faucet-core";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The config of {@link SqliteSource}: the Rust faucet-stream `sqlite` source's keys, plus `params`. */
export const SqliteSourceConfig = z.strictObject({
  database_url: z
    .string()
    .min(1)
    .describe(
      "The database: a file path or a `sqlite:` URL (`sqlite:./app.db`); relative paths resolve against the config file's directory",
    ),
  query: z.string().min(1).describe("The SQL query whose rows are read, e.g. `SELECT * FROM orders`"),
  params: z
    .union([z.array(scalar), z.record(z.string(), scalar)])
    .optional()
    .describe("Values for the query's placeholders: a list for `?`, or an object for `:name` / `@name` / `$name`"),
  batch_size: z
    .number()
    .int()
    .min(0)
    .max(MAX_BATCH_SIZE)
    .optional()
    .describe("Rows per page; 0 reads everything into one page. Default: the pipeline's batch size (1000)"),
  busy_timeout_ms: z
    .number()
    .int()
    .min(0)
    .default(5000)
    .describe("How long to wait for another connection's lock before failing, in milliseconds"),
  max_connections: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Accepted for parity with the Rust faucet-stream; one connection reads the query"),
});

/** What {@link SqliteSource} accepts (defaults may be omitted). */
export type SqliteSourceInput = z.input<typeof SqliteSourceConfig>;
/** The parsed config. */
export type SqliteSourceConfig = z.output<typeof SqliteSourceConfig>;

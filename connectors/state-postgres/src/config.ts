import { connectionFields, requireConnection } from "faucet-common-postgres";
import { z } from "faucet-core";

/**
 * The config of the Postgres state store (YAML `state: { type: postgres, config: { … } }`).
 */
export const PostgresStateConfig = z
  .strictObject({
    ...connectionFields,
    table: z
      .string()
      .min(1)
      .default("faucet_state")
      .describe("Table holding one row per state key; default faucet_state"),
    schema: z.string().min(1).optional().describe("Schema of the table; default the search_path's first"),
    max_connections: z.number().int().min(1).default(2).describe("Most connections the store opens; default 2"),
  })
  .superRefine(requireConnection);

/** The parsed config of the Postgres state store. */
export type PostgresStateConfig = z.output<typeof PostgresStateConfig>;

/** What a TypeScript caller may pass (defaults filled in when parsed). */
export type PostgresStateConfigInput = z.input<typeof PostgresStateConfig>;

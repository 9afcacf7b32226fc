// The config schemas: the one source of truth for the TypeScript types, the JSON Schema that
// `faucet schema` prints and the README table. No I/O here. Keys are snake_case, as in YAML.
import { MAX_BATCH_SIZE, z } from "faucet-core";

/** The config of {@link TemplateSource}. */
export const TemplateSourceConfig = z.strictObject({
  dataset: z.string().min(1).describe("The dataset to read"),
  batch_size: z
    .number()
    .int()
    .min(0)
    .max(MAX_BATCH_SIZE)
    .optional()
    .describe("Records per page; 0 reads everything into one page. Default: the pipeline's batch size"),
  replication_key: z
    .string()
    .min(1)
    .optional()
    .describe("A field whose value only grows (e.g. `updated_at`): when set, each run reads only newer records"),
});

/** What {@link TemplateSource} accepts (defaults may be omitted). */
export type TemplateSourceInput = z.input<typeof TemplateSourceConfig>;
/** The parsed source config. */
export type TemplateSourceConfig = z.output<typeof TemplateSourceConfig>;

/** The config of {@link TemplateSink}; `write_mode`, `key` and `delete_marker` follow faucet-stream. */
export const TemplateSinkConfig = z
  .strictObject({
    dataset: z.string().min(1).describe("The dataset to write; created on the first write"),
    write_mode: z
      .enum(["append", "upsert", "delete"])
      .default("append")
      .describe("append adds every record; upsert inserts or replaces by `key`; delete removes by `key`"),
    key: z.array(z.string().min(1)).default([]).describe("The fields that identify a record, for upsert and delete"),
    delete_marker: z
      .strictObject({
        field: z.string().min(1).describe("The field that flags a delete, e.g. `__op`"),
        values: z.array(z.string()).min(1).describe("Values of `field` that mean delete, e.g. [d]"),
      })
      .optional()
      .describe("Upsert only: records whose `field` holds one of `values` delete their key instead"),
  })
  .superRefine((config, ctx) => {
    if (config.write_mode !== "append" && config.key.length === 0) {
      ctx.addIssue({ code: "custom", path: ["key"], message: `write_mode ${config.write_mode} needs a non-empty key` });
    }
  });

/** What {@link TemplateSink} accepts (defaults may be omitted). */
export type TemplateSinkInput = z.input<typeof TemplateSinkConfig>;
/** The parsed sink config. */
export type TemplateSinkConfig = z.output<typeof TemplateSinkConfig>;

import { z } from "../config.js";
import { ERROR_KINDS } from "../errors.js";

const TransformList = z
  .array(
    z.strictObject({
      type: z.string().describe("The transform's YAML type, e.g. `cast`"),
      config: z
        .record(z.string(), z.unknown())
        .optional()
        .describe("The transform's config, exactly as in the pipeline"),
    }),
  )
  .describe("The transforms under test, in order, as in `pipeline.transforms`");

const DlqSetting = z
  .union([
    z.boolean(),
    z.strictObject({
      on_batch_error: z
        .enum(["propagate", "dlq_all"])
        .optional()
        .describe("When the sink fails a whole page: propagate (default) or dlq_all"),
      max_failures_per_page: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("Fail the run past this many dead letters in a page"),
      max_failures_total: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe("Fail the run past this many dead letters in the run"),
    }),
  ])
  .describe(
    "Route rejected records to a capturing dead-letter sink: `true`, or the pipeline's dlq options without `sink`. Without it a rejected record fails the run",
  );

const ErrorExpectation = z
  .union([
    z.string().describe("Text the error message must contain"),
    z.strictObject({
      kind: z.enum(ERROR_KINDS).optional().describe("The FaucetError kind, e.g. `transform` or `config`"),
      message: z.string().optional().describe("Text the error message must contain"),
    }),
  ])
  .describe("The run must fail with this error");

const DeadLetterExpectation = z.strictObject({
  payload: z.json().describe("The rejected record, exactly as it reached the dead-letter sink"),
  reason: z
    .enum(["transform_rejected", "sink_rejected", "batch_failed"])
    .optional()
    .describe("Why it was dead-lettered (a transform rejection is `transform_rejected`)"),
  error_kind: z.enum(ERROR_KINDS).optional().describe("The error kind in the envelope"),
  error: z.string().optional().describe("Text the envelope's error message must contain"),
});

const Expectation = z
  .strictObject({
    records: z.array(z.json()).optional().describe("Exactly the records the sink must receive, in order"),
    record_count: z.number().int().min(0).optional().describe("How many records the sink must receive"),
    dead_letter: z
      .array(DeadLetterExpectation)
      .optional()
      .describe("Exactly the dead-letter rows, in order (only their payload, reason and error are compared)"),
    dead_letter_count: z.number().int().min(0).optional().describe("How many records must be dead-lettered"),
    error: ErrorExpectation.optional(),
  })
  .refine((e) => Object.values(e).some((v) => v !== undefined), {
    message: "say what to expect: records, record_count, dead_letter, dead_letter_count or error",
  });

const TestCase = z.strictObject({
  name: z.string().describe("What the case checks, shown in the report"),
  input: z.array(z.json()).describe("The records an in-memory source yields in place of the real source"),
  transforms: TransformList.optional().describe("Transforms for this case only (default: the spec's)"),
  dlq: DlqSetting.optional(),
  batch_size: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe("Page size for this case (default: the spec's)"),
  expect: Expectation.describe("What the run must produce"),
});

/** The zod schema of a `faucet test` spec file. */
export const TransformTestSpecSchema = z.strictObject({
  version: z.literal(1).optional().describe("Spec format version (1)"),
  name: z.string().optional().describe("The suite's name, shown in the report"),
  pipeline: z
    .string()
    .optional()
    .describe(
      "A pipeline file (relative to this spec) whose `transforms` and `dlq` the cases use unless they set their own; read by the CLI",
    ),
  transforms: TransformList.optional(),
  dlq: DlqSetting.optional(),
  batch_size: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(1000)
    .describe("Records per page from the in-memory source (default 1000; 0 = one page)"),
  now: z
    .string()
    .refine((text) => !Number.isNaN(Date.parse(text)), { message: "not a date-time, e.g. 2024-05-01T00:00:00Z" })
    .optional()
    // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
    .describe("Pins the run clock behind ${now.*} references, e.g. 2024-05-01T00:00:00Z (default: the real time)"),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
  run_id: z.string().optional().describe("Pins ${run.id} (default: a fresh UUID per case)"),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
  pipeline_name: z.string().default("test").describe("The pipeline name behind ${pipeline.name} (default `test`)"),
  cases: z.array(TestCase).min(1).describe("The cases: each runs its input through the transforms"),
});

/** A `faucet test` spec as written. */
export type TransformTestSpec = z.input<typeof TransformTestSpecSchema>;
/** A `faucet test` spec after defaults. */
export type ParsedTransformTestSpec = z.output<typeof TransformTestSpecSchema>;
/** The `dlq` setting of a spec or case. */
export type TransformTestDlq = z.output<typeof DlqSetting>;
/** One case's expectations. */
export type TransformTestExpectation = z.output<typeof Expectation>;

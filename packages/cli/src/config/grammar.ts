/**
 * The pipeline document grammar (`version: 1`), in the Rust faucet-stream's key names and
 * shapes. Connector `config` objects are `unknown` here: each is validated against its own
 * connector's zod schema once the registry has found the connector.
 */
import { z } from "faucet-core";

// `config:` with nothing under it (null) means "no settings", as `faucet init` writes it.
const connectorConfig = z
  .record(z.string(), z.unknown())
  .nullable()
  .default({})
  .describe("The connector's own config object (see `faucet schema source|sink <type>`).");

/** `{ type, config }`: a source, sink or dead-letter sink. */
export const ConnectorSpec = z
  .strictObject({
    type: z.string().min(1).describe("Connector type, e.g. `csv` for `faucet-source-csv`."),
    config: connectorConfig,
  })
  .describe("A connector: its `type` and its `config`.");

/** One transform stage. */
export const TransformSpec = z
  .strictObject({
    type: z.string().min(1).describe("Transform type, e.g. `rename_keys` (`faucet list` shows them)."),
    config: z.record(z.string(), z.unknown()).nullable().default({}).describe("The transform's own config object."),
  })
  .describe("One transform stage, applied to every page in order.");

/** Where bookmarks are kept. */
export const StateSpec = z
  .strictObject({
    type: z
      .string()
      .min(1)
      .describe("State store type: `memory`, `file`, or an installed `faucet-state-<type>` package."),
    config: z.record(z.string(), z.unknown()).nullable().default({}).describe("The store's own config object."),
  })
  .describe("Where bookmarks are kept between runs. Default: `file` under `.faucet/state` next to the config.");

/** `pipeline.dlq`: where rejected records go instead of failing the run. */
export const DlqSpec = z
  .strictObject({
    sink: ConnectorSpec.describe("The sink failed and rejected records are written to."),
    on_batch_error: z
      .enum(["propagate", "dlq_all"])
      .default("propagate")
      .describe("When the sink rejects a whole page: `propagate` fails the run, `dlq_all` sends the page to the DLQ."),
    max_failures_per_page: z
      .number()
      .int()
      .min(0)
      .nullable()
      .optional()
      .describe("Fail the run once one page sends more records than this to the DLQ. Unset: no limit."),
    max_failures_total: z
      .number()
      .int()
      .min(0)
      .nullable()
      .optional()
      .describe("Fail the run once more records than this have gone to the DLQ in total. Unset: no limit."),
    include_original_payload: z
      .literal(true)
      .optional()
      .describe("Always true here: every DLQ envelope carries the failed record."),
  })
  .describe("Dead-letter queue: where rejected records go instead of failing the run.");

/** `pipeline.schema`: what to do when records carry keys the destination lacks. */
export const SchemaDriftSpec = z
  .strictObject({
    on_drift: z
      .enum(["evolve", "fail", "ignore"])
      .default("ignore")
      .describe(
        "`evolve` adds the new columns through the sink, `fail` stops the run, `ignore` leaves it to the sink.",
      ),
  })
  .describe("Schema-drift policy.");

/** `execution`: how the run is paced. */
export const ExecutionSpec = z
  .strictObject({
    batch_size: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe(
        "Records per page for sources that do not page natively (default 1000, 0 = one page). A source's own `batch_size` wins.",
      ),
    prefetch: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Pages read ahead of the one being written (default 1, 0 = no overlap)."),
    workers: z
      .number()
      .int()
      .min(0)
      .max(64)
      .optional()
      .describe(
        "Worker threads that parse, transform and serialize whole pages while the main thread writes them in order, when the source and sink support it (default 2 where at least four cores exist and two are free, else 0 = single-threaded).",
      ),
    native: z
      .boolean()
      .optional()
      .describe(
        "Native pass-through: pages move as the source's own bytes when the sink writes that encoding as it is (PostgreSQL COPY text between the postgres source and sink) and the run needs no records (no transforms, dlq, limit or drift handling). Default true; false always decodes the records.",
      ),
    max_concurrent: z
      .number()
      .int()
      .min(0)
      .nullable()
      .optional()
      .describe("Accepted for Rust compatibility; one pipeline runs one invocation, so it has no effect."),
    on_error: z
      .enum(["continue", "stop"])
      .optional()
      .describe("Accepted for Rust compatibility; a single pipeline always stops on its first failure."),
    lease_ttl_secs: z
      .number()
      .min(1)
      .max(86_400)
      .optional()
      .describe("Lease lifetime in seconds (default 30): a run that died frees its state key after at most this long."),
  })
  .describe("Execution controls.");

const RetrySpec = z
  .strictObject({
    max_attempts: z.number().int().min(1).default(5).describe("Total attempts including the first (1 = no retry)."),
    backoff: z.enum(["none", "fixed", "exponential"]).default("exponential").describe("Backoff growth shape."),
    base_ms: z.number().int().min(0).default(200).describe("Base delay in milliseconds."),
    max_ms: z.number().int().min(0).default(30_000).describe("Cap on one delay in milliseconds."),
    jitter: z.boolean().default(true).describe("Randomize each delay."),
  })
  .describe("Retry and backoff for sink writes, flushes and state-store I/O.");

const CircuitBreakerSpec = z
  .strictObject({
    consecutive_failures: z.number().int().min(1).describe("Consecutive failed attempts that open the circuit."),
    cooldown_secs: z.number().min(0).describe("Seconds an open circuit waits before letting one probe through."),
  })
  .describe("Stops a run whose source or sink keeps failing instead of hammering it.");

const PoisonSpec = z
  .strictObject({
    max_row_attempts: z.number().int().min(1).describe("Times one row is written before it counts as poison."),
    action: z
      .enum(["dlq", "drop", "fail"])
      .default("dlq")
      .describe(
        "`dlq` dead-letters the row (needs pipeline.dlq), `drop` skips it with a warning, `fail` fails the run.",
      ),
  })
  .describe("Isolates rows that keep failing.");

/** `resilience`: retries, retry classes, a circuit breaker and poison-row isolation. */
export const ResilienceSpec = z
  .strictObject({
    retry: RetrySpec.optional(),
    retry_on: z
      .array(z.enum(["http_5xx", "rate_limited", "connection", "timeout"]))
      .min(1)
      .optional()
      .describe("Which failure classes are retried. Default: every retryable error."),
    circuit_breaker: CircuitBreakerSpec.optional(),
    poison: PoisonSpec.optional(),
  })
  .describe("Resilience policy: retry and backoff, retry classes, circuit breaker, poison rows.");

/** The `pipeline:` block. */
export const PipelineSpec = z
  .strictObject({
    source: ConnectorSpec.describe("Where records come from."),
    transforms: z.array(TransformSpec).default([]).describe("Page stages applied in order."),
    sink: ConnectorSpec.describe("Where records go."),
    state: StateSpec.nullable().optional(),
    dlq: DlqSpec.nullable().optional(),
    schema: SchemaDriftSpec.nullable().optional(),
  })
  .describe("The pipeline: a source, transforms, a sink, state and a dead-letter queue.");

/** `observability.prometheus`: the scrape endpoint `faucet run` serves while it runs. */
const PrometheusSpec = z
  .strictObject({
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):\d{1,5}$/, {
        message: 'expected "host:port", e.g. "127.0.0.1:9464" or "[::1]:9464"',
      })
      .describe('Address to serve `/metrics` on while the run lasts, e.g. `"127.0.0.1:9464"` (port 0: any free port).'),
    buckets: z
      .array(z.number().positive())
      .min(1)
      .refine((b) => b.every((v, i) => i === 0 || v > (b[i - 1] as number)), {
        message: "bucket boundaries must be strictly increasing",
      })
      .nullable()
      .optional()
      .describe("Bucket boundaries in seconds for the duration histograms (default 0.005 … 10)."),
  })
  .describe("Prometheus metrics endpoint (docs/observability.md lists the metrics).");

/** `observability.tracing`: the log level. */
const TracingSpec = z
  .strictObject({
    level: z
      .string()
      .nullable()
      .optional()
      .describe(
        "Default log level: debug, info, warn or error (or a Rust filter: `faucet=debug`). `--log-level` wins.",
      ),
  })
  .describe("Logging configuration.");

/** `observability`: metrics and logs. Spans go to whatever OpenTelemetry SDK the process registered. */
export const ObservabilitySpec = z
  .strictObject({
    prometheus: PrometheusSpec.nullable().optional(),
    tracing: TracingSpec.nullable().optional(),
  })
  .describe("A Prometheus endpoint and the log level; OpenTelemetry spans need only an SDK (docs/observability.md).");

/** The whole document. */
export const PipelineDocument = z
  .strictObject({
    version: z.literal(1).default(1).describe("Config-format version. Always `1`."),
    kind: z.literal("pipeline").optional().describe("Document kind; only `pipeline` is a runnable config."),
    name: z.string().nullable().optional().describe("Pipeline name: used in logs and as the default state key."),
    vars: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
      .describe("Shared constants, referenced as `${vars.name}` anywhere in the document."),
    pipeline: PipelineSpec,
    delivery: z
      .enum(["at_least_once", "exactly_once"])
      .default("at_least_once")
      .describe("Delivery guarantee. `exactly_once` is refused unless the source, sink and state make it possible."),
    execution: ExecutionSpec.nullable().optional(),
    resilience: ResilienceSpec.nullable().optional(),
    observability: ObservabilitySpec.nullable().optional(),
    plugins: z
      .array(z.string().min(1))
      .default([])
      .describe("Extra connector packages (or paths to modules) to load: each exports a `definition`."),
  })
  .describe("A faucet pipeline (faucet.yaml / faucet.json / faucet.config.ts).");

/** A validated document, before its connectors are resolved. */
export type ParsedDocument = z.output<typeof PipelineDocument>;

/**
 * Keys the Rust faucet-stream accepts that this version does not implement, by the path of the
 * object that holds them. Using one is a config error that says so, not "unknown key".
 */
export const UNSUPPORTED_KEYS: Readonly<Record<string, readonly string[]>> = {
  "": [
    "params",
    "auth",
    "matrix",
    "selection",
    "sla",
    "reconcile",
    "verify",
    "rollback",
    "shard",
    "mirror",
    "replication",
    "backfill",
    "partition",
    "schedule",
    "lineage",
    "catalog",
    "notifications",
    "metadata_columns",
    "local_outputs",
    "profiling",
    "policy",
    "usage",
    "budget",
    "tests",
  ],
  pipeline: ["sources", "sinks", "quality", "contract", "masking", "nodes", "edges"],
  "pipeline.source": ["transforms", "inherit_transforms", "status", "tags", "complete_for", "attributes"],
  "pipeline.sink": ["transforms", "inherit_transforms", "status", "tags", "complete_for", "attributes"],
  "pipeline.dlq": ["allow_duplicates_on_dlq_all"],
  "pipeline.schema": ["allow_type_widening", "on_incompatible", "relax_nullability_on_missing"],
  execution: ["adaptive_batch_size", "schedule"],
  observability: ["otel"],
};

/** Values the Rust faucet-stream accepts at a path that this version does not implement. */
export const UNSUPPORTED_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  "pipeline.schema.on_drift": ["warn", "quarantine"],
  "pipeline.dlq.include_original_payload": [false],
};

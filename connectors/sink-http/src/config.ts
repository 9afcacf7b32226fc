import { AuthConfig, batchSizeField, httpResilienceFields, TlsConfig } from "faucet-common-http";
import { z } from "faucet-core";

/**
 * The config of the HTTP sink: one zod schema, the source of truth for the TypeScript type, the
 * JSON Schema and the docs. Keys follow the Rust faucet-stream (`crates/sink/http`): `url`,
 * `method`, `headers`, `auth`, `batch_mode` (`individual` / `array`, or the Rust
 * `{type: Individual}`), `batch_size`, `concurrency`, `max_retries`, `timeout`; faucet adds the
 * shared `tls`, `retry_backoff`, `rate_limit`, and `idempotent` / `idempotency_key`, which decide
 * whether a write may be replayed. No I/O here.
 */

const METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;

/** A `{field.path}` placeholder in `url` or in an idempotency-key template. */
export const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;

/** `batch_mode`: `individual` / `array`, also as the Rust `Individual` / `{type: Array}`. */
const BatchMode = z
  .union([
    z.enum(["individual", "array", "Individual", "Array"]),
    z.strictObject({ type: z.enum(["individual", "array", "Individual", "Array"]) }),
  ])
  .transform((m) => (typeof m === "string" ? m : m.type).toLowerCase() as "individual" | "array")
  .describe(
    "`individual`: one request per record, `concurrency` in flight; `array`: one JSON-array request per `batch_size` records. The Rust `{type: Individual}` / `{type: Array}` work too",
  );

/** `idempotency_key`: a header whose value is derived from the record, so the server can drop replays. */
export const IdempotencyKeyConfig = z
  .strictObject({
    header: z.string().min(1).default("Idempotency-Key").describe("Header that carries the key"),
    field: z
      .string()
      .min(1)
      .optional()
      .describe("Record field (dotted path allowed) whose value is the key, e.g. `event_id`"),
    template: z
      .string()
      .min(1)
      .optional()
      .describe("Key built from record fields with `{field}` placeholders, e.g. `order-{id}-v{version}`"),
  })
  .refine((k) => k.field === undefined || k.template === undefined, {
    message: "give either `field` or `template`, not both",
  })
  .refine((k) => k.template === undefined || /\{[A-Za-z_][\w.-]*\}/.test(k.template), {
    message: "`template` must contain at least one `{field}` placeholder",
  })
  .describe(
    "Send a key derived from each record (`field`, `template`, or without either a SHA-256 of the record's JSON) so the server can drop replays; makes writes replay-safe. In array mode the key is a SHA-256 of the chunk's record keys",
  );

/** A parsed `idempotency_key` block. */
export type IdempotencyKeyConfig = z.output<typeof IdempotencyKeyConfig>;

/**
 * The config of `faucet-sink-http` (YAML `type: http`).
 *
 * @example
 * const config = HttpSinkConfig.parse({
 *   url: "https://api.example.com/events",
 *   auth: { type: "bearer", config: { token: "t0ken" } },
 *   batch_mode: "array",
 *   batch_size: 500,
 *   idempotency_key: { header: "Idempotency-Key", field: "event_id" },
 * });
 */
export const HttpSinkConfig = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .describe(
        "Endpoint records are sent to; in individual mode `{field}` placeholders are filled from each record (URL-encoded), e.g. `https://api.example.com/items/{id}`",
      ),
    method: z
      .string()
      .default("POST")
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .describe("HTTP method: POST, PUT, PATCH or DELETE"),
    headers: z.record(z.string(), z.string()).default({}).describe("Headers sent with every request"),
    auth: AuthConfig.optional(),
    tls: TlsConfig.optional(),
    batch_mode: BatchMode.default("individual"),
    batch_size: batchSizeField.describe(
      "Array mode: records per request; 0 sends each page the pipeline hands over as one array",
    ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe("Requests in flight at once over keep-alive connections (1 keeps records in order)"),
    timeout: httpResilienceFields.timeout,
    max_retries: httpResilienceFields.max_retries.describe(
      "Retries after the first attempt. Without `idempotent`/`idempotency_key` only failures that prove the request was not processed are retried (429, 503, 408, connection refused); with them, also timeouts, dropped connections and other 5xx",
    ),
    retry_backoff: httpResilienceFields.retry_backoff,
    rate_limit: httpResilienceFields.rate_limit,
    idempotent: z
      .boolean()
      .default(false)
      .describe(
        "The endpoint tolerates the same request twice (a PUT to the record's own URL, or a server that deduplicates): writes become replay-safe and every retryable failure is retried",
      ),
    idempotency_key: IdempotencyKeyConfig.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.batch_mode === "array" && hasPlaceholders(config.url)) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: "`{field}` placeholders in `url` need `batch_mode: individual` (an array request has no one record)",
      });
    }
  })
  .describe("Writes records to an HTTP endpoint");

/** True when `text` holds a `{field}` placeholder. */
export function hasPlaceholders(text: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(text);
}

/** What a user writes: the input side of {@link HttpSinkConfig}. */
export type HttpSinkConfigInput = z.input<typeof HttpSinkConfig>;

/** A parsed config, defaults applied. */
export type HttpSinkConfig = z.output<typeof HttpSinkConfig>;

/**
 * faucet-sink-http: writes records to any HTTP endpoint. Read it in this order:
 *
 * - `config.ts` — the zod schema (Rust faucet-stream keys plus `idempotent` / `idempotency_key`);
 * - `sink.ts` — {@link HttpSink}, the only file that performs I/O: requests `concurrency` at a
 *   time over one keep-alive client, retries that cannot duplicate a row, per-row outcomes;
 * - `requests.ts` — turns a page into requests (bodies, per-record URLs, idempotency keys), pure.
 *
 * Auth, rate limits, timeouts and error mapping come from `faucet-common-http`, shared with the
 * REST and GraphQL sources.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { HttpSink } from "faucet-sink-http";
 *
 * const sink = new HttpSink({
 *   url: "https://api.example.com/events",
 *   auth: { type: "bearer", config: { token: process.env.API_TOKEN ?? "" } },
 *   batch_mode: "array",
 *   batch_size: 500,
 *   idempotency_key: { header: "Idempotency-Key", field: "event_id" },
 * });
 * await new Pipeline(source, sink).run();
 *
 * @packageDocumentation
 */
import { defineSink } from "faucet-core";
import { HttpSinkConfig } from "./config.js";
import { HttpSink } from "./sink.js";

export type { HttpSinkConfigInput } from "./config.js";
export { HttpSinkConfig, IdempotencyKeyConfig } from "./config.js";
export type { Delivery, DeliveryPlan, UnsendableRow } from "./requests.js";
export { planDeliveries, recordKey } from "./requests.js";
export type { HttpSinkOptions } from "./sink.js";
export { HttpSink } from "./sink.js";

/** The CLI registry entry: YAML `type: http`. */
export const definition = defineSink({
  type: "http",
  description: "Sends records to an HTTP endpoint: one request per record or JSON arrays, retries, idempotency keys",
  config: HttpSinkConfig,
  create: (config, context) => new HttpSink(config, { logger: context.logger, baseDir: context.baseDir }),
});

/**
 * faucet-source-webhook: receives records pushed over HTTP. Read it in this order:
 *
 * - `config.ts` — the zod schema (Rust faucet-stream keys plus `max_records`, `idle_timeout` and
 *   the backpressure keys), the one source of truth;
 * - `stream.ts` — {@link WebhookSource}: one receive window per run, pages taken from the inbox
 *   as the pipeline asks, POSTs acknowledged once their records are handed over;
 * - `server.ts` — the node:http receiver: path, method, token, size, signature and JSON checks,
 *   then an answer for every request (200, 4xx, or 503 with Retry-After);
 * - `inbox.ts` — the bounded buffer between the two, with the acknowledgement bookkeeping;
 * - `verify.ts` — constant-time token and HMAC signature checks.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { WebhookSource } from "faucet-source-webhook";
 *
 * const source = new WebhookSource({
 *   listen_addr: "0.0.0.0:9090",
 *   path: "/hooks/github",
 *   signature: { secret: process.env.GITHUB_WEBHOOK_SECRET ?? "", header: "X-Hub-Signature-256", prefix: "sha256=" },
 *   timeout_secs: 0,
 *   idle_timeout: 300,
 * });
 * await new Pipeline(source, sink, { prefetch: 0 }).run();
 *
 * @packageDocumentation
 */
import { defineSource } from "faucet-core";
import { WebhookSourceConfig } from "./config.js";
import { WebhookSource } from "./stream.js";

export type { SignatureConfig as SignatureConfigType, WebhookSourceConfigInput } from "./config.js";
export { parseListenAddr, SignatureConfig, WebhookSourceConfig } from "./config.js";
export type { CloseReason, Delivery, Offer, TakenPage } from "./inbox.js";
export { Inbox } from "./inbox.js";
export type { ListeningAddress, RefusalCounts } from "./server.js";
export { Receiver } from "./server.js";
export type { WebhookSourceOptions } from "./stream.js";
export { WebhookSource } from "./stream.js";
export type { SignatureProblem } from "./verify.js";
export { signBody, tokenMatches, verifySignature } from "./verify.js";

/** The CLI registry entry: YAML `type: webhook`. */
export const definition = defineSource({
  type: "webhook",
  description:
    "Receives records POSTed to a short-lived HTTP server: token or HMAC checks, backpressure, acks after hand-over",
  config: WebhookSourceConfig,
  create: (config, context) => new WebhookSource(config, { logger: context.logger }),
});

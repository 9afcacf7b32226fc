import { batchSizeField } from "faucet-common-http";
import { secret, z } from "faucet-core";

/**
 * The config of the webhook source: one zod schema, the source of truth for the TypeScript type,
 * the JSON Schema and the docs. Keys follow the Rust faucet-stream (`crates/source/webhook`):
 * `listen_addr`, `path`, `max_payloads`, `timeout_secs`, `max_body_bytes`, `auth_token`,
 * `signature`, `batch_size`; faucet adds `max_records`, `idle_timeout`, `authorization_header` and the
 * backpressure keys `max_buffered_records` / `retry_after_secs`. No I/O here.
 */

/** `host:port`, `[v6]:port` or a bare port; port 0 picks a free one. */
const ADDRESS = /^(?:(?<host>\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):)?(?<port>\d{1,5})$/;

/** Splits `listen_addr` into host and port, or returns undefined when it is not an address. */
export function parseListenAddr(address: string): { host: string; port: number } | undefined {
  const match = ADDRESS.exec(address.trim());
  const port = Number(match?.groups?.port);
  if (!match || port > 65_535) return undefined;
  const host = match.groups?.host ?? "127.0.0.1";
  return { host: host.startsWith("[") ? host.slice(1, -1) : host, port };
}

/** `signature`: an HMAC of the raw body (and a signed timestamp) the sender puts in a header. */
export const SignatureConfig = z
  .strictObject({
    secret: secret(z.string().min(1)).describe("The shared HMAC key"),
    header: z
      .string()
      .min(1)
      .describe("Header carrying the signature, e.g. `X-Hub-Signature-256` (GitHub) or `X-Shopify-Hmac-Sha256`"),
    prefix: z.string().optional().describe("Text before the digest in the header, e.g. `sha256=`"),
    encoding: z.enum(["hex", "base64"]).default("hex").describe("How the digest is written"),
    algorithm: z.enum(["sha256", "sha512"]).default("sha256").describe("HMAC hash"),
    timestamp_header: z
      .string()
      .min(1)
      .optional()
      .describe("Header with the Unix time the sender signed at; the signed text is then `<timestamp>.<body>`"),
    tolerance_secs: z
      .number()
      .int()
      .min(0)
      .default(300)
      .describe("With `timestamp_header`: how far the timestamp may be from now, so old requests cannot be replayed"),
  })
  .describe("Check an HMAC signature of every request body (compared in constant time); others get 401");

/** A parsed `signature` block. */
export type SignatureConfig = z.output<typeof SignatureConfig>;

/**
 * The config of `faucet-source-webhook` (YAML `type: webhook`).
 *
 * @example
 * const config = WebhookSourceConfig.parse({
 *   listen_addr: "0.0.0.0:9090",
 *   path: "/hooks/github",
 *   signature: { secret: "s3cr3t", header: "X-Hub-Signature-256", prefix: "sha256=" },
 *   idle_timeout: 60,
 *   timeout_secs: 0,
 * });
 */
export const WebhookSourceConfig = z
  .strictObject({
    listen_addr: z
      .string()
      .default("127.0.0.1:8080")
      .refine((a) => parseListenAddr(a) !== undefined, {
        message: "must be host:port, [ipv6]:port or a port (0 picks a free port)",
      })
      .describe("Address the server binds, `host:port`; loopback by default — bind 0.0.0.0 only behind a gateway"),
    path: z
      .string()
      .default("/webhook")
      .refine((p) => p.startsWith("/"), { message: "must start with /" })
      .describe("Path that accepts POSTs; `{name}` placeholders are filled from a parent record or partition"),
    max_payloads: z.number().int().positive().optional().describe("End the run after this many POSTs were accepted"),
    max_records: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("End the run once this many records were accepted (a POST is never split: the last one may pass it)"),
    timeout_secs: z
      .number()
      .min(0)
      .default(30)
      .describe(
        "Seconds the server listens before the run ends; 0 = no limit (end on max_*, idle_timeout or a signal)",
      ),
    idle_timeout: z
      .number()
      .positive()
      .optional()
      .describe("End the run after this many seconds without an accepted POST"),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024)
      .describe("Largest request body accepted; larger ones get 413 without being buffered"),
    auth_token: secret(z.string().min(1))
      .optional()
      .describe(
        "Shared secret every request must carry in `authorization_header` (raw, or `Bearer <token>`); others get 401",
      ),
    // Not `auth_header`: a key named like that is treated as a secret, and its value would be
    // redacted from every message.
    authorization_header: z.string().min(1).default("authorization").describe("Header that carries `auth_token`"),
    signature: SignatureConfig.optional(),
    batch_size: batchSizeField.describe("Most records per page; 0 hands everything over in one page when the run ends"),
    max_buffered_records: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe("Records held that the pipeline has not taken yet; a POST that does not fit gets 503 with Retry-After"),
    retry_after_secs: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe("`Retry-After` sent with 503 while the pipeline is behind or the run is ending"),
  })
  .describe("Receives records POSTed to a short-lived HTTP server");

/** What a user writes: the input side of {@link WebhookSourceConfig}. */
export type WebhookSourceConfigInput = z.input<typeof WebhookSourceConfig>;

/** A parsed config, defaults applied. */
export type WebhookSourceConfig = z.output<typeof WebhookSourceConfig>;

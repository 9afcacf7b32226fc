import { MAX_BATCH_SIZE, secret, type Value, z } from "faucet-core";
import { compileJsonPath } from "./json-path.js";

/**
 * The config blocks every faucet HTTP connector shares, in the Rust faucet-stream shapes:
 * `auth: {type, config}`, `tls: {…}` and the resilience keys (`timeout`, `max_retries`,
 * `retry_backoff`, `rate_limit`, `concurrency`, `tolerated_http_errors`). A connector spreads
 * {@link httpResilienceFields} into its own `z.strictObject` and adds `auth` / `tls`.
 */

const headerMap = z.record(z.string(), z.string());

const NoneAuth = z.strictObject({
  type: z.literal("none"),
  config: z.strictObject({}).optional().describe("Nothing to configure"),
});

const BearerAuth = z.strictObject({
  type: z.literal("bearer"),
  config: z.strictObject({
    token: secret(z.string().min(1)).describe("Sent as `Authorization: Bearer <token>`"),
  }),
});

const BasicAuth = z.strictObject({
  type: z.literal("basic"),
  config: z.strictObject({
    username: z.string().describe("HTTP Basic user name"),
    password: secret(z.string()).describe("HTTP Basic password"),
  }),
});

const ApiKeyAuth = z.strictObject({
  type: z.literal("api_key"),
  config: z.strictObject({
    header: z.string().min(1).describe("Header that carries the key, e.g. `X-Api-Key`"),
    value: secret(z.string().min(1)).describe("The API key"),
  }),
});

const ApiKeyQueryAuth = z.strictObject({
  type: z.literal("api_key_query"),
  config: z.strictObject({
    param: z.string().min(1).describe("Query parameter that carries the key, e.g. `api_key`"),
    value: secret(z.string().min(1)).describe("The API key"),
  }),
});

const expiryRatio = z
  .number()
  .gt(0)
  .lte(1)
  .default(0.9)
  .describe("Fraction of a token's lifetime after which it is refreshed (0.9 = at 90%)");

const OAuth2Auth = z.strictObject({
  type: z.literal("oauth2"),
  config: z.strictObject({
    token_url: z.string().min(1).describe("OAuth2 token endpoint (client-credentials grant)"),
    client_id: z.string().min(1).describe("OAuth2 client id"),
    client_secret: secret(z.string().min(1)).describe("OAuth2 client secret"),
    scopes: z.array(z.string()).default([]).describe("Scopes requested, sent space-separated as `scope`"),
    expiry_ratio: expiryRatio,
  }),
});

const TokenEndpointAuth = z.strictObject({
  type: z.literal("token_endpoint"),
  config: z.strictObject({
    url: z.string().min(1).describe("URL that returns a token"),
    method: z
      .string()
      .default("POST")
      .transform((m) => m.toUpperCase())
      .describe("HTTP method of the token request"),
    headers: secret(headerMap).optional().describe("Headers sent with the token request (treated as secret)"),
    body: z
      .custom<Value>((value) => value !== undefined)
      .optional()
      .describe("Body of the token request; fields named like password, secret, token or key are redacted"),
    encoding: z
      .enum(["json", "form"])
      .default("json")
      .describe("How `body` is sent: `json`, or `form` (application/x-www-form-urlencoded, as OAuth servers want)"),
    token_path: z.string().min(1).describe("JSONPath of the token in the response, e.g. `$.access_token`"),
    expiry_path: z
      .string()
      .optional()
      .describe("JSONPath of the token lifetime in seconds; without it the token is kept until a 401"),
    expiry_ratio: expiryRatio,
    header_name: z
      .string()
      .optional()
      .describe("Send the raw token in this header instead of `Authorization: Bearer <token>`"),
  }),
});

const CustomAuth = z.strictObject({
  type: z.literal("custom"),
  config: z.strictObject({
    headers: secret(headerMap).describe("Headers added to every request (values treated as secret)"),
  }),
});

/**
 * `auth: {type, config}`, exactly as in the Rust faucet-stream. Absent means `none`.
 *
 * @example
 * AuthConfig.parse({ type: "bearer", config: { token: "t0ken" } });
 */
export const AuthConfig = z
  .discriminatedUnion("type", [
    NoneAuth,
    BearerAuth,
    BasicAuth,
    ApiKeyAuth,
    ApiKeyQueryAuth,
    OAuth2Auth,
    TokenEndpointAuth,
    CustomAuth,
  ])
  .describe(
    "Authentication: none, bearer, basic, api_key, api_key_query, oauth2 (client credentials), token_endpoint or custom headers",
  );

/** A parsed `auth` block. */
export type AuthConfig = z.output<typeof AuthConfig>;

/**
 * `tls: {…}`: the Rust faucet-stream client-certificate keys plus a private CA and, for tests
 * against self-signed servers only, `insecure_skip_verify`.
 *
 * @example
 * TlsConfig.parse({ ca_cert: "-----BEGIN CERTIFICATE-----…" });
 */
export const TlsConfig = z
  .strictObject({
    ca_cert: z
      .string()
      .optional()
      .describe("PEM certificate(s) of a private CA, trusted in addition to the system roots"),
    client_cert: z.string().optional().describe("PEM client certificate chain (mutual TLS); pair with `client_key`"),
    client_key: secret(z.string()).optional().describe("PEM private key of `client_cert`"),
    client_identity_pkcs12: z
      .string()
      .optional()
      .describe("Path to a PKCS#12 (.p12/.pfx) client identity, instead of the PEM pair"),
    pkcs12_password: secret(z.string()).optional().describe("Password of the PKCS#12 file"),
    min_version: z.enum(["1.2", "1.3"]).optional().describe("Lowest TLS version accepted"),
    insecure_skip_verify: z
      .boolean()
      .default(false)
      .describe("Accept any server certificate. Never in production: it disables TLS's protection"),
  })
  .refine((t) => (t.client_cert === undefined) === (t.client_key === undefined), {
    message: "`client_cert` and `client_key` must be given together",
  })
  .refine((t) => !(t.client_cert !== undefined && t.client_identity_pkcs12 !== undefined), {
    message: "give either `client_cert` + `client_key` or `client_identity_pkcs12`, not both",
  })
  .describe("TLS options: private CA, client certificate (mutual TLS), minimum version");

/** A parsed `tls` block. */
export type TlsConfig = z.output<typeof TlsConfig>;

/**
 * The resilience keys every HTTP connector accepts, with the Rust faucet-stream units
 * (`timeout` and `retry_backoff` in seconds). Spread into a connector's schema.
 *
 * @example
 * const MyConfig = z.strictObject({ url: z.string(), ...httpResilienceFields });
 */
export const httpResilienceFields = {
  timeout: z
    .number()
    .positive()
    .default(30)
    .describe("Seconds one request may take, body included, before it fails with a retryable timeout"),
  max_retries: z
    .number()
    .int()
    .min(0)
    .default(3)
    .describe("Retries after the first attempt, for connection errors, timeouts, 5xx and 429"),
  retry_backoff: z
    .number()
    .min(0)
    .default(1)
    .describe("Base of the capped, jittered exponential backoff, in seconds; a longer Retry-After wins"),
  rate_limit: z
    .number()
    .positive()
    .optional()
    .describe("Most requests per second (token bucket), shared by every partition"),
  concurrency: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("Most requests in flight at once, shared by every partition"),
  tolerated_http_errors: z
    .array(z.number().int().min(100).max(599))
    .default([])
    .describe("HTTP statuses treated as an empty response instead of an error, e.g. [404]"),
};

/**
 * A JSONPath config field, checked when the config is parsed (so a bad path names its key).
 *
 * @example
 * const Config = z.strictObject({ records_path: jsonPathField("JSONPath of the records").optional() });
 */
export function jsonPathField(what: string) {
  return z
    .string()
    .min(1)
    .superRefine((path, ctx) => {
      try {
        compileJsonPath(path);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message.replace(/^\[faucet\] /, "") });
      }
    })
    .describe(what);
}

/** How an HTTP source replicates: every run reads everything, or only what is past the bookmark. */
export type ReplicationMethod = "incremental" | "full_table";

/**
 * `replication_method`: `incremental` / `full_table`, also in the Rust spellings `Incremental` /
 * `FullTable` and `{type: …}`. Parses to the snake_case name; give it the connector's `describe`.
 *
 * @example
 * const Config = z.strictObject({ replication_method: replicationMethodField.optional() });
 */
export const replicationMethodField = z
  .union([
    z.enum(["incremental", "full_table", "Incremental", "FullTable"]),
    z.strictObject({ type: z.enum(["Incremental", "FullTable", "incremental", "full_table"]) }),
  ])
  .transform((m) => {
    const text = typeof m === "string" ? m : m.type;
    return (text === "FullTable" ? "full_table" : text.toLowerCase()) as ReplicationMethod;
  });

/**
 * The replication a config asks for: `replication_method`, else incremental exactly when a
 * `replication_key` is set.
 *
 * @example
 * replicationMethodOf({ replication_key: "updated_at" }); // "incremental"
 */
export function replicationMethodOf(config: {
  replication_method?: ReplicationMethod | undefined;
  replication_key?: string | undefined;
}): ReplicationMethod {
  return config.replication_method ?? (config.replication_key ? "incremental" : "full_table");
}

/**
 * `batch_size` of the HTTP connectors: records per request or page, 0 to 1,000,000, 1000 by
 * default. Give it the connector's own `describe`, saying what 0 means there.
 *
 * @example
 * const Config = z.strictObject({ batch_size: batchSizeField.describe("Records per request") });
 */
export const batchSizeField = z.number().int().min(0).max(MAX_BATCH_SIZE).default(1000);

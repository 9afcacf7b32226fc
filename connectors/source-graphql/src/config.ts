import {
  AuthConfig,
  BOOKMARK_FORMATS,
  BOOKMARK_PLACEHOLDER,
  batchSizeField,
  httpResilienceFields,
  jsonPathField,
  replicationMethodField,
  replicationMethodOf,
  TlsConfig,
} from "faucet-common-http";
import { isValueObject, type Value, z } from "faucet-core";

/**
 * The config of the GraphQL source: one zod schema, the source of truth for the TypeScript type,
 * the JSON Schema and the docs. Keys follow the Rust faucet-stream (`crates/source/graphql`):
 * `endpoint`, `query`, `variables`, `records_path`, `pagination` (the Relay cursor block without
 * a `type`, or `{type: Offset, …}`), `max_pages`, `batch_size`, `replication_*`, `state_key`;
 * plus the shared `auth`, `tls`, `headers` and resilience keys. No I/O here.
 */

const variableName = (what: string) =>
  z
    .string()
    .regex(/^[_A-Za-z][_0-9A-Za-z]*$/, "must be a GraphQL variable name (letters, digits, `_`), without `$`")
    .describe(what);

/** Relay cursor pagination: `pageInfo { hasNextPage endCursor }`. The Rust block has no `type`. */
const CursorPagination = z.strictObject({
  type: z.literal(["cursor", "Cursor"]).optional().describe("`cursor` (optional: a block without `type` is cursor)"),
  has_next_page_path: jsonPathField("JSONPath of `hasNextPage` in the response").default(
    "$.data.*.pageInfo.hasNextPage",
  ),
  cursor_path: jsonPathField("JSONPath of `endCursor` in the response").default("$.data.*.pageInfo.endCursor"),
  cursor_variable: variableName("Variable the cursor is sent in (`$after` in the query)").default("after"),
  page_size_variable: variableName("Variable `batch_size` is sent in (`$first`); omitted when batch_size is 0").default(
    "first",
  ),
});

/** Offset pagination: an integer offset variable, advanced by `page_size` (ShopifyQL and similar). */
const OffsetPagination = z.strictObject({
  type: z.literal(["offset", "Offset"]).describe("`offset` (or `Offset`)"),
  offset_variable: variableName("Variable that receives the offset (0, page_size, 2 × page_size, …)"),
  page_size: z.number().int().positive().describe("Records each request asks for (bake it into the query)"),
  stop_when_short: z
    .boolean()
    .default(true)
    .describe("Stop after a page with fewer than `page_size` records; otherwise only after an empty page"),
  substitute_in_query: z
    .boolean()
    .default(false)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder users write in the query
    .describe("Replace `${offset_variable}` in the query text instead of sending a variable (ShopifyQL strings)"),
});

/** A parsed `pagination` block, its `type` always set. */
export type PaginationConfig =
  | (z.output<typeof CursorPagination> & { type: "cursor" })
  | (z.output<typeof OffsetPagination> & { type: "offset" });

/** `pagination`: the Relay cursor block (with or without `type: cursor`) or `{type: offset, …}`. */
export const PaginationConfig = z
  .union([OffsetPagination, CursorPagination])
  .transform((p) => ({ ...p, type: p.type?.toLowerCase() ?? "cursor" }) as PaginationConfig)
  .describe(
    "How to reach the next page: Relay cursors (`has_next_page_path`, `cursor_path`, `cursor_variable`, `page_size_variable`) or `{type: offset, offset_variable, page_size}`; absent = one request",
  );

/** `replication_bind`: the stored bookmark sent as a GraphQL variable, so the server filters. */
export const ReplicationBindConfig = z
  .strictObject({
    variable: z
      .string()
      .min(1)
      .refine((v) => v.trim() !== "/", { message: "must name a variable or be a JSON Pointer into `variables`" })
      .describe("Variable to set: a name (`since`) or a JSON Pointer into `variables` (`/filter/updatedAt/gte`)"),
    template: z
      .string()
      .default(BOOKMARK_PLACEHOLDER)
      .refine((t) => t.includes(BOOKMARK_PLACEHOLDER), { message: `\`template\` must contain ${BOOKMARK_PLACEHOLDER}` })
      .describe(`Value sent, with ${BOOKMARK_PLACEHOLDER} replaced, e.g. \`updated_at:>${BOOKMARK_PLACEHOLDER}\``),
    format: z
      .enum(BOOKMARK_FORMATS)
      .default("raw")
      .describe("How the bookmark is formatted: as stored, ISO 8601 UTC, epoch seconds or milliseconds, or a date"),
    value_type: z.enum(["string", "number"]).default("string").describe("JSON type of the variable"),
  })
  .describe("Send the bookmark as a GraphQL variable so the server returns only newer records");

/** A parsed `replication_bind` block. */
export type ReplicationBindConfig = z.output<typeof ReplicationBindConfig>;

/** `replication_method`: `incremental` / `full_table`, also as the Rust `Incremental` / `{type: …}`. */
const ReplicationMethod = replicationMethodField.describe(
  "`incremental` (the default when `replication_key` is set) or `full_table`",
);

/** Any JSON value (`z.json()` would hide descriptions behind a recursive `$ref` in the docs). */
const jsonValue = z.custom<Value>((value) => value !== undefined);

/**
 * The config of `faucet-source-graphql` (YAML `type: graphql`).
 *
 * @example
 * const config = GraphqlSourceConfig.parse({
 *   endpoint: "https://api.example.com/graphql",
 *   query: "query($first: Int, $after: String) { users(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }",
 *   records_path: "$.data.users.nodes[*]",
 *   pagination: { cursor_path: "$.data.users.pageInfo.endCursor", has_next_page_path: "$.data.users.pageInfo.hasNextPage" },
 * });
 */
export const GraphqlSourceConfig = z
  .strictObject({
    endpoint: z.string().min(1).describe("GraphQL endpoint URL, e.g. `https://api.example.com/graphql`"),
    query: z
      .string()
      .refine((q) => q.trim() !== "", { message: "`query` must not be empty" })
      .describe("The GraphQL query document"),
    variables: z
      .record(z.string(), jsonValue)
      .nullable()
      .default({})
      .transform((v) => v ?? {})
      .describe("Variables sent with the query; values from a parent record or partition are merged in"),
    headers: z.record(z.string(), z.string()).default({}).describe("Headers sent with every request"),
    auth: AuthConfig.optional(),
    tls: TlsConfig.optional(),
    timeout: httpResilienceFields.timeout,
    max_retries: httpResilienceFields.max_retries.describe(
      "Retries after the first attempt, for connection errors, timeouts, 5xx, 429 and GraphQL errors whose `extensions.code` says throttled",
    ),
    retry_backoff: httpResilienceFields.retry_backoff,
    rate_limit: httpResilienceFields.rate_limit,
    records_path: jsonPathField(
      "JSONPath of the records in the response, e.g. `$.data.users.nodes[*]`; absent: `data` is one record",
    ).optional(),
    pagination: PaginationConfig.optional(),
    max_pages: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Stop after this many requests (with a warning); no cap by default — a cursor loop guard ends runs"),
    batch_size: batchSizeField.describe(
      "Records per request, sent in `page_size_variable`; 0 omits it so the server's default applies",
    ),
    replication_method: ReplicationMethod.optional(),
    replication_key: z
      .string()
      .min(1)
      .optional()
      .describe("Record field (dotted path allowed) whose value only grows, e.g. `updatedAt`; enables bookmarks"),
    start_replication_value: jsonValue
      .optional()
      .describe("Bookmark used when no state is stored yet: only records newer than it are read"),
    state_key: z.string().min(1).optional().describe("Key the bookmark is stored under in the state store"),
    replication_bind: ReplicationBindConfig.optional(),
  })
  .superRefine((config, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const method = replicationMethodOf(config);
    if (method === "incremental" && !config.replication_key) {
      issue("replication_method", "`replication_method: incremental` needs `replication_key`");
    }
    if (config.replication_bind && method !== "incremental") {
      issue("replication_bind", "`replication_bind` needs incremental replication (`replication_key`)");
    }
    if (!isValueObject(config.variables as Value)) issue("variables", "`variables` must be an object");
  })
  .describe("Reads records from a GraphQL API");

/** What a user writes: the input side of {@link GraphqlSourceConfig}. */
export type GraphqlSourceConfigInput = z.input<typeof GraphqlSourceConfig>;

/** A parsed config, defaults applied. */
export type GraphqlSourceConfig = z.output<typeof GraphqlSourceConfig>;

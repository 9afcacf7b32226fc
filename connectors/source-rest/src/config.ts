import {
  AuthConfig,
  BOOKMARK_FORMATS,
  BOOKMARK_PLACEHOLDER,
  httpResilienceFields,
  jsonPathField,
  replicationMethodField,
  replicationMethodOf,
  TlsConfig,
} from "faucet-common-http";
import { type Value, z } from "faucet-core";
import { partitionKey } from "./partitions.js";

/**
 * The config of the REST source: one zod schema, the source of truth for the TypeScript type,
 * the JSON Schema and the docs. Keys follow the Rust faucet-stream (`crates/source/rest`), so
 * its configs run unchanged; its PascalCase pagination types (`Cursor`, `LinkHeader`, …) are
 * accepted beside the snake_case ones. No I/O here.
 */

/** Both spellings of a pagination type: `cursor_in_body` and the Rust `CursorInBody`. */
function paginationType<const S extends string, const P extends string>(snake: S, pascal: P) {
  return z.literal([snake, pascal]).describe(`\`${snake}\` (or \`${pascal}\`)`);
}

const hasMorePath = jsonPathField(
  "JSONPath of a boolean (e.g. Stripe's `$.has_more`); when it is false no further page is requested",
).optional();

const NoPagination = z.strictObject({ type: paginationType("none", "None") });

const CursorPagination = z.strictObject({
  type: paginationType("cursor", "Cursor"),
  next_token_path: jsonPathField("JSONPath of the next-page token in the body, e.g. `$.meta.next_cursor`"),
  param_name: z.string().min(1).describe("Query parameter the token is sent in, e.g. `cursor`"),
  has_more_path: hasMorePath,
});

const CursorInBodyPagination = z.strictObject({
  type: paginationType("cursor_in_body", "CursorInBody"),
  next_token_path: jsonPathField("JSONPath of the next-page token in the body, e.g. `$.paging.next.after`"),
  body_cursor_field: z
    .string()
    .min(1)
    .describe("Request-body field the token is written to: a top-level name or a JSON Pointer (`/variables/after`)"),
  has_more_path: hasMorePath,
});

const LinkHeaderPagination = z.strictObject({
  type: paginationType("link_header", "LinkHeader"),
});

const NextLinkInBodyPagination = z.strictObject({
  type: paginationType("next_link_in_body", "NextLinkInBody"),
  next_link_path: jsonPathField("JSONPath of the next page's URL in the body, e.g. `$.links.next`"),
});

const PageNumberPagination = z.strictObject({
  type: paginationType("page_number", "PageNumber"),
  param_name: z.string().min(1).default("page").describe("Query parameter of the page number"),
  start_page: z.number().int().min(0).default(1).describe("Number of the first page"),
  page_size: z.number().int().positive().optional().describe("Records per page to ask for"),
  page_size_param: z.string().min(1).optional().describe("Query parameter of the page size, e.g. `per_page`"),
});

const OffsetPagination = z.strictObject({
  type: paginationType("offset", "Offset"),
  offset_param: z.string().min(1).default("offset").describe("Query parameter of the offset"),
  limit_param: z.string().min(1).default("limit").describe("Query parameter of the page size"),
  limit: z.number().int().positive().describe("Records per page to ask for"),
  total_path: jsonPathField("JSONPath of the total record count; paging stops when the offset reaches it").optional(),
});

const PaginationInput = z.discriminatedUnion("type", [
  NoPagination,
  CursorPagination,
  CursorInBodyPagination,
  LinkHeaderPagination,
  NextLinkInBodyPagination,
  PageNumberPagination,
  OffsetPagination,
]);

/** `CursorInBody` → `cursor_in_body`. */
function snakeCase(type: string): string {
  return type.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

type Normalized<T> = T extends { type: infer K extends string }
  ? Omit<T, "type"> & { type: Extract<K, Lowercase<K>> }
  : never;

/** A parsed `pagination` block, its `type` always snake_case. */
export type PaginationConfig = Normalized<z.output<typeof PaginationInput>>;

/** `pagination: {type, …}`. */
export const PaginationConfig = PaginationInput.transform(
  (p) => ({ ...p, type: snakeCase(p.type) }) as PaginationConfig,
)
  .default({ type: "none" })
  .describe(
    "How to reach the next page: none, cursor, cursor_in_body, link_header, next_link_in_body, page_number or offset",
  );

/** `replication_method`: `incremental` / `full_table`, also as the Rust `{type: Incremental}`. */
const ReplicationMethod = replicationMethodField.describe(
  "`incremental` (the default when `replication_key` is set) or `full_table`; the Rust `{type: Incremental}` works too",
);

/** `replication_bind`: where the stored bookmark goes on the request, so the server filters. */
export const ReplicationBindConfig = z
  .strictObject({
    into: z.enum(["query", "header", "body", "path"]).default("query").describe("Where the bookmark goes"),
    name: z
      .string()
      .default("")
      .describe("Query parameter, header, top-level body field, or `{name}` placeholder of `path`"),
    path: z
      .string()
      .optional()
      .describe("`into: body` only: a JSON Pointer into `body` (`/filter/updated_after`) instead of `name`"),
    value_type: z.enum(["string", "number"]).default("string").describe("JSON type a body bind writes"),
    template: z
      .string()
      .default(BOOKMARK_PLACEHOLDER)
      .refine((t) => t.includes(BOOKMARK_PLACEHOLDER), { message: `\`template\` must contain ${BOOKMARK_PLACEHOLDER}` })
      .describe(
        `Text sent, with ${BOOKMARK_PLACEHOLDER} replaced by the formatted bookmark, e.g. \`>=${BOOKMARK_PLACEHOLDER}\``,
      ),
    format: z
      .enum(BOOKMARK_FORMATS)
      .default("raw")
      .describe("How the bookmark is formatted: as stored, ISO 8601 UTC, epoch seconds or milliseconds, or a date"),
  })
  .superRefine((bind, ctx) => {
    if (bind.path !== undefined && bind.into !== "body") {
      ctx.addIssue({ code: "custom", path: ["path"], message: "`path` applies only to `into: body`" });
    }
    if (bind.path !== undefined && !bind.path.startsWith("/")) {
      ctx.addIssue({ code: "custom", path: ["path"], message: "`path` must be a JSON Pointer such as /filter/since" });
    }
    if (bind.path === undefined && bind.name.trim() === "") {
      ctx.addIssue({ code: "custom", path: ["name"], message: "`name` must not be empty" });
    }
  })
  .describe("Send the bookmark with the request (query, header, body field or path) so the API filters server-side");

/** A parsed `replication_bind` block. */
export type ReplicationBindConfig = z.output<typeof ReplicationBindConfig>;

const queryValue = z.union([z.string(), z.number(), z.boolean()]);

/** Any JSON value. (`z.json()` would work too, but its recursive `$ref` hides descriptions from docs.) */
const jsonValue = z.custom<Value>((value) => value !== undefined);

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/**
 * The config of `faucet-source-rest` (YAML `type: rest`).
 *
 * @example
 * const config = RestSourceConfig.parse({
 *   base_url: "https://api.github.com",
 *   path: "/repos/{owner}/{repo}/issues",
 *   query_params: { per_page: 100, state: "all" },
 *   pagination: { type: "link_header" },
 *   partitions: [{ owner: "nodejs", repo: "undici" }],
 * });
 */
export const RestSourceConfig = z
  .strictObject({
    base_url: z.string().min(1).describe("Scheme, host and optional base path, e.g. `https://api.example.com/v1`"),
    path: z
      .string()
      .default("")
      .describe("Path under `base_url`; `{name}` placeholders are filled from the partition or parent record"),
    method: z
      .string()
      .default("GET")
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .describe("HTTP method"),
    headers: z.record(z.string(), z.string()).default({}).describe("Headers sent with every request"),
    query_params: z
      .record(z.string(), z.union([queryValue, z.array(queryValue)]))
      .default({})
      .describe("Query parameters; a list repeats the key (`tag: [a, b]` → `?tag=a&tag=b`)"),
    query_params_multi: z
      .record(z.string(), z.array(z.string()))
      .default({})
      .describe('Repeated query parameters, the Rust spelling: `{ "expand[]": [a, b] }`'),
    body: jsonValue.optional().describe("JSON request body (POST search APIs, GraphQL over REST)"),
    auth: AuthConfig.optional(),
    tls: TlsConfig.optional(),
    ...httpResilienceFields,
    request_delay: z.number().min(0).optional().describe("Seconds to wait between two pages of one partition"),
    pagination: PaginationConfig,
    max_pages: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("Stop after this many pages per partition (with a warning); no cap by default — loop guards end runs"),
    records_path: jsonPathField("JSONPath of the records in a JSON body, e.g. `$.data[*]` or `$.items`").optional(),
    response_format: z
      .enum(["json", "jsonl", "csv"])
      .default("json")
      .describe("How bodies are read: `json`, `jsonl` (one JSON value per line) or `csv`"),
    csv_delimiter: z
      .union([z.string().length(1), z.number().int().min(1).max(127)])
      .default(",")
      .transform((d) => (typeof d === "number" ? String.fromCharCode(d) : d))
      .describe("CSV field delimiter: one character (the Rust byte value, e.g. 59, works too)"),
    csv_has_headers: z
      .boolean()
      .default(true)
      .describe("The first CSV row names the fields; otherwise they are `column_0`, `column_1`, …"),
    replication_method: ReplicationMethod.optional(),
    replication_key: z
      .string()
      .min(1)
      .optional()
      .describe("Record field (dotted path allowed) whose value only grows, e.g. `updated_at`; enables bookmarks"),
    start_replication_value: jsonValue
      .optional()
      .describe("Bookmark used when no state is stored yet: only records newer than it are read"),
    state_key: z.string().min(1).optional().describe("Key the bookmark is stored under in the state store"),
    replication_bind: ReplicationBindConfig.optional(),
    partitions: z
      .array(z.record(z.string(), jsonValue))
      .default([])
      .describe("Run the same request once per context, e.g. `[{owner: a, repo: b}]`; each keeps its own bookmark"),
    partition_concurrency: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe("Partitions read at the same time (they share `rate_limit` and `concurrency`)"),
    name: z.string().optional().describe("Stream name, used in logs"),
    primary_keys: z.array(z.string()).default([]).describe("Fields that identify a record, for sinks that upsert"),
  })
  .superRefine((config, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (config.response_format !== "json") {
      const bodyPaging = ["cursor", "cursor_in_body", "next_link_in_body"];
      if (bodyPaging.includes(config.pagination.type)) {
        issue(
          "pagination",
          `\`${config.pagination.type}\` reads the next page from a JSON body; use it with response_format json`,
        );
      }
      if (config.pagination.type === "offset" && config.pagination.total_path !== undefined) {
        issue("pagination", "`total_path` reads a JSON body; remove it for response_format jsonl or csv");
      }
      if (config.records_path !== undefined) {
        issue("records_path", "`records_path` applies to JSON bodies; each line or row is already a record");
      }
    }
    const method = replicationMethodOf(config);
    if (config.replication_bind) {
      if (!config.replication_key) issue("replication_bind", "`replication_bind` needs `replication_key`");
      if (method !== "incremental")
        issue("replication_bind", "`replication_bind` needs `replication_method: incremental`");
      const bind = config.replication_bind;
      if (bind.into === "path" && !config.path.includes(`{${bind.name}}`)) {
        issue("replication_bind", `\`into: path\` needs a \`{${bind.name}}\` placeholder in \`path\``);
      }
    }
    const keys = config.partitions.map((p) => partitionKey(p as Record<string, Value>));
    if (new Set(keys).size !== keys.length) issue("partitions", "the same partition is listed twice");
    if (method === "incremental" && !config.replication_key) {
      issue("replication_method", "`replication_method: incremental` needs `replication_key`");
    }
  })
  .describe("Reads records from an HTTP API");

/** What a user writes: the input side of {@link RestSourceConfig}. */
export type RestSourceConfigInput = z.input<typeof RestSourceConfig>;

/** A parsed config, defaults applied. */
export type RestSourceConfig = z.output<typeof RestSourceConfig>;

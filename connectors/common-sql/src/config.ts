import { MAX_BATCH_SIZE, type Value, type WriteMode, z } from "faucet-core";

/** Every write mode a SQL sink may offer, in the Rust faucet-stream's spelling. */
export const WRITE_MODES = ["append", "upsert", "delete", "overwrite"] as const satisfies readonly WriteMode[];

/** `{ field, values }`: records whose `field` holds one of `values` are deletes. */
export interface DeleteMarker {
  field: string;
  values: string[];
}

/** `delete_marker` (the Rust faucet-stream's `DeleteMarker`). */
export function deleteMarkerField() {
  return z
    .strictObject({
      field: z.string().min(1).describe("Record field whose value flags a delete, e.g. `__op`"),
      values: z.array(z.string()).min(1).describe("Values of `field` that mean delete, e.g. [d, delete]"),
    })
    .optional()
    .describe("upsert only: records whose `field` is one of `values` delete their key; the field is not written");
}

/** `key`: one column name or a list, always a list once parsed. */
export function keyField() {
  return z
    .union([
      z
        .string()
        .min(1)
        .transform((k) => [k]),
      z.array(z.string().min(1)),
    ])
    .default([])
    .describe("Key column(s) for upsert and delete; with create_table they become the primary key");
}

/**
 * `write_mode`, `key` and `delete_marker` (the Rust faucet-stream's flattened `WriteSpec`), for
 * the modes a sink offers.
 *
 * @example
 * const Config = z.strictObject({ table_name: z.string(), ...writeSpecFields(["append", "upsert"]) });
 */
export function writeSpecFields<const M extends readonly [WriteMode, ...WriteMode[]]>(modes: M) {
  const described = modes.join(", ");
  return {
    write_mode: z
      .enum(modes)
      .default("append" as M[number] as never)
      .describe(
        `${described}: append (default) inserts, upsert inserts or updates on \`key\`, delete removes by \`key\`${modes.includes("overwrite") ? ", overwrite replaces the whole table when the run succeeds" : ""}`,
      ),
    key: keyField(),
    delete_marker: deleteMarkerField(),
  };
}

/**
 * `column_mapping`: `auto_map` (one column per top-level key), or each record whole in one JSON
 * column — `<keyword>` (column `data`) or `{ <keyword>: { column } }` — where the keyword is the
 * Rust faucet-stream's for the sink (`json` for MySQL and DuckDB, `jsonb` for Postgres).
 *
 * @example
 * const Config = z.strictObject({ column_mapping: columnMappingField("json") });
 */
export function columnMappingField<const K extends string>(keyword: K) {
  const inner = z.strictObject({
    column: z.string().min(1).default("data").describe(`The ${keyword} column; default \`data\``),
  });
  const wrapped = z.strictObject({ [keyword]: inner } as Record<K, typeof inner>);
  return z
    .union([z.literal("auto_map"), z.literal(keyword), wrapped])
    .default({ [keyword]: { column: "data" } } as never)
    .describe(
      `auto_map (one column per top-level key), ${keyword} (each record whole in a \`data\` column), or { ${keyword}: { column: name } }; default { ${keyword}: { column: data } }`,
    );
}

/** The JSON column a `column_mapping` writes, or undefined for `auto_map`. */
export function jsonColumnOf(mapping: unknown, keyword: string): string | undefined {
  if (mapping === "auto_map") return undefined;
  if (typeof mapping === "string") return "data";
  const inner = (mapping as Record<string, { column?: string } | undefined>)[keyword];
  return inner?.column ?? "data";
}

/** `create_table`, default true (the Rust faucet-stream's #580). */
export function createTableField(what = "columns typed from the first page") {
  return z
    .boolean()
    .default(true)
    .describe(`Create the table when it does not exist (${what}, a primary key on \`key\`); default true`);
}

/** `ignore_unknown`: auto_map drops keys the table has no column for instead of failing. */
export function ignoreUnknownField() {
  return z
    .boolean()
    .default(false)
    .describe("auto_map: drop record keys the table has no column for instead of failing the page");
}

/** `batch_size` of a sink: rows per multi-row statement (a page is still written whole or not at all). */
export function statementBatchSizeField(limit: string) {
  return z
    .number()
    .int()
    .min(0)
    .max(MAX_BATCH_SIZE)
    .default(1000)
    .describe(
      `Most rows per multi-row statement (a page is still written whole or not at all); 0: as many as ${limit} allows`,
    );
}

/** `max_connections` with a connector's default. */
export function maxConnectionsField(defaultValue: number, what: string) {
  return z
    .number()
    .int()
    .min(1)
    .default(defaultValue)
    .describe(`Most connections the ${what} opens; default ${defaultValue}`);
}

/** What {@link refineWriteSpec} checks. */
export interface WriteSpecConfig {
  write_mode: WriteMode;
  key: string[];
  delete_marker?: DeleteMarker | undefined;
  column_mapping?: unknown;
  ignore_unknown?: boolean | undefined;
}

/** The messages of {@link writeSpecRefinement}, by check. */
export interface WriteSpecMessages {
  /** upsert or delete without a `key`. */
  keyRequired: (mode: WriteMode) => string;
  /** upsert or delete with a JSON column mapping. */
  autoMapRequired: (mode: WriteMode) => string;
  /** `delete_marker` with a mode other than upsert. */
  markerNeedsUpsert: string;
}

const WRITE_SPEC_MESSAGES: WriteSpecMessages = {
  keyRequired: (mode) => `write_mode: ${mode} needs a non-empty \`key\``,
  autoMapRequired: (mode) => `write_mode: ${mode} needs column_mapping: auto_map (a key names columns)`,
  markerNeedsUpsert: "delete_marker needs write_mode: upsert",
};

/**
 * A zod refinement for a sink's write spec: upsert and delete need a key and `auto_map` (a key
 * names columns), `delete_marker` needs upsert, `ignore_unknown` needs `auto_map`. `messages`
 * rewords checks for a sink whose messages are older than this function.
 *
 * @example
 * const Config = z.strictObject({ ...writeSpecFields(WRITE_MODES), column_mapping: columnMappingField("json") })
 *   .superRefine(writeSpecRefinement());
 */
export function writeSpecRefinement(messages: Partial<WriteSpecMessages> = {}) {
  const say = { ...WRITE_SPEC_MESSAGES, ...messages };
  return (config: WriteSpecConfig, ctx: z.RefinementCtx): void => {
    const mode = config.write_mode;
    const keyed = mode === "upsert" || mode === "delete";
    if (keyed && config.key.length === 0) {
      ctx.addIssue({ code: "custom", path: ["key"], message: say.keyRequired(mode) });
    }
    if (keyed && config.column_mapping !== undefined && config.column_mapping !== "auto_map") {
      ctx.addIssue({ code: "custom", path: ["column_mapping"], message: say.autoMapRequired(mode) });
    }
    if (config.delete_marker && mode !== "upsert") {
      ctx.addIssue({ code: "custom", path: ["delete_marker"], message: say.markerNeedsUpsert });
    }
    if (config.ignore_unknown && config.column_mapping !== "auto_map") {
      ctx.addIssue({
        code: "custom",
        path: ["ignore_unknown"],
        message: "ignore_unknown needs column_mapping: auto_map",
      });
    }
  };
}

/**
 * {@link writeSpecRefinement} with its own messages.
 *
 * @example
 * const Config = z.strictObject({ ...writeSpecFields(WRITE_MODES), column_mapping: columnMappingField("json") })
 *   .superRefine(refineWriteSpec);
 */
export const refineWriteSpec: (config: WriteSpecConfig, ctx: z.RefinementCtx) => void = writeSpecRefinement();

/**
 * The read fields of a SQL source: `query` (with its own placeholders filled from `params`) or
 * `table`, and `batch_size`.
 *
 * @example
 * const Config = z.strictObject({ ...queryFields("?"), ...incrementalFields() }).superRefine(refineQuery);
 */
export function queryFields(placeholders: string) {
  return {
    query: z
      .string()
      .min(1)
      .optional()
      .describe(
        `SQL to read; its own placeholders (${placeholders}) are filled from \`params\`. Either query or table`,
      ),
    table: z
      .string()
      .min(1)
      .optional()
      .describe("Table or view to read, `name` or `schema.name`. Either query or table"),
    params: z
      .array(z.json())
      .default([])
      .describe(`Values bound to the query's placeholders (${placeholders}), with their JSON types`),
    batch_size: z
      .number()
      .int()
      .min(0)
      .max(MAX_BATCH_SIZE)
      .optional()
      .describe("Rows per page; default the pipeline's batch size; 0 reads everything into one page"),
  };
}

/** A zod refinement: exactly one of `query` and `table`, and `params` only with `query`. */
export function refineQuery(
  config: { query?: string | undefined; table?: string | undefined; params: unknown[] },
  ctx: z.RefinementCtx,
): void {
  if ((config.query === undefined) === (config.table === undefined)) {
    ctx.addIssue({ code: "custom", path: ["query"], message: "set exactly one of `query` and `table`" });
  }
  if (config.table !== undefined && config.params.length > 0) {
    ctx.addIssue({ code: "custom", path: ["params"], message: "`params` needs `query` (a table has no placeholders)" });
  }
}

const IncrementalReplication = z.strictObject({
  type: z.literal("incremental"),
  column: z.string().min(1).describe("Output column holding the replication cursor (same as replication_key)"),
  initial_value: z.json().describe("Inclusive lower bound for the first run (same as start_replication_value)"),
});

const FullReplication = z.strictObject({ type: z.literal("full").describe("Read everything on every run") });

/**
 * Incremental replication of a SQL source: `replication_key`, `start_replication_value`,
 * `state_key`, and the Rust spelling `replication: { type: incremental, column, initial_value }`.
 */
export function incrementalFields() {
  return {
    replication_key: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Column that only grows (e.g. id, updated_at): the source reads rows after the last bookmark in its order",
      ),
    start_replication_value: z
      .json()
      .optional()
      .describe("First run only: read rows whose replication_key is >= this value"),
    state_key: z
      .string()
      .min(1)
      .optional()
      .describe("State-store key of the bookmark; default derived from the server, database and query"),
    replication: z
      .discriminatedUnion("type", [FullReplication, IncrementalReplication])
      .optional()
      .describe("Rust faucet-stream spelling: { type: full } or { type: incremental, column, initial_value }"),
  };
}

/** What {@link refineIncremental} and {@link incrementalSettings} read. */
export interface IncrementalConfig {
  replication_key?: string | undefined;
  start_replication_value?: unknown;
  replication?: { type: "full" } | { type: "incremental"; column: string; initial_value?: unknown } | undefined;
}

/** A zod refinement: one spelling of incremental replication, a non-null start needing a key. */
export function refineIncremental(config: IncrementalConfig, ctx: z.RefinementCtx): void {
  if (config.replication !== undefined && config.replication_key !== undefined) {
    ctx.addIssue({ code: "custom", path: ["replication"], message: "set replication_key or replication, not both" });
  }
  const initial = config.replication?.type === "incremental" ? config.replication.initial_value : undefined;
  if (config.start_replication_value === null || initial === null) {
    ctx.addIssue({ code: "custom", path: ["start_replication_value"], message: "the start value must not be null" });
  }
  if (config.start_replication_value !== undefined && config.replication_key === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["start_replication_value"],
      message: "start_replication_value needs replication_key",
    });
  }
}

/** Incremental settings with both spellings folded into one. */
export interface IncrementalSettings {
  key: string;
  /** Inclusive lower bound for a run that has no bookmark yet. */
  start: Value | undefined;
}

/**
 * The incremental settings of a config, or undefined for a full read.
 *
 * @example
 * incrementalSettings({ replication_key: "id", start_replication_value: 10 }); // { key: "id", start: 10 }
 */
export function incrementalSettings(config: IncrementalConfig): IncrementalSettings | undefined {
  if (config.replication?.type === "incremental") {
    return { key: config.replication.column, start: config.replication.initial_value as Value };
  }
  if (config.replication_key === undefined) return undefined;
  return { key: config.replication_key, start: config.start_replication_value as Value | undefined };
}

import { type CheckReport, FaucetError, type Logger, probe, type Value, type WriteMode } from "faucet-core";
import { type PlannedColumn, plannedColumns, type SqlDialect } from "./column-types.js";
import type { DeleteMarker } from "./config.js";

/** The config keys {@link ensureSinkTable} reads (a sink without write modes leaves them out). */
export interface SinkTableConfig {
  create_table: boolean;
  write_mode?: WriteMode;
  key?: readonly string[];
  delete_marker?: DeleteMarker | undefined;
}

/** What {@link ensureSinkTable} needs from a sink's dialect. */
export interface SinkTableOptions<M extends ReadonlyMap<string, unknown>> {
  connector: string;
  logger: Logger;
  dialect: SqlDialect;
  config: SinkTableConfig;
  /** The single JSON column of a json/jsonb mapping; undefined for auto_map. */
  jsonColumn: string | undefined;
  /** How to fix a table that lacks that column, e.g. `name an existing JSON column in …`. */
  jsonHint: string;
  /** The table as configured, quoted: the one that must exist unless `create_table`. */
  table: string;
  /** The table written to, quoted: the table, or a staging table during an overwrite. */
  target: string;
  /** The first page, which types the columns `create_table` makes. */
  records: readonly Value[];
  /** The target's columns by name, or undefined when it does not exist. */
  load(): Promise<M | undefined>;
  /** Creates the target with `columns` and primary key `key` (`createTableSql` and the dialect's extras). */
  create(columns: PlannedColumn[], key: readonly string[]): Promise<void>;
}

/**
 * Makes sure a SQL sink's write target exists and returns its columns: loads them, creates the
 * table from the first page when it is missing and `create_table` allows (keyed modes make `key`
 * the primary key; the delete marker is never a column), and checks that a JSON mapping's column
 * is there.
 *
 * @example
 * this.#columns ??= await ensureSinkTable({ connector, logger, dialect: "mysql", config, jsonColumn, jsonHint, table, target, records, load, create });
 */
export async function ensureSinkTable<M extends ReadonlyMap<string, unknown>>(
  options: SinkTableOptions<M>,
): Promise<M> {
  const { connector, target } = options;
  let columns = await options.load();
  if (!columns) {
    if (!options.config.create_table) {
      throw new FaucetError("sink", `table ${options.table} does not exist`, {
        connector,
        hint: "create it, or set create_table: true to create it from the first page",
      });
    }
    const { write_mode: mode, key = [], delete_marker: marker } = options.config;
    const primaryKey = mode === "upsert" || mode === "delete" ? key : [];
    const planned = plannedColumns(options.records, {
      dialect: options.dialect,
      jsonColumn: options.jsonColumn,
      key: primaryKey,
      skip: marker?.field,
    });
    await options.create(planned, primaryKey);
    options.logger.info("created table", { connector, table: target, columns: planned.length });
    columns = await options.load();
    if (!columns) throw new FaucetError("sink", `creating ${target} failed`, { connector });
  }
  const json = options.jsonColumn;
  if (json !== undefined && !columns.has(json)) {
    throw new FaucetError("config", `${target} has no column "${json}" for the records`, {
      connector,
      hint: options.jsonHint,
    });
  }
  return columns;
}

/**
 * The table's columns for `key`, in key order; a name that is not a column is a config error.
 *
 * @example
 * const keys = keyColumnsOf(columns, config.key, "`test`.`orders`", "sink-mysql");
 */
export function keyColumnsOf<C>(
  columns: ReadonlyMap<string, C>,
  key: readonly string[],
  table: string,
  connector: string,
): C[] {
  return key.map((name) => {
    const column = columns.get(name);
    if (!column) {
      throw new FaucetError("config", `key column "${name}" is not a column of ${table}`, {
        connector,
        hint: "name the table's key columns in `key`",
      });
    }
    return column;
  });
}

/** Options of {@link checkSinkTable}. */
export interface CheckSinkTableOptions {
  /** The first probe: connects to the server, or opens the database. */
  connect(): Promise<unknown>;
  /** The first probe's name; default `connect`. */
  connectProbe?: string;
  /** The table, quoted. */
  table: string;
  createTable: boolean;
  exists(): Promise<boolean>;
  /** A further check of an existing table, e.g. the INSERT privilege: throws why it cannot be written. */
  writable?(): Promise<void>;
  /** The table probe's hint; default `create the table, or set create_table: true`. */
  hint?: string;
}

/**
 * `check()` of a SQL sink: a connect probe, then a table probe that passes when the table exists
 * (and is writable), skips when `create_table` will make it, and fails otherwise.
 *
 * @example
 * check() { return checkSinkTable({ connect: () => pool.query("SELECT 1"), table, createTable, exists }); }
 */
export async function checkSinkTable(options: CheckSinkTableOptions): Promise<CheckReport> {
  const connect = await probe(options.connectProbe ?? "connect", () => options.connect());
  if (connect.status !== "pass") return { probes: [connect] };
  const table = await probe(
    "table",
    async () => {
      const exists = await options.exists();
      if (!exists && !options.createTable) throw new Error(`${options.table} does not exist`);
      if (!exists) return { skip: `${options.table} will be created from the first page` };
      await options.writable?.();
      return undefined;
    },
    options.hint ?? "create the table, or set create_table: true",
  );
  return { probes: [connect, table] };
}

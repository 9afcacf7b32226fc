import { inferColumns, type LogicalType, type Value } from "faucet-core";

/** The SQL dialects faucet writes to. */
export type SqlDialect = "postgres" | "mysql" | "duckdb" | "sqlite";

/**
 * The column type `create_table` and schema evolution use for each logical type, per dialect:
 * wide enough for every value of the type (64-bit integers, doubles, unbounded text), JSON where
 * the database has a JSON type.
 */
export const COLUMN_TYPES: Readonly<Record<SqlDialect, Readonly<Record<LogicalType, string>>>> = {
  postgres: { integer: "bigint", number: "double precision", boolean: "boolean", string: "text", json: "jsonb" },
  mysql: { integer: "BIGINT", number: "DOUBLE", boolean: "BOOLEAN", string: "LONGTEXT", json: "JSON" },
  duckdb: { integer: "BIGINT", number: "DOUBLE", boolean: "BOOLEAN", string: "VARCHAR", json: "JSON" },
  sqlite: { integer: "INTEGER", number: "REAL", boolean: "INTEGER", string: "TEXT", json: "TEXT" },
};

/**
 * Key column types where the plain type cannot be indexed whole (MySQL cannot make a primary key
 * of LONGTEXT or JSON).
 */
export const KEY_COLUMN_TYPES: Readonly<Partial<Record<SqlDialect, Partial<Record<LogicalType, string>>>>> = {
  mysql: { string: "VARCHAR(255)", json: "VARCHAR(255)" },
};

/** The type of a column of `type` in `dialect`, as a key column when `key`. */
export function columnTypeFor(dialect: SqlDialect, type: LogicalType, key = false): string {
  return (key ? KEY_COLUMN_TYPES[dialect]?.[type] : undefined) ?? COLUMN_TYPES[dialect][type];
}

/** A column `create_table` makes. */
export interface PlannedColumn {
  name: string;
  type: string;
}

/** Options of {@link plannedColumns}. */
export interface PlannedColumnsOptions {
  dialect: SqlDialect;
  /** The single JSON column of a json/jsonb mapping; undefined for auto_map. */
  jsonColumn?: string | undefined;
  /** Key columns (they are created first when no record has them, and typed as keys). */
  key?: readonly string[];
  /** A field never written (the delete marker's). */
  skip?: string | undefined;
}

/**
 * The columns `create_table` makes for a first page: the JSON column alone for a JSON mapping,
 * else one column per key seen (types from {@link inferColumns}), the delete marker left out, key
 * columns typed so they can be a primary key and added (as strings) when no record has them.
 *
 * @example
 * plannedColumns([{ id: 1, name: "a" }], { dialect: "mysql", key: ["id"] });
 * // [{ name: "id", type: "BIGINT" }, { name: "name", type: "LONGTEXT" }]
 */
export function plannedColumns(records: readonly Value[], options: PlannedColumnsOptions): PlannedColumn[] {
  const { dialect } = options;
  if (options.jsonColumn !== undefined) return [{ name: options.jsonColumn, type: COLUMN_TYPES[dialect].json }];
  const key = options.key ?? [];
  const columns = inferColumns(records)
    .filter((c) => c.name !== options.skip)
    .map((c) => ({ name: c.name, type: columnTypeFor(dialect, c.type, key.includes(c.name)) }));
  for (const name of [...key].reverse()) {
    if (!columns.some((c) => c.name === name)) columns.unshift({ name, type: columnTypeFor(dialect, "string", true) });
  }
  return columns;
}

/**
 * `CREATE TABLE IF NOT EXISTS <table> (<columns>, PRIMARY KEY (…))<suffix>` with identifiers
 * quoted by the dialect's `quote`.
 *
 * @example
 * createTableSql("`t`", [{ name: "id", type: "BIGINT" }], ["id"], (n) => `\`${n}\``, " ENGINE=InnoDB");
 */
export function createTableSql(
  table: string,
  columns: readonly PlannedColumn[],
  primaryKey: readonly string[],
  quote: (name: string) => string,
  suffix = "",
): string {
  const defs = columns.map((c) => `${quote(c.name)} ${c.type}`);
  if (primaryKey.length > 0) defs.push(`PRIMARY KEY (${primaryKey.map(quote).join(", ")})`);
  return `CREATE TABLE IF NOT EXISTS ${table} (${defs.join(", ")})${suffix}`;
}

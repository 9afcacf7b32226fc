import { type MysqlColumn, qualifiedName, quoteIdent } from "faucet-common-mysql";
import { COMMIT_TOKEN_TABLE } from "faucet-common-sql";

/** The longest identifier MySQL keeps. */
const MAX_IDENTIFIER = 64;

/** The session every sink connection runs in: strict (a value that does not fit fails), no zero dates. */
export const SINK_SQL_MODE =
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

/** A table and its database (undefined: the connection's default). */
export interface TableRef {
  database: string | undefined;
  name: string;
}

export function sqlName(table: TableRef): string {
  return qualifiedName(table.database, table.name);
}

function withSuffix(base: string, suffix: string): string {
  return base.slice(0, MAX_IDENTIFIER - suffix.length) + suffix;
}

/** The staging table an overwrite loads before it is swapped in. */
export function stagingTable(table: TableRef): TableRef {
  return { database: table.database, name: withSuffix(table.name, "__faucet_staging") };
}

/** The name the old table takes for the instant of the swap. */
export function retiredTable(table: TableRef): TableRef {
  return { database: table.database, name: withSuffix(table.name, "__faucet_old") };
}

export const EXISTS_SQL =
  "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?";

export function insertHead(table: TableRef, columns: readonly MysqlColumn[]): string {
  return `INSERT INTO ${sqlName(table)} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) VALUES `;
}

/** `ON DUPLICATE KEY UPDATE` for an upsert: every non-key column takes the new row's value. */
export function onDuplicateSql(columns: readonly MysqlColumn[], keys: readonly string[]): string {
  const updates = columns
    .filter((c) => !keys.includes(c.name))
    .map((c) => `${quoteIdent(c.name)} = VALUES(${quoteIdent(c.name)})`);
  const first = quoteIdent(keys[0] as string);
  return ` ON DUPLICATE KEY UPDATE ${updates.length > 0 ? updates.join(", ") : `${first} = ${first}`}`;
}

/** `DELETE … WHERE key IN (` or `WHERE (k1, k2) IN (`: the head of a delete by keys. */
export function deleteHead(table: TableRef, keys: readonly string[]): string {
  const target = keys.length === 1 ? quoteIdent(keys[0] as string) : `(${keys.map(quoteIdent).join(", ")})`;
  return `DELETE FROM ${sqlName(table)} WHERE ${target} IN (`;
}

export function tokenTable(database: string | undefined): TableRef {
  return { database, name: COMMIT_TOKEN_TABLE };
}

export function tokenTableSql(database: string | undefined): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${sqlName(tokenTable(database))} ` +
    "(scope VARCHAR(512) NOT NULL PRIMARY KEY, token TEXT NOT NULL, " +
    "updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
  );
}

/** The row a data error names (`… at row 3`), as a 0-based index within its statement. */
export function statementRow(error: unknown): number | undefined {
  const message = (error as { sqlMessage?: string; message?: string } | undefined)?.sqlMessage ?? "";
  const match = / at row (\d+)/.exec(message);
  return match ? Number(match[1]) - 1 : undefined;
}

/** The column a data error names (`for column 'x'`, `` for column `db`.`t`.`x` ``, `Column 'x'`). */
export function errorColumn(error: unknown): string | undefined {
  const message = (error as { sqlMessage?: string } | undefined)?.sqlMessage ?? "";
  const match = /[Cc]olumn (?:'([^']+)'|`[^`]*`\.`[^`]*`\.`([^`]+)`)/.exec(message);
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Server errors that mean a row's value does not fit its column or a constraint. */
export const DATA_ERRNOS = new Set([
  1048, 1062, 1264, 1265, 1292, 1366, 1367, 1406, 1411, 1416, 1452, 1690, 3140, 3819, 4025, 4078, 1918,
]);

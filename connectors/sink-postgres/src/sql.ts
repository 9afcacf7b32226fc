import { qualifiedName, quoteIdent } from "faucet-common-postgres";
import { COMMIT_TOKEN_TABLE } from "faucet-common-sql";
import type { TargetColumn } from "./encode.js";

/** The most parameters one statement may bind. */
export const MAX_PARAMETERS = 65_535;

/** The longest identifier Postgres keeps (NAMEDATALEN - 1 bytes). */
const MAX_IDENTIFIER_BYTES = 63;

/** A table name and its schema, quoted together on demand. */
export interface TableRef {
  schema: string | undefined;
  name: string;
}

export function sqlName(table: TableRef): string {
  return qualifiedName(table.schema, table.name);
}

/** `"schema"."name"` as text, for `to_regclass($1)`. */
export function regclassText(table: TableRef): string {
  return sqlName(table);
}

/** The staging table an overwrite loads before it is swapped in. */
export function stagingTable(table: TableRef): TableRef {
  return { schema: table.schema, name: truncateIdentifier(table.name, "__faucet_staging") };
}

/** The name the old table takes for the instant of the swap. */
export function retiredTable(table: TableRef): TableRef {
  return { schema: table.schema, name: truncateIdentifier(table.name, "__faucet_old") };
}

function truncateIdentifier(base: string, suffix: string): string {
  let head = base;
  while (Buffer.byteLength(head + suffix) > MAX_IDENTIFIER_BYTES) head = head.slice(0, -1);
  return head + suffix;
}

/** Reads a table's columns with base types (domains resolved) and exact SQL types. */
export const COLUMNS_SQL = `
SELECT a.attname AS name, bt.oid::int AS oid, bt.typcategory AS category,
       CASE WHEN bt.typcategory = 'A' THEN
         (SELECT CASE WHEN e.typtype = 'd' THEN e.typbasetype ELSE e.oid END FROM pg_type e WHERE e.oid = bt.typelem)::int
       END AS "elementOid",
       format_type(a.atttypid, a.atttypmod) AS "sqlType",
       format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS "baseType", CASE a.atttypid WHEN 1560 THEN 'bit varying' WHEN 1561 THEN 'bit varying[]'
         WHEN 1042 THEN 'bpchar' WHEN 1014 THEN 'bpchar[]' ELSE format_type(a.atttypid, NULL) END AS "castType",
       NOT a.attnotnull AS nullable,
       a.attgenerated <> '' AS generated
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

export function copyFromSql(table: TableRef, columns: readonly string[]): string {
  return `COPY ${sqlName(table)} (${columns.map(quoteIdent).join(", ")}) FROM STDIN`;
}

/**
 * `INSERT … SELECT … FROM unnest($1::text[], …)`: one array parameter per column whatever the
 * row count, so the server parses one short statement. Each element is cast to the column's type
 * without its modifier (an explicit cast to `varchar(3)` or `numeric(5,2)` would truncate or
 * round silently); the assignment to the column then checks the modifier, as COPY does. (`bit`
 * and `character` without a modifier mean length 1, so they are cast to `varbit` and `bpchar`.)
 */
export function insertUnnestSql(table: TableRef, columns: readonly TargetColumn[]): string {
  const aliases = columns.map((_, i) => `c${i}`);
  const casts = columns.map((c, i) => `u.c${i}::${c.castType}`);
  const arrays = columns.map((_, i) => `$${i + 1}::text[]`);
  return (
    `INSERT INTO ${sqlName(table)} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) ` +
    `SELECT ${casts.join(", ")} FROM unnest(${arrays.join(", ")}) AS u(${aliases.join(", ")})`
  );
}

/**
 * `INSERT … SELECT … FROM unnest(string_to_array($1, E'\n'))`: rows of COPY text without
 * backslash escapes other than whole-field `\N` (NULL), given as one text parameter and split
 * by the server, each field cast like {@link insertUnnestSql}'s. Needs two columns or more (one
 * empty line would be no row at all).
 */
export function insertLinesSql(table: TableRef, columns: readonly TargetColumn[]): string {
  const casts = columns.map((c, i) => `f[${i + 1}]::${c.castType}`);
  return (
    `INSERT INTO ${sqlName(table)} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) ` +
    `SELECT ${casts.join(", ")} FROM unnest(string_to_array($1::text, E'\\n')) AS l(line), ` +
    `LATERAL string_to_array(l.line, E'\\t', E'\\\\N') AS f`
  );
}

/** `INSERT … VALUES ($1, $2), ($3, $4), …` for `rows` rows: one parameter per value. */
export function insertValuesSql(table: TableRef, columns: readonly TargetColumn[], rows: number): string {
  const tuples: string[] = [];
  let p = 1;
  for (let r = 0; r < rows; r++) {
    tuples.push(`(${columns.map((c) => `$${p++}::${c.castType}`).join(", ")})`);
  }
  return `INSERT INTO ${sqlName(table)} (${columns.map((c) => quoteIdent(c.name)).join(", ")}) VALUES ${tuples.join(", ")}`;
}

/** The `ON CONFLICT` clause of an upsert on `keys`. */
export function onConflictSql(columns: readonly TargetColumn[], keys: readonly string[]): string {
  const updates = columns
    .filter((c) => !keys.includes(c.name))
    .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
  const target = `ON CONFLICT (${keys.map(quoteIdent).join(", ")})`;
  return updates.length === 0 ? `${target} DO NOTHING` : `${target} DO UPDATE SET ${updates.join(", ")}`;
}

/** `DELETE … USING unnest(…)`: deletes the rows whose key matches one of the given keys. */
export function deleteSql(table: TableRef, keys: readonly TargetColumn[]): string {
  const casts = keys.map((c, i) => `u.c${i}::${c.castType} AS c${i}`);
  const arrays = keys.map((_, i) => `$${i + 1}::text[]`);
  const match = keys.map((c, i) => `t.${quoteIdent(c.name)} = d.c${i}`);
  return (
    `DELETE FROM ${sqlName(table)} AS t USING (SELECT ${casts.join(", ")} FROM unnest(${arrays.join(", ")}) ` +
    `AS u(${keys.map((_, i) => `c${i}`).join(", ")})) AS d WHERE ${match.join(" AND ")}`
  );
}

export function tokenTableSql(schema: string | undefined): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${qualifiedName(schema, COMMIT_TOKEN_TABLE)} ` +
    "(scope text PRIMARY KEY, token text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())"
  );
}

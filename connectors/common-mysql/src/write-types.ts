import { formatTimestamp, parseTimestamp } from "faucet-common-sql";
import type { Value } from "faucet-core";
import { quoteString } from "./quote.js";

/** One column of a destination table, from information_schema. */
export interface MysqlColumn {
  name: string;
  /** `DATA_TYPE`, lower case: `bigint`, `varchar`, `datetime`, … */
  dataType: string;
  /** `COLUMN_TYPE`: the exact SQL type, e.g. `decimal(38,10)`, `bigint(20) unsigned`. */
  columnType: string;
  nullable: boolean;
  /** Generated columns cannot be written; their keys are ignored. */
  generated: boolean;
  /** A JSON column (MySQL's JSON type, or MariaDB's LONGTEXT with a json_valid check). */
  json: boolean;
}

/**
 * Reads a table's columns in order: name, types, nullability, generation and JSON-ness (MariaDB's
 * JSON is LONGTEXT with a `json_valid` check constraint). Parameters: database, table.
 */
export const COLUMNS_SQL = `
SELECT c.COLUMN_NAME AS name, LOWER(c.DATA_TYPE) AS dataType, c.COLUMN_TYPE AS columnType,
       c.IS_NULLABLE = 'YES' AS nullable,
       (c.EXTRA LIKE '%GENERATED%' OR c.EXTRA IN ('VIRTUAL', 'PERSISTENT', 'STORED')) AS \`generated\`,
       (LOWER(c.DATA_TYPE) = 'json' OR EXISTS (
         SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k
         WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME
           AND k.CHECK_CLAUSE = CONCAT('json_valid(\`', REPLACE(c.COLUMN_NAME, '\`', '\`\`'), '\`)'))) AS json
FROM information_schema.COLUMNS c
WHERE c.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND c.TABLE_NAME = ?
ORDER BY c.ORDINAL_POSITION`;

/** Raised for a value that cannot be written to its column. */
export class ValueError extends Error {
  override readonly name = "ValueError";
}

/** Turns one JSON value into the SQL literal of a column. */
export type LiteralEncoder = (value: Value | undefined) => string;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BINARY_TYPES = new Set(["binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit"]);
const TEMPORAL_TYPES = new Set(["datetime", "timestamp"]);
const INTEGER_TYPES = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint"]);

function scalar(value: Value): string {
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      return String(value);
    case "boolean":
      return value ? "TRUE" : "FALSE";
    default:
      return quoteString(JSON.stringify(value));
  }
}

function binary(value: Value): string {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") throw new ValueError(`a binary column needs a base64 string, got ${typeof value}`);
  const compact = value.replace(/\s+/g, "");
  if (compact.length % 4 === 1 || !BASE64.test(compact)) throw new ValueError("a binary column needs base64 text");
  return `X'${Buffer.from(compact, "base64").toString("hex")}'`;
}

function temporal(offsetMinutes: number, fractionDigits: number): (value: Value) => string {
  return (value) => {
    if (typeof value !== "string") return scalar(value);
    const parsed = parseTimestamp(value, offsetMinutes);
    // What does not parse is left for the server to accept or reject (with the row's number).
    return parsed ? quoteString(formatTimestamp(parsed, offsetMinutes, "sql", fractionDigits)) : quoteString(value);
  };
}

/**
 * The literal encoder of a column: NULL for null or missing, base64 → `X'…'` for binary and BIT
 * columns, ISO 8601 timestamps with any offset → wall-clock text at the session's offset for
 * DATETIME/TIMESTAMP (the time-zone rule of `timezone`), any JSON value as JSON text for JSON
 * columns, numbers as written, booleans as TRUE/FALSE, strings escaped, and objects or arrays as
 * JSON text elsewhere. Strictness (range, length, format) is left to the server in STRICT mode,
 * whose error names the row.
 *
 * @example
 * literalFor({ dataType: "blob", json: false } as MysqlColumn, 0)("AAH/"); // "X'0001ff'"
 */
export function literalFor(column: MysqlColumn, offsetMinutes: number): LiteralEncoder {
  if (column.json) return (v) => (v === null || v === undefined ? "NULL" : quoteString(JSON.stringify(v)));
  if (BINARY_TYPES.has(column.dataType)) return (v) => (v === null || v === undefined ? "NULL" : binary(v));
  if (TEMPORAL_TYPES.has(column.dataType)) {
    const digits = Number(/\((\d)\)/.exec(column.columnType)?.[1] ?? 0);
    const encode = temporal(offsetMinutes, digits);
    return (v) => (v === null || v === undefined ? "NULL" : encode(v));
  }
  if (INTEGER_TYPES.has(column.dataType)) {
    // MySQL rounds a fractional number into an integer column silently, even when strict.
    return (v) => {
      if (v === null || v === undefined) return "NULL";
      if (typeof v === "number" && !Number.isInteger(v)) {
        throw new ValueError(`${v} is not an integer (${column.columnType} would round it)`);
      }
      return scalar(v);
    };
  }
  return (v) => (v === null || v === undefined ? "NULL" : scalar(v));
}

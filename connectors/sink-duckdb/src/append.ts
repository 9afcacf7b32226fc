import type { DuckDBAppender, DuckDBType } from "@duckdb/node-api";
import { DuckDBTimestampTZValue, DuckDBTypeId } from "@duckdb/node-api";
import { parseTimestamp } from "faucet-common-sql";
import type { Value } from "faucet-core";

/** Appends one record's value of a column (never undefined: a missing key appends the default). */
export type CellAppender = (appender: DuckDBAppender, value: Value) => void;

/** Raised for a value that cannot be written to its column. */
export class ValueError extends Error {
  override readonly name = "ValueError";
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** A non-UTC offset at the end of a timestamp: `+05:30`, `-08`, `+0100`. */
const OFFSET = /[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?\s*[+-]\d\d(?::?\d\d)?$/;

const INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
]);

/** Any value as text DuckDB's casts read: strings as they are, the rest as JSON. */
function asText(appender: DuckDBAppender, value: Value): void {
  appender.appendVarchar(typeof value === "string" ? value : JSON.stringify(value));
}

function asJson(appender: DuckDBAppender, value: Value): void {
  appender.appendVarchar(JSON.stringify(value));
}

function asInteger(appender: DuckDBAppender, value: Value): void {
  if (typeof value === "number") {
    // DuckDB would round a fractional number into an integer column.
    if (!Number.isInteger(value)) throw new ValueError(`${value} is not an integer`);
    appender.appendBigInt(BigInt(value));
  } else if (typeof value === "boolean") appender.appendBoolean(value);
  else asText(appender, value);
}

function asDouble(appender: DuckDBAppender, value: Value): void {
  if (typeof value === "number") appender.appendDouble(value);
  else asText(appender, value);
}

function asFloat(appender: DuckDBAppender, value: Value): void {
  if (typeof value === "number") appender.appendFloat(value);
  else asText(appender, value);
}

function asBoolean(appender: DuckDBAppender, value: Value): void {
  if (typeof value === "boolean") appender.appendBoolean(value);
  else asText(appender, value);
}

function asBlob(appender: DuckDBAppender, value: Value): void {
  if (typeof value !== "string") throw new ValueError(`a BLOB column needs a base64 string, got ${typeof value}`);
  const compact = value.replace(/\s+/g, "");
  if (compact.length % 4 === 1 || !BASE64.test(compact)) throw new ValueError("a BLOB column needs base64 text");
  appender.appendBlob(Buffer.from(compact, "base64"));
}

/**
 * TIMESTAMPTZ from an ISO 8601 text with its offset: the appender's own text cast drops the
 * offset (`…23:59:59+05:30` would land as 23:59:59 UTC), so the instant is computed here.
 */
function asTimestampTz(appender: DuckDBAppender, value: Value): void {
  // UTC (`…Z`) and zone-less text mean UTC to DuckDB's own cast too: only other offsets need work.
  if (typeof value === "string" && !OFFSET.test(value)) {
    appender.appendVarchar(value);
    return;
  }
  const parsed = typeof value === "string" ? parseTimestamp(value, 0) : undefined;
  if (!parsed) {
    asText(appender, value);
    return;
  }
  if (/[1-9]/.test(parsed.fraction.slice(6))) throw new ValueError(`${value} has more precision than microseconds`);
  const micros = BigInt(parsed.seconds) * 1_000_000n + BigInt(parsed.fraction.slice(0, 6).padEnd(6, "0"));
  appender.appendTimestampTZ(new DuckDBTimestampTZValue(micros));
}

/**
 * The appender of a column type: typed appends for numbers and booleans (an integer column
 * refuses a fraction instead of rounding it), base64 → bytes for BLOB, JSON text for JSON
 * columns, and text for everything else (DECIMAL, dates and timestamps with offsets, UUID,
 * lists and structs), which DuckDB casts exactly or rejects.
 *
 * @example
 * cellAppender(appender.columnType(0))(appender, 42);
 */
export function cellAppender(type: DuckDBType, json = false): CellAppender {
  if (json || type.alias === "JSON") return asJson;
  if (INTEGERS.has(type.typeId)) return asInteger;
  switch (type.typeId) {
    case DuckDBTypeId.DOUBLE:
      return asDouble;
    case DuckDBTypeId.FLOAT:
      return asFloat;
    case DuckDBTypeId.BOOLEAN:
      return asBoolean;
    case DuckDBTypeId.BLOB:
      return asBlob;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return asTimestampTz;
    default:
      return asText;
  }
}

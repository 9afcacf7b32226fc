import { CellError, formatTimestamp, LossyNumberError, parseJsonExact, parseTimestamp } from "faucet-common-sql";
import type { JsonSchema, Value, ValueObject } from "faucet-core";
import type { FieldPacket } from "mysql2/promise";

/** mysql2's column type codes faucet treats specially. */
export const TYPE = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  GEOMETRY: 255,
} as const;

const BINARY_CHARSET = 63;

/** How reading converts what the server sends. */
export interface ReadOptions {
  /** TINYINT(1) as true/false instead of 0/1. */
  tinyint1AsBool: boolean;
  /** The session time zone, minutes east of UTC: DATETIME values are read in it. */
  offsetMinutes: number;
  /** A JSON number a double cannot hold: fail the read, or read it as a string. */
  jsonBigNumbers: "fail" | "string";
  /** Called for a zero or invalid date read as null. */
  onInvalidDate?: (column: string, text: string) => void;
  /** Called for each JSON number read as a string. */
  onBigNumber?: (token: string) => void;
}

type Convert = (value: unknown) => Value;

function isZeroDate(text: string): boolean {
  // 0000-00-00, and dates with a zero month or day (NO_ZERO_IN_DATE off) have no ISO form.
  return (
    text.startsWith("0000") ||
    (text.charCodeAt(5) === 48 && text.charCodeAt(6) === 48) ||
    (text.charCodeAt(8) === 48 && text.charCodeAt(9) === 48)
  );
}

function converterFor(field: FieldPacket, options: ReadOptions): Convert | undefined {
  const type = field.columnType ?? field.type ?? -1;
  const name = field.name;
  const invalid = (text: string): null => {
    options.onInvalidDate?.(name, text);
    return null;
  };
  if ((field as { extendedFormat?: string }).extendedFormat === "json" || type === TYPE.JSON) {
    return (value) => {
      if (typeof value !== "string") return value as Value;
      if (options.jsonBigNumbers === "string") return parseJsonExact(value, options.onBigNumber);
      return parseJsonExact(value, (token) => {
        throw new LossyNumberError(token);
      });
    };
  }
  switch (type) {
    case TYPE.TINY:
      if (options.tinyint1AsBool && field.columnLength === 1) return (v) => (v === null ? null : v !== 0);
      return undefined;
    case TYPE.DATETIME:
    case TYPE.TIMESTAMP: {
      const offset = options.offsetMinutes;
      return (value) => {
        const text = value as string;
        if (isZeroDate(text)) return invalid(text);
        if (offset === 0) return `${text.slice(0, 10)}T${text.slice(11)}Z`;
        const parsed = parseTimestamp(text, offset);
        return parsed ? formatTimestamp(parsed, 0, "iso") : invalid(text);
      };
    }
    case TYPE.DATE:
    case TYPE.NEWDATE:
      return (value) => (isZeroDate(value as string) ? invalid(value as string) : (value as string));
    case TYPE.BIT:
    case TYPE.GEOMETRY:
      return (value) => (Buffer.isBuffer(value) ? value.toString("base64") : (value as Value));
    default:
      if (field.characterSet === BINARY_CHARSET && type >= TYPE.VARCHAR && type !== TYPE.NEWDECIMAL) {
        return (value) => (Buffer.isBuffer(value) ? value.toString("base64") : (value as Value));
      }
      return undefined;
  }
}

/**
 * Compiles, for one result's columns, the function that turns a mysql2 row (read with
 * {@link MysqlPool}'s options) into faucet's JSON, in place: DATETIME/TIMESTAMP as ISO 8601 UTC
 * (`2024-02-29T23:59:59.123456Z`), zero dates as null (reported), BIT/BLOB/BINARY as base64,
 * JSON parsed without losing digits, TINYINT(1) as a boolean when asked. BIGINT beyond ±2^53
 * and DECIMAL already arrive as strings. Undefined when no column needs converting.
 *
 * @example
 * const convert = rowConverter(fields, { tinyint1AsBool: false, offsetMinutes: 0, jsonBigNumbers: "fail" });
 * for (const row of rows) convert?.(row);
 */
export function rowConverter(
  fields: readonly FieldPacket[],
  options: ReadOptions,
): ((row: ValueObject) => ValueObject) | undefined {
  const names: string[] = [];
  const converters: Convert[] = [];
  for (const field of fields) {
    const convert = converterFor(field, options);
    if (convert) {
      names.push(field.name);
      converters.push(convert);
    }
  }
  if (names.length === 0) return undefined;
  const count = names.length;
  return (row) => {
    for (let i = 0; i < count; i++) {
      const name = names[i] as string;
      const value = row[name];
      if (value === null || value === undefined) continue;
      try {
        row[name] = (converters[i] as Convert)(value);
      } catch (error) {
        throw new CellError(name, error);
      }
    }
    return row;
  };
}

/**
 * The JSON Schema of a column from information_schema (`DATA_TYPE`, `COLUMN_TYPE`), as faucet
 * reads it: BIGINT as integer or string, DECIMAL as string, dates and times as strings, binary
 * as base64 strings, JSON as any value.
 *
 * @example
 * jsonSchemaForColumn("bigint", "bigint(20) unsigned", true); // { type: ["integer", "string", "null"] }
 */
export function jsonSchemaForColumn(
  dataType: string,
  columnType: string,
  nullable: boolean,
  options: { tinyint1AsBool?: boolean; json?: boolean } = {},
): JsonSchema {
  const t = dataType.toLowerCase();
  const withNull = (type: string | string[], extra: JsonSchema = {}): JsonSchema => {
    const types = [type].flat();
    return { type: nullable ? [...types, "null"] : types.length === 1 ? types[0] : types, ...extra };
  };
  if (options.json || t === "json") return nullable ? {} : { not: { type: "null" } };
  if (t === "tinyint" && /^tinyint\(1\)/i.test(columnType) && options.tinyint1AsBool) return withNull("boolean");
  if (["tinyint", "smallint", "mediumint", "int", "integer", "year"].includes(t)) return withNull("integer");
  if (t === "bigint") return withNull(["integer", "string"]);
  if (t === "float" || t === "double" || t === "real") return withNull("number");
  if (t === "decimal" || t === "numeric") return withNull("string", { format: "decimal" });
  if (t === "datetime" || t === "timestamp") return withNull("string", { format: "date-time" });
  if (t === "date") return withNull("string", { format: "date" });
  if (t.includes("blob") || t.includes("binary") || t === "bit" || t === "geometry") {
    return withNull("string", { contentEncoding: "base64" });
  }
  return withNull("string");
}

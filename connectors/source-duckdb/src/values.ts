import {
  type DuckDBBlobValue,
  type DuckDBDateValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBStructValue,
  type DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBUnionValue,
  type DuckDBValue,
} from "@duckdb/node-api";
import { LossyNumberError, parseJsonExact } from "faucet-common-sql";
import type { Value } from "faucet-core";

/** Turns one DuckDB value of a column's type into faucet's JSON (never called with null). */
export type ValueReader = (value: DuckDBValue) => Value;

/** How values are read. */
export interface ReadOptions {
  jsonBigNumbers: "fail" | "string";
  onBigNumber?: (token: string) => void;
}

const MAX_DATE_DAYS = 2147483647;
const MAX_MICROS = 9223372036854775807n;

const big = (value: DuckDBValue): Value => {
  const n = Number(value as bigint);
  return Number.isSafeInteger(n) ? n : String(value);
};
const text = (value: DuckDBValue): Value => String(value);
const double = (value: DuckDBValue): Value => {
  const n = value as number;
  return Number.isFinite(n) ? n : String(n); // NaN and ±Infinity have no JSON number
};
const plain = (value: DuckDBValue): Value => value as Value;

function infinite(micros: bigint): string | undefined {
  if (micros === MAX_MICROS) return "infinity";
  if (micros === -MAX_MICROS) return "-infinity";
  return undefined;
}

/** `2024-02-29 23:59:59.5` → `2024-02-29T23:59:59.5` (a timestamp without a zone stays without one). */
const timestamp = (value: DuckDBValue): Value => {
  const v = value as DuckDBTimestampValue;
  if ("micros" in v) {
    const special = infinite(v.micros);
    if (special) return special;
  }
  const s = String(v);
  return s.charCodeAt(10) === 32 ? `${s.slice(0, 10)}T${s.slice(11)}` : s;
};

/** `2024-02-29 18:29:59.5+00` → `2024-02-29T18:29:59.5Z`: RFC 3339 UTC with its fraction. */
const timestamptz = (value: DuckDBValue): Value => {
  const special = infinite((value as DuckDBTimestampValue).micros);
  if (special) return special;
  const s = String(value);
  if (s.charCodeAt(10) !== 32) return s;
  const body = `${s.slice(0, 10)}T${s.slice(11)}`;
  return body.endsWith("+00") ? `${body.slice(0, -3)}Z` : body;
};

const date = (value: DuckDBValue): Value => {
  const days = (value as DuckDBDateValue).days;
  if (days === MAX_DATE_DAYS) return "infinity";
  if (days === -MAX_DATE_DAYS) return "-infinity";
  return String(value);
};

const blob = (value: DuckDBValue): Value => Buffer.from((value as DuckDBBlobValue).bytes).toString("base64");

function json(options: ReadOptions): ValueReader {
  const onLossy =
    options.jsonBigNumbers === "string"
      ? options.onBigNumber
      : (token: string) => {
          throw new LossyNumberError(token);
        };
  return (value) => parseJsonExact(value as string, onLossy);
}

/**
 * The reader of a column type, recursively for nested types: integers beyond ±2^53 (BIGINT,
 * HUGEINT, UBIGINT) and every DECIMAL as strings of their exact digits, TIMESTAMP as ISO 8601
 * without a zone, TIMESTAMPTZ as RFC 3339 UTC, BLOB as base64, JSON parsed exactly, lists and
 * arrays as arrays, structs as objects, maps as `[{ key, value }]`, anything else as its text.
 *
 * @example
 * readerFor(type, { jsonBigNumbers: "fail" })(value);
 */
export function readerFor(type: DuckDBType, options: ReadOptions): ValueReader {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
      return plain;
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return big;
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return double;
    case DuckDBTypeId.VARCHAR:
      return type.alias === "JSON" ? json(options) : plain;
    case DuckDBTypeId.BLOB:
      return blob;
    case DuckDBTypeId.DATE:
      return date;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestamp;
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestamptz;
    case DuckDBTypeId.SQLNULL:
      return () => null;
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const child = readerFor((type as unknown as { valueType: DuckDBType }).valueType, options);
      return (value) => (value as DuckDBListValue).items.map((item) => (item === null ? null : child(item)));
    }
    case DuckDBTypeId.STRUCT: {
      const entries = type as unknown as { entryNames: string[]; entryTypes: DuckDBType[] };
      const readers = new Map(
        entries.entryNames.map((name, i) => [name, readerFor(entries.entryTypes[i] as DuckDBType, options)]),
      );
      return (value) => {
        const out: Record<string, Value> = {};
        for (const [name, item] of Object.entries((value as DuckDBStructValue).entries)) {
          out[name] = item === null ? null : ((readers.get(name) ?? text)(item) as Value);
        }
        return out;
      };
    }
    case DuckDBTypeId.MAP: {
      const map = type as unknown as { keyType: DuckDBType; valueType: DuckDBType };
      const readKey = readerFor(map.keyType, options);
      const readValue = readerFor(map.valueType, options);
      return (value) =>
        (value as DuckDBMapValue).entries.map((e) => ({
          key: e.key === null ? null : readKey(e.key),
          value: e.value === null ? null : readValue(e.value),
        }));
    }
    case DuckDBTypeId.UNION:
      return (value) => {
        const u = value as DuckDBUnionValue;
        return u.value === null ? null : text(u.value);
      };
    default:
      // DECIMAL, TIME, TIMETZ, INTERVAL, UUID, ENUM, BIT and the rest: their exact text.
      return type.typeId === DuckDBTypeId.DECIMAL ? text : (v) => (typeof v === "string" ? v : String(v));
  }
}

/** JSON Schema of a column from information_schema's `data_type`, as faucet reads it. */
export function jsonSchemaForType(dataType: string, nullable: boolean): Record<string, unknown> {
  const t = dataType.toUpperCase();
  const type = (name: string | string[], extra: Record<string, unknown> = {}) => {
    const names = [name].flat();
    return { type: nullable ? [...names, "null"] : names.length === 1 ? names[0] : names, ...extra };
  };
  if (t === "JSON") return {};
  if (t.endsWith("[]") || /^[A-Z]+\[\d+\]$/.test(t)) return type("array");
  if (t.startsWith("STRUCT")) return type("object");
  if (t.startsWith("MAP")) return type("array");
  if (t === "BOOLEAN") return type("boolean");
  if (["TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT", "UINTEGER"].includes(t)) return type("integer");
  if (["BIGINT", "UBIGINT", "HUGEINT", "UHUGEINT"].includes(t)) return type(["integer", "string"]);
  if (t === "FLOAT" || t === "DOUBLE") return type("number");
  if (t.startsWith("DECIMAL")) return type("string", { format: "decimal" });
  if (t.startsWith("TIMESTAMP")) return type("string", { format: "date-time" });
  if (t === "DATE") return type("string", { format: "date" });
  if (t === "BLOB") return type("string", { contentEncoding: "base64" });
  return type("string");
}

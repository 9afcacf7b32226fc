/**
 * Parquet values → JSON values, with no silent loss. hyparquet decodes the physical values and
 * assembles lists, maps and structs; every annotation it would convert lossily (DECIMAL to a
 * float, timestamps to a millisecond Date, INT64 to BigInt) is stripped from the schema it sees,
 * and the raw values are converted here from the original schema:
 *
 * - INT64 / UINT64 → a number within ±2^53, a decimal string beyond (never a BigInt);
 * - DECIMAL → an exact decimal string (`"123.450"`);
 * - TIMESTAMP / INT96 → RFC 3339 UTC with the unit's precision (`…T10:00:00.123456Z`);
 * - DATE → `YYYY-MM-DD`; TIME → `HH:MM:SS.fff…`; INTERVAL → an ISO 8601 duration;
 * - binary → base64; ENUM → string; JSON → parsed, integers beyond ±2^53 kept as strings;
 * - FLOAT → the shortest decimal that reads back as the same float32;
 * - NaN and ±Infinity → the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 */

import type { Value } from "faucet-core";
import type { FileMetaData, SchemaElement, SchemaTree } from "hyparquet";

/** Converts one non-null decoded value. `undefined` means the value is already JSON. */
export type Converter = ((value: unknown) => Value) | undefined;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
const UTF8 = new TextDecoder();

/** Leaf annotations converted here rather than by hyparquet. */
const OWN_CONVERTED = new Set([
  "DECIMAL",
  "DATE",
  "TIME_MILLIS",
  "TIME_MICROS",
  "TIMESTAMP_MILLIS",
  "TIMESTAMP_MICROS",
  "INTERVAL",
  "BSON",
  "JSON",
  "ENUM",
]);
const OWN_LOGICAL = new Set(["DECIMAL", "DATE", "TIME", "TIMESTAMP", "INTERVAL", "BSON", "JSON", "ENUM"]);

/**
 * A copy of `metadata` whose leaf elements no longer carry the annotations converted here, so
 * hyparquet hands over raw physical values for them.
 */
export function rawMetadata(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((element) => {
    if (element.num_children) return element;
    const ownConverted = element.converted_type !== undefined && OWN_CONVERTED.has(element.converted_type);
    const ownLogical = element.logical_type !== undefined && OWN_LOGICAL.has(element.logical_type.type);
    if (!ownConverted && !ownLogical) return element;
    const { converted_type: _c, logical_type: _l, ...rest } = element;
    return rest as SchemaElement;
  });
  return { ...metadata, schema };
}

/** hyparquet's parsers; only INT96 timestamps still reach them once annotations are stripped. */
export const PARSERS = {
  timestampFromNanoseconds: (nanos: bigint) => formatTimestamp(nanos, 1_000_000_000n, 9),
};

/** The converter for one top-level column, from its original (unstripped) schema node. */
export function converterFor(node: SchemaTree): Converter {
  const { element } = node;
  if (node.children.length === 0) {
    const leaf = leafConverter(element);
    return element.repetition_type === "REPEATED" ? listOf(leaf) : leaf;
  }
  if (isListLike(node)) {
    const list = node.children[0] as SchemaTree;
    const item = list.children.length === 1 ? (list.children[0] as SchemaTree) : list;
    return listOf(converterFor(item));
  }
  if (isMapLike(node)) {
    const entry = node.children[0] as SchemaTree;
    const valueNode = entry.children.find((child) => child.element.name === "value");
    return mapOf(valueNode ? converterFor(valueNode) : undefined);
  }
  if (element.logical_type?.type === "VARIANT") return toJson;
  const fields = node.children.map((child) => [child.element.name, converterFor(child)] as const);
  const struct = (value: unknown): Value => {
    if (typeof value !== "object" || value === null) return toJson(value);
    const source = value as Record<string, unknown>;
    const out: Record<string, Value> = {};
    for (const [name, convert] of fields) {
      const v = source[name];
      out[name] = v === null || v === undefined ? null : convert ? convert(v) : (v as Value);
    }
    return out;
  };
  return node.element.repetition_type === "REPEATED" ? listOf(struct) : struct;
}

function listOf(item: Converter): Converter {
  return (value) => {
    if (!isArrayLike(value)) return toJson(value);
    const out = new Array<Value>(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      out[i] = v === null || v === undefined ? null : item ? item(v) : (v as Value);
    }
    return out;
  };
}

function mapOf(valueConverter: Converter): Converter {
  return (value) => {
    if (typeof value !== "object" || value === null) return toJson(value);
    const out: Record<string, Value> = {};
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as Record<string, unknown>);
    for (const [key, v] of entries) {
      out[typeof key === "string" ? key : String(toJson(key))] =
        v === null || v === undefined ? null : valueConverter ? valueConverter(v) : (v as Value);
    }
    return out;
  };
}

function leafConverter(element: SchemaElement): Converter {
  const ctype = element.converted_type;
  const ltype = element.logical_type;
  if (ctype === "DECIMAL" || ltype?.type === "DECIMAL") {
    const scale = ltype?.type === "DECIMAL" ? ltype.scale : (element.scale ?? 0);
    return (v) => formatDecimal(unscaled(v), scale);
  }
  if (ctype === "DATE" || ltype?.type === "DATE") return (v) => formatDate(Number(v));
  if (ltype?.type === "TIMESTAMP") return timestampConverter(ltype.unit);
  if (ctype === "TIMESTAMP_MILLIS") return timestampConverter("MILLIS");
  if (ctype === "TIMESTAMP_MICROS") return timestampConverter("MICROS");
  if (ltype?.type === "TIME") return timeConverter(ltype.unit);
  if (ctype === "TIME_MILLIS") return timeConverter("MILLIS");
  if (ctype === "TIME_MICROS") return timeConverter("MICROS");
  if (ctype === "INTERVAL" || ltype?.type === "INTERVAL") return (v) => formatInterval(v as Uint8Array);
  if (ctype === "ENUM" || ltype?.type === "ENUM") return (v) => (v instanceof Uint8Array ? UTF8.decode(v) : toJson(v));
  if (ctype === "JSON" || ltype?.type === "JSON")
    return (v) => (v instanceof Uint8Array ? parseJson(UTF8.decode(v)) : toJson(v));
  switch (element.type) {
    case "BOOLEAN":
    case "INT32":
      return ltype?.type === "FLOAT16" ? toJson : undefined;
    case "INT64":
    case "INT96":
      return toJson;
    case "FLOAT":
      return float32ToJson;
    case "DOUBLE":
      return (v) => (typeof v === "number" && Number.isFinite(v) ? v : toJson(v));
    case "BYTE_ARRAY":
    case "FIXED_LEN_BYTE_ARRAY":
      // Strings, UUIDs and geometries arrive decoded; anything left as bytes is binary.
      return (v) => (typeof v === "string" ? v : toJson(v));
    default:
      return toJson;
  }
}

/** Any decoded value as JSON: the fallback for shapes the schema does not pin down. */
export function toJson(value: unknown): Value {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
    case "undefined":
      return null;
    case "object": {
      if (value === null) return null;
      if (value instanceof Uint8Array)
        return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (isArrayLike(value)) return Array.from(value as ArrayLike<unknown>, toJson);
      if (value instanceof Map) return toJson(Object.fromEntries(value));
      const out: Record<string, Value> = {};
      for (const [key, v] of Object.entries(value)) out[key] = toJson(v);
      return out;
    }
    default:
      return String(value);
  }
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  return (
    Array.isArray(value) ||
    (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Uint8Array))
  );
}

function float32ToJson(value: unknown): Value {
  if (typeof value !== "number") return toJson(value);
  if (!Number.isFinite(value)) return String(value);
  // The shortest decimal that reads back as the same float32, as Arrow and DuckDB print it.
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function unscaled(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  const bytes = value as Uint8Array;
  if (bytes.length === 0) return 0n;
  let result = 0n;
  for (const byte of bytes) result = (result << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return (bytes[0] as number) & 0x80 ? result - (1n << bits) : result;
}

/** An unscaled integer and a scale as an exact decimal string: (12345, 2) → `"123.45"`. */
export function formatDecimal(value: bigint, scale: number): string {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits += "0".repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

const UNITS = {
  MILLIS: { perSecond: 1_000n, digits: 3 },
  MICROS: { perSecond: 1_000_000n, digits: 6 },
  NANOS: { perSecond: 1_000_000_000n, digits: 9 },
} as const;

function timestampConverter(unit: keyof typeof UNITS): Converter {
  const { perSecond, digits } = UNITS[unit];
  return (v) => formatTimestamp(typeof v === "bigint" ? v : BigInt(v as number), perSecond, digits);
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const MAX_SAFE_NUMBER = Number.MAX_SAFE_INTEGER;
let cachedDay = Number.NaN;
let cachedDayPrefix = "";

/** A count of `1/perSecond` ticks since the epoch as RFC 3339 UTC with `digits` fractional digits. */
export function formatTimestamp(ticks: bigint, perSecond: bigint, digits: number): string {
  let seconds: number;
  let fraction: number;
  const small = ticks >= -MAX_SAFE && ticks <= MAX_SAFE;
  if (small) {
    // Number arithmetic while exact: BigInt division per value costs more than the rest.
    const t = Number(ticks);
    const per = Number(perSecond);
    seconds = Math.floor(t / per);
    fraction = t - seconds * per;
  } else {
    let s = ticks / perSecond;
    let f = ticks % perSecond;
    if (f < 0n) {
      f += perSecond;
      s -= 1n;
    }
    seconds = Number(s);
    fraction = Number(f);
  }
  const day = Math.floor(seconds / 86_400);
  if (day !== cachedDay) {
    const date = new Date(day * 86_400_000);
    if (Number.isNaN(date.getTime()) || Math.abs(seconds) > MAX_SAFE_NUMBER / 1000) return ticks.toString();
    const iso = date.toISOString();
    cachedDayPrefix = iso.slice(0, iso.indexOf("T") + 1);
    cachedDay = day;
  }
  const inDay = seconds - day * 86_400;
  const hh = TWO_DIGITS[Math.floor(inDay / 3600)] as string;
  const mm = TWO_DIGITS[Math.floor(inDay / 60) % 60] as string;
  const ss = TWO_DIGITS[inDay % 60] as string;
  return `${cachedDayPrefix}${hh}:${mm}:${ss}.${String(fraction).padStart(digits, "0")}Z`;
}

function formatDate(days: number): string {
  const date = new Date(days * 86_400_000);
  if (Number.isNaN(date.getTime())) return String(days);
  const iso = date.toISOString();
  return iso.slice(0, iso.indexOf("T"));
}

function timeConverter(unit: keyof typeof UNITS): Converter {
  const { perSecond, digits } = UNITS[unit];
  return (v) => {
    const ticks = typeof v === "bigint" ? v : BigInt(v as number);
    const seconds = Number(ticks / perSecond);
    const fraction = (ticks % perSecond).toString().padStart(digits, "0");
    const hh = String(Math.floor(seconds / 3600)).padStart(2, "0");
    const mm = String(Math.floor(seconds / 60) % 60).padStart(2, "0");
    const ss = String(seconds % 60).padStart(2, "0");
    return `${hh}:${mm}:${ss}.${fraction}`;
  };
}

/** Parquet INTERVAL (months, days, milliseconds as little-endian u32) as an ISO 8601 duration. */
function formatInterval(bytes: Uint8Array): Value {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 12) return toJson(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  const months = view.getUint32(0, true);
  const days = view.getUint32(4, true);
  let millis = view.getUint32(8, true);
  let out = "P";
  if (months) out += `${months}M`;
  if (days) out += `${days}D`;
  if (millis || out === "P") {
    out += "T";
    const hours = Math.floor(millis / 3_600_000);
    millis -= hours * 3_600_000;
    const minutes = Math.floor(millis / 60_000);
    millis -= minutes * 60_000;
    if (hours) out += `${hours}H`;
    if (minutes) out += `${minutes}M`;
    if (millis || (!hours && !minutes)) out += `${millis / 1000}S`;
  }
  return out;
}

// A JSON string token or a number token; strings are matched whole so digits inside them are skipped.
const JSON_TOKENS = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![.eE\d])/g;

/** JSON text parsed with integers beyond ±2^53 kept as strings rather than rounded. */
export function parseJson(text: string): Value {
  if (!/\d{16,}/.test(text)) return JSON.parse(text) as Value;
  const safe = text.replace(JSON_TOKENS, (token) => {
    if (token.startsWith('"')) return token;
    const big = BigInt(token);
    return big >= MIN_SAFE && big <= MAX_SAFE ? token : `"${token}"`;
  });
  return JSON.parse(safe) as Value;
}

function isListLike(node: SchemaTree): boolean {
  // The same test hyparquet assembles by, so the converter sees the shape hyparquet built.
  if (node.element.converted_type !== "LIST") return false;
  const first = node.children[0];
  return (
    node.children.length === 1 &&
    first !== undefined &&
    first.element.repetition_type === "REPEATED" &&
    first.children.length <= 1
  );
}

function isMapLike(node: SchemaTree): boolean {
  const isMap = node.element.converted_type === "MAP";
  const first = node.children[0];
  return isMap && node.children.length === 1 && first !== undefined && first.children.length === 2;
}

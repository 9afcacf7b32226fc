import { LossyNumberError, parseJsonbExact, parseJsonExact } from "faucet-common-sql";
import type { JsonSchema, Value } from "faucet-core";

/** Turns one value in Postgres text format into a JSON value. */
export type TextParser = (text: string) => Value;

/**
 * Session settings every faucet connection starts with (sent in the startup packet, so they cost
 * no round trip): timestamps print in UTC ISO form, intervals in ISO 8601, bytea in hex, and
 * floats with every digit they need.
 */
export const SESSION_OPTIONS =
  "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=3";

/**
 * The native encoding (`NativeFormat.encoding`) of the postgres source and sink: COPY text format
 * as written and read by connections with {@link SESSION_OPTIONS}, so every value's text means
 * the same to both ends.
 */
export const COPY_TEXT_ENCODING = "postgres/copy-text";

/** Built-in type OIDs faucet treats specially. */
export const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const identity: TextParser = (text) => text;
const int: TextParser = (text) => Number(text);
const int8: TextParser = (text) => {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
};
const float: TextParser = (text) => {
  const n = Number(text);
  return Number.isFinite(n) ? n : text; // NaN and ±Infinity have no JSON number
};
const bool: TextParser = (text) => text === "t";
const timestamptz: TextParser = (text) => {
  // With TimeZone=UTC the server prints `2024-01-02 03:04:05.123456+00`.
  if (text.length < 19 || text.charCodeAt(10) !== 32 || text.endsWith(" BC")) return text;
  if (text.endsWith("+00")) return `${text.slice(0, 10)}T${text.slice(11, -3)}Z`;
  const t = `${text.slice(0, 10)}T${text.slice(11)}`;
  return /[+-]\d\d$/.test(t) ? `${t}:00` : t;
};
const timestamp: TextParser = (text) =>
  text.length >= 19 && text.charCodeAt(10) === 32 && !text.endsWith(" BC")
    ? `${text.slice(0, 10)}T${text.slice(11)}`
    : text;
const bytea: TextParser = (text) =>
  text.startsWith("\\x") ? Buffer.from(text.slice(2), "hex").toString("base64") : text;
/**
 * How a COPY text decoder may read a column in place, without cutting its text out first:
 * `text` for every type whose parser is the identity, `parser` for those only their parser reads.
 */
export type ReaderKind = "int" | "int8" | "float" | "bool" | "timestamptz" | "timestamp" | "json" | "text" | "parser";

/** The reader kind of each scalar type that has one. */
const READER_KINDS = new Map<number, ReaderKind>([
  [OID.bool, "bool"],
  [OID.int8, "int8"],
  [OID.int2, "int"],
  [OID.int4, "int"],
  [OID.oid, "int"],
  [OID.float4, "float"],
  [OID.float8, "float"],
  [OID.timestamp, "timestamp"],
  [OID.timestamptz, "timestamptz"],
  [OID.json, "json"],
  [OID.jsonb, "json"],
]);

/** What a JSON parser does with a number a double cannot hold exactly. */
export type JsonBigNumbers = "fail" | "string";

/** Parsers of the scalar types that are not plain strings, by OID. */
const SCALAR_PARSERS = new Map<number, TextParser>([
  [OID.bool, bool],
  [OID.bytea, bytea],
  [OID.int8, int8],
  [OID.int2, int],
  [OID.int4, int],
  [OID.oid, int],
  [OID.float4, float],
  [OID.float8, float],
  [OID.timestamp, timestamp],
  [OID.timestamptz, timestamptz],
]);

/** Built-in array types: array OID → element OID (the registry adds the rest from pg_type). */
const BUILTIN_ARRAYS: [number, number][] = [
  [1000, OID.bool],
  [1001, OID.bytea],
  [1005, OID.int2],
  [1007, OID.int4],
  [1009, OID.text],
  [1014, 1042],
  [1015, OID.varchar],
  [1016, OID.int8],
  [1021, OID.float4],
  [1022, OID.float8],
  [1028, OID.oid],
  [1115, OID.timestamp],
  [1182, OID.date],
  [1183, OID.time],
  [1185, OID.timestamptz],
  [1187, OID.interval],
  [1231, OID.numeric],
  [1270, OID.timetz],
  [2951, OID.uuid],
  [199, OID.json],
  [3807, OID.jsonb],
  [1041, 869],
  [651, 650],
  [1040, 829],
];

/** One row of pg_type the registry needs. */
export interface TypeRow {
  oid: number;
  /** `b` base, `d` domain, `e` enum, `c` composite, … */
  typtype: string;
  typcategory: string;
  typelem: number;
  typdelim: string;
  typbasetype: number;
}

/** The pg_type query {@link TypeRegistry.learn} expects the rows of. */
export const TYPE_QUERY =
  "SELECT oid::int AS oid, typtype, typcategory, typelem::int AS typelem, typdelim, typbasetype::int AS typbasetype " +
  "FROM pg_type WHERE typcategory = 'A' OR typtype = 'd'";

/**
 * Per-pool type parsing, never installed globally on the pg module. Knows the built-in types and,
 * once it has learnt the server's pg_type, every array (enum arrays included) and domain.
 *
 * @example
 * const registry = new TypeRegistry();
 * const pool = new pg.Pool({ types: registry });
 */
export class TypeRegistry {
  readonly #arrays = new Map<number, { element: number; delimiter: string }>();
  readonly #domains = new Map<number, number>();
  readonly #cache = new Map<number, TextParser>();
  readonly #json: TextParser;
  readonly #jsonb: TextParser;
  #learnt = false;

  /**
   * `jsonBigNumbers`: a number in a json/jsonb value that a double cannot hold exactly either
   * fails the read (`fail`, the default, as in the Rust faucet-stream) or becomes a string
   * holding its exact digits (`string`; `onBigNumber` hears of each one).
   */
  constructor(options: { jsonBigNumbers?: JsonBigNumbers; onBigNumber?: (token: string) => void } = {}) {
    for (const [array, element] of BUILTIN_ARRAYS) this.#arrays.set(array, { element, delimiter: "," });
    const fail = (options.jsonBigNumbers ?? "fail") === "fail";
    const onLossy = fail
      ? (token: string) => {
          throw new LossyNumberError(token);
        }
      : options.onBigNumber;
    this.#json = (text) => parseJsonExact(text, onLossy);
    this.#jsonb = (text) => parseJsonbExact(text, onLossy);
  }

  /** True once {@link learn} has run. */
  get learnt(): boolean {
    return this.#learnt;
  }

  /** Records the server's arrays and domains (rows of {@link TYPE_QUERY}). */
  learn(rows: readonly TypeRow[]): void {
    for (const row of rows) {
      if (row.typtype === "d") this.#domains.set(row.oid, row.typbasetype);
      else if (row.typcategory === "A" && row.typelem !== 0) {
        this.#arrays.set(row.oid, { element: row.typelem, delimiter: row.typdelim || "," });
      }
    }
    this.#cache.clear();
    this.#learnt = true;
  }

  /** The parser for a type OID (plain string for anything without a special form). */
  parserFor(oid: number): TextParser {
    let parser = this.#cache.get(oid);
    if (!parser) {
      parser = this.#build(oid, 0);
      this.#cache.set(oid, parser);
    }
    return parser;
  }

  /**
   * How a decoder may read this type in place (what {@link parserFor} gives, read without cutting
   * the text out); `parser` when only the parser can.
   *
   * @example
   * registry.readerKind(20); // "int8"
   */
  readerKind(oid: number): ReaderKind {
    const base = this.baseOf(oid);
    const kind = READER_KINDS.get(base);
    if (kind) return kind;
    return SCALAR_PARSERS.has(base) || this.#arrays.has(base) ? "parser" : "text";
  }

  /** The element OID when `oid` is an array type. */
  elementOf(oid: number): number | undefined {
    return this.#arrays.get(this.baseOf(oid))?.element;
  }

  /** The base type of a domain (following domains over domains), else `oid` itself. */
  baseOf(oid: number): number {
    let current = oid;
    for (let i = 0; i < 10; i++) {
      const base = this.#domains.get(current);
      if (base === undefined) return current;
      current = base;
    }
    return current;
  }

  /** The pg `types` hook: text values go through faucet's parsers, binary ones stay raw. */
  getTypeParser = (oid: number, format?: string): ((value: string) => unknown) => {
    if (format === "binary") return (value) => value;
    return this.parserFor(oid);
  };

  #build(oid: number, depth: number): TextParser {
    const base = this.baseOf(oid);
    if (base === OID.json) return this.#json;
    if (base === OID.jsonb) return this.#jsonb;
    const scalar = SCALAR_PARSERS.get(base);
    if (scalar) return scalar;
    const array = this.#arrays.get(base);
    if (array && depth < 4) {
      const element = this.#build(array.element, depth + 1);
      const delimiter = array.delimiter;
      return (text) => parseArray(text, element, delimiter);
    }
    return identity;
  }
}

/**
 * Parses a Postgres array literal (`{1,2,NULL}`, nested, quoted, with or without a `[1:2]=`
 * dimension prefix) applying `element` to each non-null element.
 *
 * @example
 * parseArray('{{1,2},{3,NULL}}', Number); // [[1, 2], [3, null]]
 */
export function parseArray(text: string, element: TextParser, delimiter = ","): Value[] {
  let i = 0;
  if (text.charCodeAt(0) === 91 /* [ */) i = text.indexOf("=") + 1;
  const n = text.length;
  const level = (): Value[] => {
    if (text[i] !== "{") throw new Error(`malformed array literal: ${text.slice(0, 80)}`);
    i++;
    const out: Value[] = [];
    if (text[i] === "}") {
      i++;
      return out;
    }
    while (i < n) {
      const c = text[i];
      if (c === "{") out.push(level());
      else if (c === '"') {
        i++;
        let value = "";
        let start = i;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === 92) {
            value += text.slice(start, i);
            start = i + 1;
            i += 2;
          } else if (d === 34) break;
          else i++;
        }
        value += text.slice(start, i);
        i++;
        out.push(element(value));
      } else {
        const start = i;
        while (i < n && text[i] !== delimiter && text[i] !== "}") i++;
        const raw = text.slice(start, i);
        out.push(raw.length === 4 && raw.toUpperCase() === "NULL" ? null : element(raw));
      }
      if (text[i] === delimiter) i++;
      else if (text[i] === "}") {
        i++;
        return out;
      } else break;
    }
    throw new Error(`malformed array literal: ${text.slice(0, 80)}`);
  };
  return level();
}

/**
 * The JSON Schema of one column's values, from its type name (`udt_name`, `_int4` for arrays).
 *
 * @example
 * jsonSchemaForType("int8", true); // { type: ["integer", "string", "null"], … }
 */
export function jsonSchemaForType(typeName: string, nullable: boolean, elementType?: string): JsonSchema {
  const schema = baseSchema(typeName, elementType);
  if (!nullable) return schema;
  const type = schema.type;
  if (typeof type === "string") return { ...schema, type: [type, "null"] };
  if (Array.isArray(type)) return { ...schema, type: [...type, "null"] };
  return { anyOf: [schema, { type: "null" }] };
}

function baseSchema(typeName: string, elementType: string | undefined): JsonSchema {
  if (typeName.startsWith("_") || elementType) {
    const element = elementType ?? typeName.slice(1);
    return { type: "array", items: jsonSchemaForType(element, true) };
  }
  switch (typeName) {
    case "int2":
    case "int4":
    case "oid":
      return { type: "integer" };
    case "int8":
      return { type: ["integer", "string"], description: "strings beyond ±2^53" };
    case "float4":
    case "float8":
      return { type: ["number", "string"], description: "strings for NaN and ±Infinity" };
    case "numeric":
    case "money":
      return { type: "string", format: "decimal" };
    case "bool":
      return { type: "boolean" };
    case "timestamptz":
    case "timestamp":
      return { type: "string", format: "date-time" };
    case "date":
      return { type: "string", format: "date" };
    case "time":
    case "timetz":
      return { type: "string", format: "time" };
    case "interval":
      return { type: "string", format: "duration" };
    case "uuid":
      return { type: "string", format: "uuid" };
    case "bytea":
      return { type: "string", contentEncoding: "base64" };
    case "json":
    case "jsonb":
      return {};
    default:
      return { type: "string" };
  }
}

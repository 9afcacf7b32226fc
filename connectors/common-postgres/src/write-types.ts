import type { Value } from "faucet-core";
import { OID } from "./read-types.js";

/** What a writer needs to know about one destination column. */
export interface ColumnType {
  /** The column's base type OID (domains resolved). */
  oid: number;
  /** pg_type.typcategory of the base type: `A` for arrays. */
  category: string;
  /** For arrays: the element's base type OID. */
  elementOid?: number | undefined;
}

/** Turns one JSON value into the Postgres text literal of a column (`null` for SQL NULL). */
export type TextSerializer = (value: Value | undefined) => string | null;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Raised for a value that cannot be written to its column. */
export class ValueError extends Error {
  override readonly name = "ValueError";
}

function scalarText(value: Value): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      return JSON.stringify(value);
  }
}

function byteaText(value: Value): string {
  if (typeof value !== "string") throw new ValueError(`bytea needs a base64 string, got ${typeof value}`);
  if (value.startsWith("\\x")) return value;
  if (value.length % 4 === 1 || !BASE64.test(value.replace(/\s+/g, ""))) {
    throw new ValueError("bytea needs base64 (or \\x-prefixed hex) text");
  }
  return `\\x${Buffer.from(value, "base64").toString("hex")}`;
}

function jsonText(value: Value): string {
  return JSON.stringify(value);
}

function boolText(value: Value): string {
  return typeof value === "boolean" ? (value ? "t" : "f") : scalarText(value);
}

function elementText(oid: number | undefined): (value: Value) => string {
  if (oid === OID.json || oid === OID.jsonb) return jsonText;
  if (oid === OID.bytea) return byteaText;
  if (oid === OID.bool) return boolText;
  return scalarText;
}

/** A Postgres array literal: `{1,"two",NULL,{3,4}}`. */
export function arrayLiteral(values: readonly Value[], element: (value: Value) => string, nestArrays: boolean): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const v = values[i] as Value;
    if (v === null) out += "NULL";
    else if (nestArrays && Array.isArray(v)) out += arrayLiteral(v, element, true);
    else out += `"${element(v).replace(/[\\"]/g, "\\$&")}"`;
  }
  return `${out}}`;
}

/**
 * The serializer for a column: JSON for json/jsonb, base64 → bytea, arrays → array literals,
 * booleans as t/f, numbers in their shortest exact form, and anything else as text for the
 * server's own input function to check.
 *
 * @example
 * serializerFor({ oid: 1007, category: "A", elementOid: 23 })([1, null]); // "{\"1\",NULL}"
 */
export function serializerFor(column: ColumnType): TextSerializer {
  if (column.oid === OID.json || column.oid === OID.jsonb) {
    return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
  }
  if (column.category === "A") {
    const element = elementText(column.elementOid);
    const nest = column.elementOid !== OID.json && column.elementOid !== OID.jsonb;
    return (v) => {
      if (v === null || v === undefined) return null;
      if (typeof v === "string") return v;
      if (!Array.isArray(v)) throw new ValueError(`an array column needs a JSON array, got ${typeof v}`);
      return arrayLiteral(v, element, nest);
    };
  }
  const text = elementText(column.oid);
  return (v) => (v === null || v === undefined ? null : text(v));
}

const COPY_SPECIAL = /[\\\n\r\t]/;

/**
 * Escapes a text literal for COPY's text format (backslash, newline, carriage return, tab);
 * `null` becomes `\N`.
 *
 * @example
 * copyEscape("a\tb"); // "a\\tb"
 */
export function copyEscape(text: string | null): string {
  if (text === null) return "\\N";
  if (!COPY_SPECIAL.test(text)) return text;
  let out = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let escaped: string | undefined;
    if (c === 92) escaped = "\\\\";
    else if (c === 10) escaped = "\\n";
    else if (c === 13) escaped = "\\r";
    else if (c === 9) escaped = "\\t";
    if (escaped !== undefined) {
      out += text.slice(start, i) + escaped;
      start = i + 1;
    }
  }
  return out + text.slice(start);
}

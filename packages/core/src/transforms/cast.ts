import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import * as code from "./codegen.js";
import { type FusedStage, fusable } from "./fuse.js";
import { isPlainUtcTimestamp, parseSimpleDecimal, parseSimpleInteger, twoDigits } from "./numbers.js";
import {
  isPlainObject,
  isRiskyKey,
  named,
  preview,
  readField,
  transformError,
  typeName,
  writeField,
} from "./shared.js";

const CAST_TYPES = ["int", "float", "bool", "string", "timestamp"] as const;
type CastType = (typeof CAST_TYPES)[number];

export const CastConfig = z.strictObject({
  fields: z
    .record(z.string(), z.enum(CAST_TYPES))
    .describe("Map of field name → target type: int, float, bool, string or timestamp (RFC 3339, normalised)"),
  on_error: z
    .enum(["error", "null", "skip", "dlq"])
    .default("error")
    .describe(
      "When a value cannot be cast: `error` (default) fails the page, `null` writes null, `skip` leaves the value as it is, `dlq` sends the whole record to the dead-letter sink",
    ),
});
export type CastTransformConfig = z.input<typeof CastConfig>;

const MAX_I64 = 9223372036854775807n;
const MIN_I64 = -9223372036854775808n;

/** An integer, or undefined. Beyond ±2^53 the result is a decimal string, so no digit is lost. */
export function castInt(value: Value): Value | undefined {
  if (typeof value === "string") return intFromText(value);
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) return BigInt(value).toString();
    return undefined;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

function intFromText(raw: string): Value | undefined {
  const simple = parseSimpleInteger(raw);
  if (simple !== undefined) return simple;
  const text = isSpace(raw.charCodeAt(0)) || isSpace(raw.charCodeAt(raw.length - 1)) ? raw.trim() : raw;
  const length = text.length;
  let start = 0;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) start = 1; // - +
  if (start === length) return undefined;
  for (let i = start; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  if (length - start <= 15) {
    const n = Number(text);
    return n === 0 ? 0 : n;
  }
  const big = BigInt(text);
  if (big > MAX_I64 || big < MIN_I64) return undefined;
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : big.toString();
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 160 || code === 0xfeff;
}

/** A finite float, or undefined. Accepts decimal and exponent notation, not hex or `Infinity`. */
export function castFloat(value: Value): Value | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string") return floatFromText(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

function floatFromText(raw: string): number | undefined {
  const simple = parseSimpleDecimal(raw);
  if (simple !== undefined) return simple;
  const text = isSpace(raw.charCodeAt(0)) || isSpace(raw.charCodeAt(raw.length - 1)) ? raw.trim() : raw;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  // Digits, sign or point first; a digit or point last: rules out "", "Infinity", " ", "1e".
  if (!((first >= 48 && first <= 57) || first === 45 || first === 43 || first === 46)) return undefined;
  if (!((last >= 48 && last <= 57) || last === 46)) return undefined;
  if (first === 48 && text.length > 1) {
    const second = text.charCodeAt(1) | 32;
    if (second === 120 || second === 111 || second === 98) return undefined; // 0x 0o 0b
  }
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return n === 0 ? 0 : n;
}

const TRUE_WORDS = new Set(["true", "1", "yes", "y"]);
const FALSE_WORDS = new Set(["false", "0", "no", "n"]);

/** A boolean, or undefined: true/false/1/0/yes/no/y/n in any case, and the numbers 0 and 1. */
export function castBool(value: Value): Value | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    if (value === "true") return true;
    if (value === "false") return false;
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return undefined;
  }
  if (value === 0 || value === 1) return value === 1;
  return undefined;
}

/** A string, or undefined for arrays and objects. */
export function castString(value: Value): Value | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * An RFC 3339 timestamp normalised as faucet-stream does: `T` separator, `Z` for a zero offset
 * (other offsets kept), fraction shown in 3, 6 or 9 digits as needed, none when zero.
 */
export function castTimestamp(value: Value): Value | undefined {
  if (typeof value !== "string") return undefined;
  if (isPlainUtcTimestamp(value) && plainFieldsValid(value)) return value; // already canonical
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om] = m as unknown as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = month === 2 && leap ? 29 : (DAYS[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > monthDays) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  let offset = "Z";
  if (sign !== undefined) {
    if (Number(oh) > 23 || Number(om) > 59) return undefined;
    if (oh !== "00" || om !== "00") offset = `${sign}${oh}:${om}`;
  }
  let fraction = frac === undefined ? "" : frac.slice(0, 9).replace(/0+$/, "");
  if (fraction.length > 0)
    fraction = `.${fraction.padEnd(fraction.length <= 3 ? 3 : fraction.length <= 6 ? 6 : 9, "0")}`;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${offset}`;
}

/** Range checks for a {@link isPlainUtcTimestamp} string, without slicing it. */
function plainFieldsValid(text: string): boolean {
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  if (month < 1 || month > 12 || day < 1 || twoDigits(text, 11) > 23 || twoDigits(text, 14) > 59) return false;
  if (twoDigits(text, 17) > 59) return false;
  if (day <= 28) return true;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : (DAYS[month - 1] as number));
}

function castTo(type: CastType, value: Value): Value | undefined {
  switch (type) {
    case "int":
      return castInt(value);
    case "float":
      return castFloat(value);
    case "bool":
      return castBool(value);
    case "string":
      return castString(value);
    case "timestamp":
      return castTimestamp(value);
  }
}

function failure(field: string, type: CastType, value: Value): string {
  const why =
    type === "timestamp" && typeof value !== "string"
      ? `cannot cast ${typeName(value)} to timestamp (expected an RFC 3339 string)`
      : typeof value === "object"
        ? `${typeName(value)} values cannot be cast to ${type}`
        : `${preview(value)} is not a valid ${type === "int" ? "64-bit integer" : type}`;
  return `field \`${field}\` to ${type} failed: ${why}`;
}

/**
 * `cast`: coerces named fields. A missing field is skipped and null stays null (faucet-stream
 * fails on null; a SQL-style cast keeps it). Values are written in place.
 */
export const castDefinition = defineTransform({
  type: "cast",
  description: "Coerce named fields to int / float / bool / string / timestamp.",
  config: CastConfig,
  create: ({ fields, on_error: onError }) => {
    const keys = Object.keys(fields);
    const types = keys.map((key) => fields[key] as CastType);
    const risky = keys.map(isRiskyKey);
    const count = keys.length;
    const scratch: Value[] = new Array(count).fill(null);
    const present: boolean[] = new Array(count).fill(false);
    const hint = "set on_error: null, skip or dlq to keep the run going, or fix the input";
    const casters = { int: castInt, float: castFloat, bool: castBool, string: castString, timestamp: castTimestamp };
    // Fused, a value that cannot be cast gives the page back to the unfused stage (error, dlq).
    const fused: FusedStage = (chain) => {
      const onFailure = onError === "null" ? "null" : onError === "skip" ? undefined : "BAIL";
      keys.forEach((key, f) => {
        const field = chain.find(key);
        if (!field) return;
        const v = field.local;
        const cast = chain.helper(casters[types[f] as CastType]);
        const fallback = onFailure === "BAIL" ? "return BAIL;" : onFailure === "null" ? `${v} = null;` : "";
        chain.emit(
          `if (${v} !== undefined && ${v} !== null) { const c = ${cast}(${v}); if (c !== undefined) ${v} = c; else { ${fallback} } }`,
        );
      });
      return true;
    };

    if (onError !== "dlq") {
      const helpers = {
        cast: types.map((type) => casters[type]),
        fail: (f: number, value: Value): never => {
          throw transformError("cast", failure(keys[f] as string, types[f] as CastType, value), hint);
        },
      };
      const body = keys
        .map((key, f) => {
          const onFailure =
            onError === "null" ? code.writeField(key, "null") : onError === "error" ? `H.fail(${f}, v);` : "";
          return `{ const v = ${code.readField(key)};
    if (v !== undefined && v !== null) { const c = H.cast[${f}](v); if (c !== undefined) { ${code.writeField(key, "c")} } else { ${onFailure} } } }`;
        })
        .join("\n");
      return fusable(code.compileRecordLoop("cast", body, helpers), fused);
    }

    // dlq: a record is cast whole or not at all, so the dead-letter payload is the record as read.
    const stage = named("cast", (records, ctx) => {
      let out: Value[] | null = null;
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        let problem: string | undefined;
        if (isPlainObject(record)) {
          for (let f = 0; f < count; f++) {
            const key = keys[f] as string;
            const value = readField(record, key, risky[f] as boolean);
            present[f] = value !== undefined && value !== null;
            if (!present[f]) continue;
            const cast = castTo(types[f] as CastType, value as Value);
            if (cast === undefined) {
              problem = failure(key, types[f] as CastType, value as Value);
              break;
            }
            scratch[f] = cast;
          }
          if (problem === undefined) {
            for (let f = 0; f < count; f++) if (present[f]) writeField(record, keys[f] as string, scratch[f] as Value);
          }
        }
        if (problem !== undefined) {
          ctx.reject(record, `cast: ${problem}`, transformError("cast", problem));
          if (out === null) out = records.slice(0, i);
        } else if (out !== null) out.push(record);
      }
      return out ?? records;
    });
    return fusable(stage, fused);
  },
});

import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import * as code from "./codegen.js";
import { fusable } from "./fuse.js";
import { NOT_READ, PageJsonTexts, parseJsonExact, parseJsonTexts } from "./json.js";
import type { Row } from "./shared.js";
import { isPlainObject, isRiskyKey, named, readField, transformError, writeField } from "./shared.js";

const FIELDS = z.array(z.string()).min(1).describe("Top-level field names to act on");

// ── value_case ─────────────────────────────────────────────────────────────────────────────────

const VALUE_CASE_MODES = ["lower", "upper", "trim", "title", "capitalize"] as const;

export const ValueCaseConfig = z.strictObject({
  fields: FIELDS.describe("String-valued fields to re-case; other values pass through"),
  mode: z
    .enum(VALUE_CASE_MODES)
    .describe(
      "lower, upper, trim (strip surrounding whitespace), title (Each Word Capitalised) or capitalize (First letter only)",
    ),
});
export type ValueCaseTransformConfig = z.input<typeof ValueCaseConfig>;

const WORD_START = /(^|\s)(\S)/gu;

function recaseValue(text: string, mode: (typeof VALUE_CASE_MODES)[number]): string {
  switch (mode) {
    case "lower":
      return text.toLowerCase();
    case "upper":
      return text.toUpperCase();
    case "trim":
      return text.trim();
    case "title":
      return text.toLowerCase().replace(WORD_START, (_, space: string, first: string) => space + first.toUpperCase());
    case "capitalize": {
      const first = text.codePointAt(0);
      if (first === undefined) return text;
      const head = String.fromCodePoint(first);
      return head.toUpperCase() + text.slice(head.length).toLowerCase();
    }
  }
}

/** Applies `change` to each listed field that holds a string, in place. */
function mapStringFields(type: string, fields: string[], change: (text: string) => string) {
  const body = [...new Set(fields)]
    .map(
      (key) =>
        `{ const v = ${code.readField(key)}; if (typeof v === "string") { ${code.writeField(key, "H.change(v)")} } }`,
    )
    .join("\n");
  return fusable(code.compileRecordLoop(type, body, { change }), (chain) => {
    for (const key of new Set(fields)) {
      const field = chain.find(key);
      const v = field?.local;
      if (v) chain.emit(`if (typeof ${v} === "string") ${v} = ${chain.helper(change)}(${v});`);
    }
    return true;
  });
}

export const valueCaseDefinition = defineTransform({
  type: "value_case",
  description: "Lowercase, uppercase, trim, title-case or capitalize named string fields.",
  config: ValueCaseConfig,
  create: ({ fields, mode }) => mapStringFields("value_case", fields, (text) => recaseValue(text, mode)),
});

// ── split / join ───────────────────────────────────────────────────────────────────────────────

const INTO = z.string().optional().describe("Field to write the result to (default: replace the field in place)");

export const SplitConfig = z.strictObject({
  field: z.string().describe("String field to split into an array; other values pass through"),
  delimiter: z.string().describe("Delimiter to split on; an empty delimiter yields one element"),
  trim: z
    .boolean()
    .default(false)
    .describe("Trim whitespace from each element (default false); empty elements are kept"),
  into: INTO,
});
export type SplitTransformConfig = z.input<typeof SplitConfig>;

export const splitDefinition = defineTransform({
  type: "split",
  description: "Split a string field into an array on a delimiter.",
  config: SplitConfig,
  create: ({ field, delimiter, trim, into }) =>
    mapField("split", field, into, (value) => {
      if (typeof value !== "string") return undefined;
      const parts = delimiter === "" ? [value] : value.split(delimiter);
      if (trim) for (let p = 0; p < parts.length; p++) parts[p] = (parts[p] as string).trim();
      return parts;
    }),
});

export const JoinConfig = z.strictObject({
  field: z.string().describe("Array field to join into a string; other values pass through"),
  delimiter: z.string().describe("Delimiter placed between elements"),
  into: INTO,
});
export type JoinTransformConfig = z.input<typeof JoinConfig>;

export const joinDefinition = defineTransform({
  type: "join",
  description: "Join an array field into a string with a delimiter.",
  config: JoinConfig,
  create: ({ field, delimiter, into }) =>
    mapField("join", field, into, (value) => {
      if (!Array.isArray(value)) return undefined;
      let out = "";
      for (let p = 0; p < value.length; p++) {
        const item = value[p] as Value;
        if (p > 0) out += delimiter;
        // Strings as they are, null as nothing, anything else as compact JSON.
        out += typeof item === "string" ? item : item === null ? "" : JSON.stringify(item);
      }
      return out;
    }),
});

/** Writes `change(value)` to `into` (or back to `field`); `undefined` from `change` means leave it. */
function mapField(type: string, field: string, into: string | undefined, change: (value: Value) => Value | undefined) {
  const body = `{ const v = ${code.readField(field)};
    if (v !== undefined) { const c = H.change(v); if (c !== undefined) { ${code.writeField(into ?? field, "c")} } } }`;
  return code.compileRecordLoop(type, body, { change });
}

// ── json_parse / json_encode ───────────────────────────────────────────────────────────────────

export const JsonParseConfig = z
  .strictObject({
    fields: FIELDS.describe("Fields holding JSON text to parse; non-string values pass through"),
    on_error: z
      .enum(["keep", "null", "error", "dlq"])
      .default("keep")
      .describe(
        "When a string is not valid JSON: `keep` (default) leaves it, `null` writes null, `error` fails the page, `dlq` sends the record to the dead-letter sink",
      ),
    into: INTO.describe("Field to write the parsed value to (only with exactly one field; default: in place)"),
  })
  .superRefine((config, ctx) => {
    if (config.into !== undefined && config.fields.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["into"], message: "`into` is only valid with exactly one field" });
    }
  });
export type JsonParseTransformConfig = z.input<typeof JsonParseConfig>;

/**
 * `json_parse`: parses JSON text in place (or into another field). Large integers and long
 * decimals stay exact, as strings.
 */
export const jsonParseDefinition = defineTransform({
  type: "json_parse",
  description: "Parse a stringified-JSON field into a real nested JSON value.",
  config: JsonParseConfig,
  create: ({ fields, on_error: onError, into }) => {
    const keys = [...new Set(fields)];
    const risky = keys.map(isRiskyKey);
    const stage = named("json_parse", (records, ctx) => {
      let out: Value[] | null = null;
      // Each field's texts read together, one pass over the page's bytes (see parseJsonTexts).
      const texts = keys.map((key, f) =>
        records.map((record) => (isPlainObject(record) ? readField(record, key, risky[f] as boolean) : undefined)),
      );
      const read = texts.map((page) => parseJsonTexts(page));
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        let rejected = false;
        if (isPlainObject(record)) {
          for (let f = 0; f < keys.length && !rejected; f++) {
            const key = keys[f] as string;
            const text = readField(record, key, risky[f] as boolean);
            if (typeof text !== "string") continue;
            const early = (read[f] as (Value | typeof NOT_READ)[])[i] as Value | typeof NOT_READ;
            let parsed: Value;
            if (early !== NOT_READ && (texts[f] as unknown[])[i] === text) parsed = early;
            else
              try {
                parsed = parseJsonExact(text);
              } catch (error) {
                const problem = `field \`${key}\` is not valid JSON: ${(error as Error).message}`;
                if (onError === "keep") continue;
                if (onError === "null") parsed = null;
                else if (onError === "error")
                  throw transformError("json_parse", problem, "set on_error: keep, null or dlq");
                else {
                  ctx.reject(record, `json_parse: ${problem}`, transformError("json_parse", problem));
                  rejected = true;
                  continue;
                }
              }
            writeField(record, into ?? key, parsed);
          }
        }
        if (rejected) {
          if (out === null) out = records.slice(0, i);
        } else if (out !== null) out.push(record);
      }
      return out ?? records;
    });
    // Fused only in place: parsing `into` another field writes it for strings only.
    if (into !== undefined && (keys.length !== 1 || into !== keys[0])) return stage;
    // Per input key: a fused chain reads a field's texts page by page (see PageJsonTexts).
    const pages = new Map<string, PageJsonTexts>();
    const pageTexts = (key: string) => {
      let texts = pages.get(key);
      if (texts === undefined) {
        texts = new PageJsonTexts(key);
        pages.set(key, texts);
      }
      return texts;
    };
    return fusable(stage, (chain) => {
      const parse = chain.helper(parseJsonExact);
      const notRead = chain.helper(NOT_READ);
      const failed = onError === "keep" ? "" : onError === "null" ? "null" : "BAIL";
      for (const key of keys) {
        const field = chain.find(key);
        if (!field) continue;
        const v = field.local;
        const onFailure = failed === "BAIL" ? "return BAIL;" : failed === "null" ? `${v} = null;` : "";
        const one = `try { ${v} = ${parse}(${v}); } catch { ${onFailure} }`;
        // A field read from the input record: its texts are parsed for the whole page at once,
        // and used while the field still holds the input's text.
        const page = field.input === undefined ? undefined : chain.helper(pageTexts(field.input));
        const read = page ? `const q = ${page}.at(P, i, ${v}); if (q !== ${notRead}) ${v} = q; else ` : "";
        chain.emit(`if (typeof ${v} === "string") { ${read}{ ${one} } }`);
      }
      return true;
    });
  },
});

export const JsonEncodeConfig = z.strictObject({
  fields: FIELDS.describe("Fields whose object or array value becomes its compact JSON text; scalars pass through"),
});
export type JsonEncodeTransformConfig = z.input<typeof JsonEncodeConfig>;

export const jsonEncodeDefinition = defineTransform({
  type: "json_encode",
  description: "Serialize a nested field to a JSON string (inverse of json_parse).",
  config: JsonEncodeConfig,
  create: ({ fields }) => {
    const body = [...new Set(fields)]
      .map(
        (key) =>
          `{ const v = ${code.readField(key)}; if (typeof v === "object" && v !== null) { ${code.writeField(key, "JSON.stringify(v)")} } }`,
      )
      .join("\n");
    return code.compileRecordLoop("json_encode", body, {});
  },
});

/** JSON with object keys sorted at every level: the same text for the same value. */
export function canonicalJson(value: Value): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Row)[key] as Value)}`).join(",")}}`;
}

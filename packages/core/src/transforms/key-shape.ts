import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Transform } from "../transform.js";
import type { Value } from "../value.js";
import { fusable } from "./fuse.js";
import { compileKeyRewriter, type KeyRewriteOptions } from "./key-rewrite.js";
import { compileRegex, compileReplacement, regexProblem } from "./regex.js";
import { named } from "./shared.js";

/** A key rewriter applied to every record of the page, in place in the page array; fusable. */
function mapRecords(options: KeyRewriteOptions): Transform {
  const { rewrite, fused } = compileKeyRewriter(options);
  const stage = named(options.type, (records) => {
    for (let i = 0; i < records.length; i++) records[i] = rewrite(records[i] as Value);
    return records;
  });
  return fusable(stage, fused);
}

const COLLISION = z
  .enum(["error", "suffix"])
  .default("error")
  .describe(
    "When two keys of one object get the same new name: `error` (default) fails the page, `suffix` appends `_2`, `_3`, … in key order",
  );

// ── rename_keys ────────────────────────────────────────────────────────────────────────────────

export const RenameKeysConfig = z.strictObject({
  pattern: z
    .string()
    .superRefine((pattern, ctx) => {
      const problem = regexProblem(pattern);
      if (problem) ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${problem}` });
    })
    .describe("Regular expression matched against every key; every match is replaced. A leading `(?i)` is honoured"),
  replacement: z
    .string()
    // biome-ignore lint/suspicious/noTemplateCurlyInString: faucet config syntax, not a template
    .describe("Replacement text; `$1`/`${1}` and `$name`/`${name}` insert capture groups, `$$` a literal dollar"),
  recursive: z
    .boolean()
    .default(true)
    .describe("Also rename keys of nested objects and of objects inside arrays (default true, as in faucet-stream)"),
});
export type RenameKeysTransformConfig = z.input<typeof RenameKeysConfig>;

export const renameKeysDefinition = defineTransform({
  type: "rename_keys",
  description: "Rewrite every key via a regex pattern + replacement.",
  config: RenameKeysConfig,
  create: (config) => {
    const regex = compileRegex(config.pattern, "g");
    const replace = compileReplacement(config.replacement);
    return mapRecords({
      type: "rename_keys",
      rename: (key) => key.replace(regex, replace),
      recursive: config.recursive,
      onCollision: "error",
    });
  },
});

// ── keys_case ──────────────────────────────────────────────────────────────────────────────────

const KEY_CASE_MODES = ["snake", "camel", "pascal", "kebab", "screaming_snake", "dot"] as const;

export const KeysCaseConfig = z.strictObject({
  mode: z
    .enum(KEY_CASE_MODES)
    .describe(
      "Output convention: snake (first_name), camel (firstName), pascal (FirstName), kebab (first-name), screaming_snake (FIRST_NAME), dot (first.name)",
    ),
  on_collision: COLLISION,
});
export type KeysCaseTransformConfig = z.input<typeof KeysCaseConfig>;

const ALNUM = /[\p{Alphabetic}\p{N}]/u;
const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;

/**
 * Splits a key into words exactly as faucet-stream does: on whitespace, `_`, `-` and any other
 * non-alphanumeric character, and on a lower→upper transition (`firstName` → first, Name). A run
 * of capitals stays one word (`XMLParser` → XMLParser).
 */
export function tokenizeKey(key: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let prevLower = false;
  for (const ch of key) {
    const code = ch.charCodeAt(0);
    const ascii = code < 128;
    const alnum = ascii
      ? (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
      : ALNUM.test(ch);
    if (alnum) {
      const upper = ascii ? code >= 65 && code <= 90 : UPPER.test(ch);
      if (prevLower && upper && current !== "") {
        tokens.push(current);
        current = "";
      }
      current += ch;
      prevLower = ascii ? code >= 97 && code <= 122 : LOWER.test(ch);
    } else {
      if (current !== "") tokens.push(current);
      current = "";
      prevLower = false;
    }
  }
  if (current !== "") tokens.push(current);
  return tokens;
}

function capitalize(token: string): string {
  const lower = token.toLowerCase();
  const first = String.fromCodePoint(lower.codePointAt(0) as number);
  return first.toUpperCase() + lower.slice(first.length);
}

/** Re-cases one key; an all-symbol key (no words) is kept as it is. */
export function recaseKey(key: string, mode: (typeof KEY_CASE_MODES)[number]): string {
  const tokens = tokenizeKey(key);
  if (tokens.length === 0) return key;
  switch (mode) {
    case "snake":
      return tokens.map((t) => t.toLowerCase()).join("_");
    case "screaming_snake":
      return tokens.map((t) => t.toUpperCase()).join("_");
    case "kebab":
      return tokens.map((t) => t.toLowerCase()).join("-");
    case "dot":
      return tokens.map((t) => t.toLowerCase()).join(".");
    case "camel":
      return (tokens[0] as string).toLowerCase() + tokens.slice(1).map(capitalize).join("");
    case "pascal":
      return tokens.map(capitalize).join("");
  }
}

export const keysCaseDefinition = defineTransform({
  type: "keys_case",
  description: "Re-case every key (snake / camel / pascal / kebab / screaming_snake / dot).",
  config: KeysCaseConfig,
  create: (config) =>
    mapRecords({
      type: "keys_case",
      rename: (key) => recaseKey(key, config.mode),
      recursive: true,
      onCollision: config.on_collision,
      collisionHint: "set on_collision: suffix to keep both, or rename one of the keys first",
    }),
});

// ── spell_symbols ──────────────────────────────────────────────────────────────────────────────

/** The built-in symbol → word map of `spell_symbols` (the same as faucet-stream's). */
export const DEFAULT_SYMBOL_WORDS: Readonly<Record<string, string>> = Object.freeze({
  "%": "percent",
  "#": "number",
  $: "dollar",
  "&": "and",
  "@": "at",
  "+": "plus",
  "*": "star",
  "=": "equals",
  "<": "lt",
  ">": "gt",
  "/": "slash",
  "\\": "backslash",
  "|": "pipe",
  "^": "caret",
  "~": "tilde",
});

export const SpellSymbolsConfig = z.strictObject({
  extra: z
    .record(z.string(), z.string())
    .default({})
    .describe("Extra symbol → word entries layered over the built-in map (an entry for the same symbol wins)"),
  separator: z
    .string()
    .default(" ")
    .describe("Inserted around each spelled-out word so a later keys_case sees the word boundary (default a space)"),
});
export type SpellSymbolsTransformConfig = z.input<typeof SpellSymbolsConfig>;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

export const spellSymbolsDefinition = defineTransform({
  type: "spell_symbols",
  description: "Spell out symbols in every key (`%` → percent, `#` → number, …), recursively.",
  config: SpellSymbolsConfig,
  create: (config) => {
    const words = new Map(Object.entries({ ...DEFAULT_SYMBOL_WORDS, ...config.extra }).filter(([from]) => from !== ""));
    // Longest symbols first, so `<=` wins over `<` at the same position.
    const symbols = [...words.keys()].sort((a, b) => b.length - a.length);
    const regex = new RegExp(symbols.map(escapeRegex).join("|"), "gu");
    const separator = config.separator;
    return mapRecords({
      type: "spell_symbols",
      rename: (key) =>
        symbols.length === 0 ? key : key.replace(regex, (symbol) => `${separator}${words.get(symbol)}${separator}`),
      recursive: true,
      onCollision: "error",
    });
  },
});

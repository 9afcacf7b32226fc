import { compareValues, valueFamily } from "../compare.js";
import { z } from "../config.js";
import { defineTransform } from "../define.js";
import type { Value } from "../value.js";
import { castTimestamp } from "./cast.js";
import { fusable } from "./fuse.js";
import { isPlainUtcTimestamp, parseSimpleDecimal } from "./numbers.js";
import { compileGetter, compilePath, pathProblem } from "./path.js";
import { compileRegex, regexProblem } from "./regex.js";
import { named } from "./shared.js";

const OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "regex"] as const;
type Op = (typeof OPS)[number];

/** One condition, or a group of conditions under `all` / `any`. */
export interface FilterPredicate {
  path?: string | undefined;
  op?: Op | undefined;
  value?: Value | undefined;
  all?: FilterPredicate[] | undefined;
  any?: FilterPredicate[] | undefined;
}

export const FilterConfig: z.ZodType<FilterPredicate> = z
  .strictObject({
    path: z
      .string()
      .optional()
      .describe(
        "Field to test: a key, a dot path (`user.status`, `$.user.status`) or a quoted key (`$['order-lines']`)",
      ),
    op: z
      .enum(OPS)
      .optional()
      .describe(
        "eq, ne, gt, gte, lt, lte (ordered like bookmarks: numbers numerically even as strings, timestamps as instants), in, not_in (value is a list), exists (present and not null), regex (value is a pattern)",
      ),
    value: z.json().optional().describe("What to compare with; not allowed for `exists`"),
    get all() {
      return z
        .array(FilterConfig)
        .min(1)
        .optional()
        .describe("Keep the record when every one of these conditions holds");
    },
    get any() {
      return z
        .array(FilterConfig)
        .min(1)
        .optional()
        .describe("Keep the record when at least one of these conditions holds");
    },
  })
  .superRefine((p, ctx) => {
    const issue = (message: string, path: string[] = []) => ctx.addIssue({ code: "custom", message, path });
    const groups = (p.all ? 1 : 0) + (p.any ? 1 : 0);
    const condition = p.path !== undefined || p.op !== undefined || p.value !== undefined;
    if (groups + (condition ? 1 : 0) !== 1) {
      issue("a filter is one condition (`path` + `op` [+ `value`]) or one group (`all` or `any`)");
      return;
    }
    if (!condition) return;
    if (p.path === undefined) return issue("`path` is required", ["path"]);
    if (p.op === undefined) return issue(`\`op\` is required (one of ${OPS.join(", ")})`, ["op"]);
    const bad = pathProblem(p.path);
    if (bad) issue(bad, ["path"]);
    if (p.op === "exists") {
      if (p.value !== undefined) issue("op `exists` takes no `value`", ["value"]);
    } else if (p.value === undefined) issue(`op \`${p.op}\` requires a \`value\``, ["value"]);
    else if ((p.op === "in" || p.op === "not_in") && !Array.isArray(p.value)) {
      issue(`op \`${p.op}\` requires an array \`value\``, ["value"]);
    } else if (p.op === "regex") {
      if (typeof p.value !== "string") issue("op `regex` requires a string `value` (the pattern)", ["value"]);
      else {
        const problem = regexProblem(p.value);
        if (problem) issue(`not a valid regular expression: ${problem}`, ["value"]);
      }
    }
  });
export type FilterTransformConfig = FilterPredicate;

type Test = (record: Value) => boolean;
type ValueTest = (actual: Value | undefined) => boolean;

/** The exact JS number for a numeric value when it has at most 15 significant digits. */
function fastNumber(value: Value | undefined): number | undefined {
  if (typeof value === "number") return value;
  return typeof value === "string" ? parseSimpleDecimal(value) : undefined;
}

/**
 * Compiles how `actual` compares with a fixed `expected`: a number, or undefined when the two
 * do not compare (different type families, a null or missing value, a timestamp and other
 * text). Numbers compare exactly (fast when both fit a double exactly); strings by code point;
 * RFC 3339 timestamps as instants — the order faucet's bookmarks use.
 */
function compileOrder(expected: Value): (actual: Value | undefined) => number | undefined {
  const family = valueFamily(expected);
  if (family === "number") {
    const expectedNumber = fastNumber(expected);
    return (actual) => {
      if (actual === undefined || actual === null) return undefined;
      if (expectedNumber !== undefined) {
        const n = fastNumber(actual);
        if (n !== undefined) return n === expectedNumber ? 0 : n < expectedNumber ? -1 : 1;
      }
      if (typeof actual !== "number" && typeof actual !== "string") return undefined;
      return valueFamily(actual) === "number" ? compareValues(actual, expected) : undefined;
    };
  }
  if (typeof expected === "string" && castTimestamp(expected) !== undefined) {
    // A timestamp orders only against timestamps, as instants. Same-width UTC timestamps order
    // as plain strings, the fast path for the usual case.
    const plain = isPlainUtcTimestamp(expected);
    return (actual) => {
      if (typeof actual !== "string") return undefined;
      if (plain && isPlainUtcTimestamp(actual)) return actual === expected ? 0 : actual < expected ? -1 : 1;
      return castTimestamp(actual) === undefined ? undefined : compareValues(actual, expected);
    };
  }
  return (actual) => {
    if (actual === undefined || actual === null) return undefined;
    if (actual === expected) return 0;
    return valueFamily(actual) === family ? compareValues(actual, expected) : undefined;
  };
}

/** Equality in the bookmark order: `"42"` equals `42`, instants equal across offsets. */
function compileEquals(expected: Value): (actual: Value | undefined) => boolean {
  const family = valueFamily(expected);
  if (family === "string" && !/^\d{4}-\d{2}-\d{2}[Tt ]/.test(expected as string)) {
    return (actual) => actual === expected;
  }
  if (family === "null" || family === "boolean") return (actual) => actual === expected;
  const order = compileOrder(expected);
  return (actual) => actual === expected || order(actual) === 0;
}

/** How a condition tests the value at its path (undefined when the path is missing). */
function compileValueTest(op: Op, value: Value | undefined): ValueTest {
  switch (op) {
    case "exists":
      return (actual) => actual !== undefined && actual !== null;
    case "eq":
      return compileEquals(value as Value);
    case "ne": {
      const equals = compileEquals(value as Value);
      return (actual) => !equals(actual);
    }
    case "in":
    case "not_in": {
      const member = compileMembership(value as Value[]);
      return op === "in" ? member : (actual) => !member(actual);
    }
    case "regex": {
      const regex = compileRegex(value as string);
      return (actual) => {
        if (typeof actual === "string") return regex.test(actual);
        return typeof actual === "number" ? regex.test(String(actual)) : false;
      };
    }
    default: {
      const order = compileOrder(value as Value);
      const accept =
        op === "gt"
          ? (c: number) => c > 0
          : op === "gte"
            ? (c: number) => c >= 0
            : op === "lt"
              ? (c: number) => c < 0
              : (c: number) => c <= 0;
      return (actual) => {
        const c = order(actual);
        return c !== undefined && accept(c);
      };
    }
  }
}

function compileCondition(path: string, op: Op, value: Value | undefined): Test {
  const get = compilePath(path).get;
  const test = compileValueTest(op, value);
  return (record) => test(get(record));
}

function compileMembership(values: Value[]): (actual: Value | undefined) => boolean {
  const plainStrings = values.every((v) => typeof v === "string" && valueFamily(v) === "string" && !/^\d{4}-/.test(v));
  if (plainStrings) {
    const set = new Set(values as string[]);
    return (actual) => typeof actual === "string" && set.has(actual);
  }
  const tests = values.map(compileEquals);
  return (actual) => {
    if (actual === undefined) return false;
    for (let i = 0; i < tests.length; i++) if ((tests[i] as (a: Value) => boolean)(actual)) return true;
    return false;
  };
}

/** Compiles a predicate tree into one test. */
export function compilePredicate(predicate: FilterPredicate): Test {
  if (predicate.all) {
    const tests = predicate.all.map(compilePredicate);
    return (record) => {
      for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test)(record)) return false;
      return true;
    };
  }
  if (predicate.any) {
    const tests = predicate.any.map(compilePredicate);
    return (record) => {
      for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(record)) return true;
      return false;
    };
  }
  return compileCondition(predicate.path as string, predicate.op as Op, predicate.value);
}

/**
 * `filter`: keeps the records for which the predicate holds. A missing field fails every
 * condition except `ne` and `not_in`, which it passes (as in faucet-stream); ordering conditions
 * fail on null and across types (a string is neither above nor below a number).
 */
export const filterDefinition = defineTransform({
  type: "filter",
  description: "Keep records where a predicate (or all/any of several) is true.",
  config: FilterConfig,
  create: (config) => {
    const test = compilePredicate(config);
    const stage = named("filter", (records) => {
      const out: Value[] = [];
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as Value;
        if (test(record)) out.push(record);
      }
      return out;
    });
    if (config.path === undefined) return stage;
    // One condition, fused: the first path segment is a field of the record, the rest a getter.
    const [first, ...rest] = compilePath(config.path).segments as [string, ...string[]];
    const valueTest = compileValueTest(config.op as Op, config.value);
    const restGetter = rest.length > 0 ? compileGetter(rest) : undefined;
    return fusable(stage, (chain) => {
      const v = chain.find(first)?.local;
      const actual = v === undefined ? "undefined" : restGetter ? `${chain.helper(restGetter)}(${v})` : v;
      chain.emit(`if (!${chain.helper(valueTest)}(${actual})) return null;`);
      return true;
    });
  },
});

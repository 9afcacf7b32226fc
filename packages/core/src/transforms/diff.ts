import type { Value } from "../value.js";
import { isPlainObject, preview } from "./shared.js";

/**
 * The first difference between two JSON values, as one line naming where it is
 * (`[2].amount: expected 12.5, got "12.5"`), or undefined when they are equal. Object key order
 * does not matter; array order does.
 */
export function firstDifference(expected: unknown, actual: unknown, at = ""): string | undefined {
  const where = at === "" ? "(value)" : at;
  if (Object.is(expected, actual)) return undefined;
  if (typeof expected === "number" && typeof actual === "number" && expected === actual) return undefined;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${where}: expected an array, got ${preview(actual)}`;
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const diff = firstDifference(expected[i], actual[i], `${at}[${i}]`);
      if (diff) return diff;
    }
    if (expected.length !== actual.length) {
      const extra = actual.length > expected.length ? `; first extra: ${preview(actual[n])}` : "";
      return `${where}: expected ${expected.length} items, got ${actual.length}${extra}`;
    }
    return undefined;
  }
  if (isPlainObject(expected as Value)) {
    if (!isPlainObject(actual as Value)) return `${where}: expected an object, got ${preview(actual)}`;
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of Object.keys(e)) {
      const path = at === "" ? key : `${at}.${key}`;
      if (!Object.hasOwn(a, key)) return `${path}: missing (expected ${preview(e[key])})`;
      const diff = firstDifference(e[key], a[key], path);
      if (diff) return diff;
    }
    for (const key of Object.keys(a)) {
      if (!Object.hasOwn(e, key)) return `${at === "" ? key : `${at}.${key}`}: unexpected field (${preview(a[key])})`;
    }
    return undefined;
  }
  return `${where}: expected ${preview(expected)}, got ${preview(actual)}`;
}

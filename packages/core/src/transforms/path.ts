import type { Value } from "../value.js";
import type { Row } from "./shared.js";
import { isPlainObject, isRiskyKey } from "./shared.js";

/**
 * A field path in the JSONPath subset the Rust faucet-stream accepts for `filter` and
 * `explode`: a bare key (`status`), a dot path (`user.status`, `$.user.status`) or a bracketed
 * quoted key for unusual names (`$['order-lines']`, `$["a.b"]`). Wildcards, recursive descent
 * and filter expressions are refused when the config is compiled.
 */
export interface FieldPath {
  /** The `$`-rooted form, for messages. */
  readonly text: string;
  readonly segments: readonly string[];
  /** Reads the value at the path; undefined when a segment is missing or not an object. */
  get(record: Value): Value | undefined;
}

/** Parses a path, throwing a SyntaxError that says what is wrong with it. */
export function compilePath(raw: string): FieldPath {
  const text = raw.startsWith("$") ? raw : `$.${raw}`;
  const bad = (why: string) => new SyntaxError(`invalid path '${raw}': ${why}`);
  const segments: string[] = [];
  let rest = text.slice(1);
  while (rest.length > 0) {
    if (rest.startsWith(".")) {
      const after = rest.slice(1);
      if (after.startsWith(".")) throw bad("recursive descent ('..') is not supported; use a single-node path");
      const end = after.search(/[.[]/);
      const key = end < 0 ? after : after.slice(0, end);
      if (key === "") throw bad("empty segment after '.'");
      segments.push(key);
      rest = end < 0 ? "" : after.slice(end);
    } else if (rest.startsWith("[")) {
      const quote = rest[1];
      if (quote === undefined) throw bad("unterminated bracket");
      if (quote === "*" || quote === "?") throw bad("wildcards ('[*]') and filters ('[?]') are not supported");
      if (quote !== "'" && quote !== '"') throw bad("the bracket form needs a quoted key, e.g. ['order-lines']");
      const close = rest.indexOf(quote, 2);
      if (close < 0) throw bad("unterminated quoted key");
      if (rest[close + 1] !== "]") throw bad("expected ']' after the quoted key");
      segments.push(rest.slice(2, close));
      rest = rest.slice(close + 2);
    } else {
      throw bad(`unexpected character at '${rest}'`);
    }
  }
  if (segments.length === 0) throw bad("empty (it must name a key)");
  return { text, segments, get: compileGetter(segments) };
}

/** The reason `raw` is not a valid path, or undefined. */
export function pathProblem(raw: string): string | undefined {
  try {
    compilePath(raw);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Reads the value at `segments` below a value; undefined when a segment is missing or not an object. */
export function compileGetter(segments: readonly string[]): (record: Value) => Value | undefined {
  const risky = segments.some(isRiskyKey);
  if (segments.length === 1 && !risky) {
    const key = segments[0] as string;
    return (record) => (isPlainObject(record) ? record[key] : undefined);
  }
  return (record) => {
    let current: Value | undefined = record;
    for (let i = 0; i < segments.length; i++) {
      if (!isPlainObject(current)) return undefined;
      const key = segments[i] as string;
      const next: Value | undefined = (current as Row)[key];
      if (next === undefined || (risky && !Object.hasOwn(current, key))) return undefined;
      current = next;
    }
    return current;
  };
}

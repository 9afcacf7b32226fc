import type { Row } from "./shared.js";

/**
 * Records of one page almost always share one key sequence (a CSV's header, a table's columns),
 * so a transform that reshapes records works out what to do once per distinct key sequence (a
 * "plan"), remembers the last few, and per record only checks that its keys are the remembered
 * ones — a pointer comparison per key in V8, far cheaper than per-key map lookups.
 */
export class ShapeMemo<P> {
  readonly #keys: string[][] = [];
  readonly #plans: P[] = [];
  readonly #limit: number;
  #budget: number;

  /**
   * `limit` shapes are remembered at a time; after `budget` plans in all, the memo stops
   * remembering (records of ever-changing shapes would otherwise compile a plan per record).
   */
  constructor(limit = 8, budget = 256) {
    this.#limit = limit;
    this.#budget = budget;
  }

  /** False once the memo has stopped remembering new shapes. */
  get learning(): boolean {
    return this.#budget > 0;
  }

  /**
   * The plan for `record`'s exact key sequence, or undefined. With `flatOnly`, also undefined
   * when any value is an object or array (plans of recursive transforms cover flat records only).
   */
  find(record: Row, flatOnly: boolean): P | undefined {
    const shapes = this.#keys;
    for (let s = 0; s < shapes.length; s++) {
      const keys = shapes[s] as string[];
      let j = 0;
      let same = true;
      for (const key in record) {
        if (keys[j] !== key) {
          same = false;
          break;
        }
        if (flatOnly) {
          const value = record[key];
          if (typeof value === "object" && value !== null) return undefined;
        }
        j++;
      }
      if (same && j === keys.length) return this.#plans[s];
    }
    return undefined;
  }

  /** Remembers `plan` for the key sequence of `record`, forgetting the oldest beyond the limit. */
  remember(record: Row, plan: P): void {
    if (this.#budget <= 0) return;
    this.#budget--;
    const keys: string[] = [];
    for (const key in record) keys.push(key);
    this.#keys.unshift(keys);
    this.#plans.unshift(plan);
    if (this.#keys.length > this.#limit) {
      this.#keys.pop();
      this.#plans.pop();
    }
  }
}

/** The key sequence of a record, as `for…in` yields it. */
export function keysOf(record: Row): string[] {
  const keys: string[] = [];
  for (const key in record) keys.push(key);
  return keys;
}

/** Builds a new record from an old one: `[outputKey, inputKey]` pairs, in output order. */
export type RecordBuilder = (record: Row) => Row;

/**
 * Compiles a builder that makes the output record with one object literal. V8 creates such
 * literals from a precomputed template with every property in place, which is several times
 * cheaper than adding properties one by one and gives every output record the same hidden class.
 * Keys are embedded as JSON string literals, so no key can inject code.
 */
export function compileBuilder(pairs: readonly (readonly [string, string])[]): RecordBuilder {
  const body = pairs
    .map(([out, input]) => {
      const name = JSON.stringify(out);
      // A literal `"__proto__": v` would set the prototype; the computed form defines a field.
      return `${out === "__proto__" ? `[${name}]` : name}: r[${JSON.stringify(input)}]`;
    })
    .join(", ");
  return new Function("r", `"use strict"; return { ${body} };`) as RecordBuilder;
}

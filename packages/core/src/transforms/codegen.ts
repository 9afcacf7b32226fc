import type { Transform } from "../transform.js";
import { isRiskyKey } from "./shared.js";

/**
 * Per-field transforms compile their record loop into a function of its own, with the field
 * names written in as constants. Each compiled stage then has its own V8 inline caches, which
 * stay monomorphic (one record shape, one field name per access) instead of turning megamorphic
 * as a shared helper would once a chain of stages reads many fields of many shapes: about twice
 * as fast per field. Field names enter the code only as JSON string literals, never as code.
 */

/** A JS expression reading the own field `key` of the record `r` (undefined when absent). */
export function readField(key: string): string {
  const k = JSON.stringify(key);
  return isRiskyKey(key) ? `(Object.hasOwn(r, ${k}) ? r[${k}] : undefined)` : `r[${k}]`;
}

/** A JS statement setting the own field `key` of `r` to the value of `expression`. */
export function writeField(key: string, expression: string): string {
  const k = JSON.stringify(key);
  return key === "__proto__"
    ? `Object.defineProperty(r, ${k}, { value: ${expression}, writable: true, enumerable: true, configurable: true });`
    : `r[${k}] = ${expression};`;
}

/**
 * Compiles a stage running `body` for every plain-object record `r` of the page, in place.
 * `helpers` is visible to the body as `H`; the page context as `ctx`.
 */
export function compileRecordLoop(type: string, body: string, helpers: object): Transform {
  const source = `"use strict";
return function stage(records, ctx) {
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (typeof r !== "object" || r === null || Array.isArray(r)) continue;
    ${body}
  }
  return records;
};`;
  const stage = new Function("H", source)(helpers) as Transform;
  Object.defineProperty(stage, "name", { value: type });
  return stage;
}

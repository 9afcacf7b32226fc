import { FaucetError } from "../errors.js";
import type { Transform } from "../transform.js";
import type { Value, ValueObject } from "../value.js";

/** A record as the hot loops see it: an object whose keys may be read and written by name. */
export type Row = { [key: string]: Value };

/** True for a plain JSON object (not null, not an array). Inlined by V8 in the hot loops. */
export function isPlainObject(value: unknown): value is ValueObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A config problem found while compiling a transform: fails before the first page is read. */
export function configError(type: string, message: string, hint?: string): FaucetError {
  return new FaucetError("config", `invalid config: transform \`${type}\`: ${message}`, {
    hint: hint ?? `run \`faucet schema transform ${type}\` to see every valid key and type`,
  });
}

/** A record the transform cannot handle: fails the page (or, where configured, dead-letters it). */
export function transformError(type: string, message: string, hint?: string): FaucetError {
  return new FaucetError("transform", `${type}: ${message}`, hint === undefined ? {} : { hint });
}

/** Names a compiled transform after its YAML type so stage errors read `transform #3 (cast) failed`. */
export function named(type: string, transform: Transform): Transform {
  Object.defineProperty(transform, "name", { value: type });
  return transform;
}

/**
 * True for keys that plain `obj[key]` reads or writes would confuse with Object.prototype
 * (`constructor`, `toString`, `__proto__`, …). Such keys are rare, so the hot loops check this
 * flag, computed once per configured field, before paying for `Object.hasOwn`.
 */
export function isRiskyKey(key: string): boolean {
  return key === "__proto__" || key in Object.prototype;
}

/** Reads an own field; `undefined` when absent. `risky` is {@link isRiskyKey} of `key`. */
export function readField(record: Row, key: string, risky: boolean): Value | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  return risky && !Object.hasOwn(record, key) ? undefined : value;
}

/** Writes an own field, including `__proto__`, which a plain assignment would treat as the prototype. */
export function writeField(record: Row, key: string, value: Value): void {
  if (key === "__proto__") {
    Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    record[key] = value;
  }
}

/** True when `record` has its own `key` (cheap for ordinary keys, exact for prototype names). */
export function hasField(record: Row, key: string): boolean {
  return record[key] !== undefined && Object.hasOwn(record, key);
}

/**
 * A Map that forgets everything once it holds `limit` entries. Transforms cache per distinct key
 * or value (keys repeat across records), and the limit keeps a high-cardinality stream from
 * growing memory without bound.
 */
export class BoundedCache<V> {
  readonly #map = new Map<string, V>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    if (this.#map.size >= this.#limit) this.#map.clear();
    this.#map.set(key, value);
  }
}

/**
 * A deep copy of a JSON value, for constants a transform writes into many records (each record
 * must own its nested objects, since later stages may change them).
 */
export function cloneValue(value: Value): Value {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const out: Value[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneValue(value[i] as Value);
    return out;
  }
  const out: Row = {};
  for (const key in value) writeField(out, key, cloneValue(value[key] as Value));
  return out;
}

/** A short printable form of a value for error messages. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The JSON type name of a value, for error messages. */
export function typeName(value: Value): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

import type { Value } from "../value.js";
import type { FusedStage } from "./fuse.js";
import { compileBuilder, keysOf, type RecordBuilder, ShapeMemo } from "./shape.js";
import type { Row } from "./shared.js";
import { BoundedCache, hasField, transformError, writeField } from "./shared.js";

/** What to do when two keys of one object end up with the same name. */
export type KeyCollisionPolicy = "error" | "suffix";

/** How a key-shape transform (rename_keys, keys_case, spell_symbols) rewrites keys. */
export interface KeyRewriteOptions {
  /** The YAML type, for error messages. */
  type: string;
  /** The new name of a key. Called once per distinct key; results are cached. */
  rename: (key: string) => string;
  /** Walk into nested objects and objects inside arrays. */
  recursive: boolean;
  onCollision: KeyCollisionPolicy;
  /** Appended to the collision error, e.g. how to disambiguate. */
  collisionHint?: string;
}

/** A compiled key rewriter: the record rewrite, and its part of a fused chain. */
export interface KeyRewriter {
  /** The value with every key renamed (the value itself when no key changes). */
  rewrite: (value: Value) => Value;
  /** The stage in a fused chain: renames the record's keys, rewrites nested values when recursive. */
  fused: FusedStage;
}

/**
 * Compiles a key rewriter: a function from a value to the value with every key renamed. It
 * returns its argument unchanged (no allocation) when no key changes, and otherwise builds new
 * objects: renaming a key in place would delete a property, which drops V8 objects into slow
 * dictionary mode for every later stage. Nested objects are never mutated, only replaced.
 */
export function compileKeyRewriter(options: KeyRewriteOptions): KeyRewriter {
  const { type, recursive, onCollision } = options;
  const cache = new BoundedCache<string>();
  const rename = (key: string): string => {
    let renamed = cache.get(key);
    if (renamed === undefined) {
      renamed = options.rename(key);
      cache.set(key, renamed);
    }
    return renamed;
  };

  const place = (out: Row, key: string, original: string, value: Value): void => {
    if (!hasField(out, key)) {
      writeField(out, key, value);
      return;
    }
    if (onCollision === "error") {
      throw transformError(
        type,
        `two keys become \`${key}\` (the second is \`${original}\`); a key collision would lose a value`,
        options.collisionHint,
      );
    }
    let n = 2;
    while (hasField(out, `${key}_${n}`)) n++;
    writeField(out, `${key}_${n}`, value);
  };

  const rewriteObject = (input: Row): Row => {
    let out: Row | null = null;
    for (const key in input) {
      const value = input[key] as Value;
      const newKey = rename(key);
      const newValue = recursive && typeof value === "object" && value !== null ? rewrite(value) : value;
      if (out === null) {
        if (newKey === key && newValue === value) continue;
        out = {};
        // Every key before this one kept its name and value.
        for (const earlier in input) {
          if (earlier === key) break;
          writeField(out, earlier, input[earlier] as Value);
        }
      }
      place(out, newKey, key, newValue);
    }
    return out ?? input;
  };

  const rewriteArray = (input: Value[]): Value[] => {
    let out: Value[] | null = null;
    for (let i = 0; i < input.length; i++) {
      const value = input[i] as Value;
      const newValue = typeof value === "object" && value !== null ? rewrite(value) : value;
      if (out === null) {
        if (newValue === value) continue;
        out = input.slice(0, i);
      }
      out.push(newValue);
    }
    return out ?? input;
  };

  const rewrite = (value: Value): Value => {
    if (typeof value !== "object" || value === null) return value;
    return Array.isArray(value) ? rewriteArray(value) : rewriteObject(value as Row);
  };

  /** The new names of a key sequence, in order (throws on a collision under `error`). */
  const renameAll = (keys: readonly string[]): string[] => {
    const used = new Set<string>();
    return keys.map((key) => {
      let name = rename(key);
      if (used.has(name)) {
        if (onCollision === "error") {
          throw transformError(
            type,
            `two keys become \`${name}\` (the second is \`${key}\`); a key collision would lose a value`,
            options.collisionHint,
          );
        }
        let n = 2;
        while (used.has(`${name}_${n}`)) n++;
        name = `${name}_${n}`;
      }
      used.add(name);
      return name;
    });
  };

  /** The builder for a flat record's key sequence (null: no key changes), found once per shape. */
  const planFor = (record: Row): RecordBuilder | null => {
    const keys = keysOf(record);
    const names = renameAll(keys);
    return names.some((name, i) => name !== keys[i])
      ? compileBuilder(names.map((name, i) => [name, keys[i] as string]))
      : null;
  };

  const fused: FusedStage = (chain) => {
    const names = renameAll(chain.fields.map((field) => field.key));
    const nested = recursive ? chain.helper(rewrite) : undefined;
    chain.fields.forEach((field, i) => {
      field.key = names[i] as string;
      const v = field.local;
      if (nested) chain.emit(`if (typeof ${v} === "object" && ${v} !== null) ${v} = ${nested}(${v});`);
    });
    return true;
  };

  const memo = new ShapeMemo<RecordBuilder | null>();
  const top = (value: Value): Value => {
    if (typeof value !== "object" || value === null) return value;
    // A top-level array is a record too; its elements are only visited when recursive.
    if (Array.isArray(value)) return recursive ? rewriteArray(value) : value;
    const record = value as Row;
    const plan = memo.find(record, recursive);
    if (plan !== undefined) return plan === null ? record : plan(record);
    if (memo.learning && (!recursive || isFlat(record))) {
      const built = planFor(record);
      memo.remember(record, built);
      return built === null ? record : built(record);
    }
    return rewriteObject(record);
  };
  return { rewrite: top, fused };
}

function isFlat(record: Row): boolean {
  for (const key in record) {
    const value = record[key];
    if (typeof value === "object" && value !== null) return false;
  }
  return true;
}

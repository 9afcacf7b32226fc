import type { Transform } from "../transform.js";
import type { Value } from "../value.js";
import { keysOf, ShapeMemo } from "./shape.js";
import { named } from "./shared.js";

/**
 * The chain compiler. Adjacent per-record stages (key reshapes, casts, `set`, `value_case`,
 * `json_parse`, `hash`, a one-condition `filter`, …) are compiled together, once per input key
 * sequence, into one function that reads a record's fields into locals, runs every stage's work
 * on the locals and builds the output record with one object literal: one new object per record
 * instead of one per reshaping stage, one loop over the page instead of one per stage, and every
 * output record of one shape.
 *
 * The fused code covers only the ordinary path. Anything else — a value that fails to cast, a
 * key collision, a record that is not an object, a shape it cannot compile — makes it give up
 * on the whole page ("bail") before any record is changed (it never writes to its input), and
 * the page runs through the unfused stages, which then fail, dead-letter or skip exactly as they
 * always do, with the same stage numbers in their errors.
 */

/** One field of the record as the fused code holds it at some stage: its key and its local. */
export interface FusedField {
  key: string;
  /** The JS variable holding the value (a `let`, so stages may assign it). */
  readonly local: string;
  /** The input record's key the local was read from; undefined for fields a stage added. */
  readonly input?: string;
}

/** What a stage's code generator sees: the record's fields, in key order, and the code so far. */
export interface FusedChain {
  /** The record's fields in key order; a stage may rename (`field.key = …`), reorder or drop them. */
  fields: FusedField[];
  /** The field with `key`, or undefined when the record (at this stage) has no such key. */
  find(key: string): FusedField | undefined;
  /** Appends a field set to the JS expression `init` (evaluated at this point of the code). */
  add(key: string, init: string): FusedField;
  /** A JS expression naming `value` (a function or constant) inside the generated code. */
  helper(value: unknown): string;
  /**
   * Appends JS statements run for every record; `return BAIL;` gives up, `return null;` drops
   * the record. The code may read `r` (the input record), `i` (its index) and `P` (the page).
   */
  emit(code: string): void;
}

/**
 * A stage's part of a fused chain: emits the stage's work on one record of the current key
 * sequence, or returns false when this key sequence is not for the fused code (the unfused
 * stage then handles the page, e.g. to fail it with its own error).
 */
export type FusedStage = (chain: FusedChain) => boolean;

const fusions = new WeakMap<Transform, FusedStage>();

/** How a fused run has fared: pages it ran, and pages it gave back to the unfused stages. */
export interface FusionStats {
  pages: number;
  bails: number;
}

const stats = new WeakMap<Transform, FusionStats>();

/**
 * The stats of a fused run, given the first stage of the run as {@link fusedChain} returns it;
 * undefined for any other stage. For tests and profiling: is this chain running fused?
 *
 * @example
 * const [first] = fusedChain(createTransforms(specs));
 * fusionStats(first); // { pages: 0, bails: 0 }
 */
export function fusionStats(stage: Transform): FusionStats | undefined {
  return stats.get(stage);
}

/** Declares that `transform` can be compiled into a fused chain by `stage`; returns `transform`. */
export function fusable(transform: Transform, stage: FusedStage): Transform {
  fusions.set(transform, stage);
  return transform;
}

const BAIL: unique symbol = Symbol("bail");
type Plan = (record: { [key: string]: Value }, index: number, page: readonly Value[]) => Value | null | typeof BAIL;

class ChainBuilder implements FusedChain {
  fields: FusedField[];
  readonly #helpers: unknown[] = [];
  readonly #lines: string[] = [];
  #locals = 0;

  constructor(keys: readonly string[]) {
    this.fields = keys.map((key) => {
      const field = { key, local: this.#local(), input: key };
      this.#lines.push(`let ${field.local} = r[${JSON.stringify(key)}];`);
      return field;
    });
  }

  #local(): string {
    return `v${this.#locals++}`;
  }

  find(key: string): FusedField | undefined {
    return this.fields.find((field) => field.key === key);
  }

  add(key: string, init: string): FusedField {
    const field = { key, local: this.#local() };
    this.#lines.push(`let ${field.local} = ${init};`);
    this.fields.push(field);
    return field;
  }

  helper(value: unknown): string {
    let index = this.#helpers.indexOf(value);
    if (index < 0) index = this.#helpers.push(value) - 1;
    return `h${index}`;
  }

  emit(code: string): void {
    this.#lines.push(code);
  }

  /** The plan: the emitted code, then the output record as one literal (keys as JSON string literals, never code). */
  compile(): Plan {
    const literal = this.fields
      .map(({ key, local }) => {
        const name = JSON.stringify(key);
        return `${key === "__proto__" ? `[${name}]` : name}: ${local}`;
      })
      .join(", ");
    const names = this.#helpers.map((_, i) => `h${i}`);
    const source = `"use strict";
return function fused(r, i, P) {
${this.#lines.join("\n")}
return { ${literal} };
};`;
    return new Function(...names, "BAIL", source)(...this.#helpers, BAIL) as Plan;
  }
}

/** After this many pages given up on (and at least a quarter of those tried), a fused chain stops trying. */
const MAX_BAILS = 8;

/** Compiles one run of two or more adjacent fusable stages; returns the stages that replace them. */
function fuseRun(stages: readonly Transform[]): Transform[] {
  const parts = stages.map((stage) => fusions.get(stage) as FusedStage);
  const first = stages[0] as Transform;
  // Pages the fused stage produced, which the stages after it pass on untouched.
  const fusedPages = new WeakSet<Value[]>();
  const memo = new ShapeMemo<Plan | null>();
  const counts: FusionStats = { pages: 0, bails: 0 };

  const planFor = (record: { [key: string]: Value }): Plan | null => {
    const keys = keysOf(record);
    if (keys.includes("__proto__")) return null;
    const chain = new ChainBuilder(keys);
    try {
      for (const part of parts) if (!part(chain)) return null;
    } catch {
      return null;
    }
    return chain.compile();
  };

  /** The page through the fused code, or undefined to give up on it. */
  const runFused = (records: Value[]): Value[] | undefined => {
    const out: Value[] = [];
    try {
      for (let i = 0; i < records.length; i++) {
        const record = records[i];
        if (typeof record !== "object" || record === null || Array.isArray(record)) return undefined;
        let plan = memo.find(record, false);
        if (plan === undefined) {
          if (!memo.learning) return undefined;
          plan = planFor(record);
          memo.remember(record, plan);
        }
        if (plan === null) return undefined;
        const result = plan(record, i, records);
        if (result === BAIL) return undefined;
        if (result !== null) out.push(result);
      }
    } catch {
      return undefined;
    }
    return out;
  };

  const fused: Transform = (records, ctx) => {
    if (counts.bails < MAX_BAILS || counts.bails * 4 < counts.pages) {
      counts.pages++;
      const out = runFused(records);
      if (out !== undefined) {
        fusedPages.add(out);
        return out;
      }
      counts.bails++;
    }
    return first(records, ctx);
  };
  stats.set(fused, counts);
  const rest = stages.slice(1).map((stage, index) => {
    const last = index === stages.length - 2;
    return named(stage.name, (records, ctx) => {
      if (!fusedPages.has(records)) return stage(records, ctx);
      if (last) fusedPages.delete(records);
      return records;
    });
  });
  return [named(first.name, fused), ...rest];
}

/**
 * Fuses every run of two or more adjacent fusable stages of `stages`. The list keeps its length
 * and names (the first stage of a run does the run's work, the others pass its pages on), so
 * stage numbers in errors and reports are unchanged.
 */
function fuseStages(stages: readonly Transform[]): Transform[] {
  const out: Transform[] = [];
  let i = 0;
  while (i < stages.length) {
    let end = i;
    while (end < stages.length && fusions.has(stages[end] as Transform)) end++;
    if (end - i >= 2) {
      out.push(...fuseRun(stages.slice(i, end)));
      i = end;
    } else {
      out.push(stages[i] as Transform);
      i++;
    }
  }
  return out;
}

/** The fused form of each chain, by its first stage (a run passes the same stages for every page). */
const chains = new WeakMap<Transform, { stages: readonly Transform[]; fused: readonly Transform[] }>();

/**
 * The stages to run a page through: `stages` with every run of adjacent fusable stages fused,
 * compiled the first time a chain is seen and reused for every later page of it.
 *
 * @example
 * const stages = fusedChain(createTransforms(specs)); // same length, same names
 */
export function fusedChain(stages: readonly Transform[]): readonly Transform[] {
  const head = stages[0];
  if (head === undefined || stages.length < 2) return stages;
  let chain = chains.get(head);
  if (chain === undefined || !sameStages(chain.stages, stages)) {
    chain = { stages: stages.slice(), fused: fuseStages(stages) };
    chains.set(head, chain);
  }
  return chain.fused;
}

function sameStages(a: readonly Transform[], b: readonly Transform[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

import { parseConfig, type ZodSchema, type z } from "../config.js";
import type { CreateContext, TransformDefinition } from "../define.js";
import { FaucetError } from "../errors.js";
import { consoleLogger } from "../logger.js";
import { closestMatch } from "../suggest.js";
import type { Transform } from "../transform.js";
import { castDefinition } from "./cast.js";
import { cdcUnwrapDefinition } from "./cdc-unwrap.js";
import { customDefinition, type RecordFunction } from "./custom.js";
import { explodeDefinition } from "./explode.js";
import {
  coalesceDefinition,
  dropDefinition,
  redactDefinition,
  renameFieldDefinition,
  selectDefinition,
} from "./fields.js";
import { filterDefinition } from "./filter.js";
import { flattenDefinition } from "./flatten.js";
import { hashDefinition } from "./hash.js";
import { keysCaseDefinition, renameKeysDefinition, spellSymbolsDefinition } from "./key-shape.js";
import { setDefinition } from "./set.js";
import {
  joinDefinition,
  jsonEncodeDefinition,
  jsonParseDefinition,
  splitDefinition,
  valueCaseDefinition,
} from "./values.js";

/**
 * Every built-in transform, in the order `faucet list` shows them. The CLI resolves
 * `pipeline.transforms[].type` against this list (plus any third-party definitions).
 */
export const builtinTransforms: readonly TransformDefinition[] = Object.freeze([
  flattenDefinition,
  renameKeysDefinition,
  keysCaseDefinition,
  selectDefinition,
  dropDefinition,
  setDefinition,
  renameFieldDefinition,
  castDefinition,
  redactDefinition,
  valueCaseDefinition,
  spellSymbolsDefinition,
  hashDefinition,
  jsonParseDefinition,
  jsonEncodeDefinition,
  coalesceDefinition,
  splitDefinition,
  joinDefinition,
  filterDefinition,
  explodeDefinition,
  cdcUnwrapDefinition,
  customDefinition,
] as TransformDefinition[]);

/** One entry of `pipeline.transforms`: `{type, config}`. */
export interface TransformSpec {
  type: string;
  config?: unknown;
}

/** Options of {@link createTransforms}. */
export interface CreateTransformsOptions extends Partial<CreateContext> {
  /** Definitions to resolve types against. Default: {@link builtinTransforms}. */
  definitions?: readonly TransformDefinition[];
  /** Where the list sits in the document, for error paths. Default `pipeline.transforms`. */
  path?: string;
}

function contextOf(options: Partial<CreateContext>): CreateContext {
  return {
    baseDir: options.baseDir ?? process.cwd(),
    logger: options.logger ?? consoleLogger,
    pipeline: options.pipeline ?? "pipeline",
  };
}

/**
 * Compiles a `pipeline.transforms` list into page stages, once per run: validates every config
 * against its schema (unknown keys, wrong types, bad regexes and paths all fail here, with the
 * full path and a "did you mean"), then builds each stage.
 *
 * @example
 * const stages = createTransforms([
 *   { type: "cast", config: { fields: { amount: "float" } } },
 *   { type: "filter", config: { path: "amount", op: "gt", value: 0 } },
 * ]);
 * await new Pipeline(source, sink, { transforms: stages }).run();
 */
export function createTransforms(specs: readonly TransformSpec[], options: CreateTransformsOptions = {}): Transform[] {
  const definitions = options.definitions ?? builtinTransforms;
  const base = options.path ?? "pipeline.transforms";
  const context = contextOf(options);
  if (!Array.isArray(specs)) {
    throw new FaucetError("config", `invalid config: \`${base}\` must be a list of {type, config}`);
  }
  return specs.map((spec, index) => {
    const where = `${base}[${index}]`;
    if (typeof spec !== "object" || spec === null || typeof spec.type !== "string") {
      throw new FaucetError("config", `invalid config: \`${where}\` must be an object with a string \`type\``, {
        hint: "write each transform as {type: <name>, config: {...}}",
      });
    }
    const definition = definitions.find((d) => d.type === spec.type);
    if (!definition) {
      const names = definitions.map((d) => d.type);
      const guess = closestMatch(spec.type, names);
      throw new FaucetError(
        "config",
        `invalid config: \`${where}.type\`: unknown transform \`${spec.type}\`${guess ? `; did you mean \`${guess}\`?` : ""}`,
        { hint: `available transforms: ${names.join(", ")}` },
      );
    }
    const config = parseConfig(definition.config, spec.config ?? {}, { path: `${where}.config` });
    return definition.create(config, context);
  });
}

/** The definition of a built-in transform, or undefined. */
export function transformDefinition(type: string): TransformDefinition | undefined {
  return builtinTransforms.find((d) => d.type === type);
}

/** A transform factory from its config, as `transforms.<name>(config)`. */
export type Factory<C extends ZodSchema> = (config: z.input<C>, context?: Partial<CreateContext>) => Transform;
/** A transform factory whose config may be omitted. */
export type OptionalFactory<C extends ZodSchema> = (config?: z.input<C>, context?: Partial<CreateContext>) => Transform;

function factory<C extends ZodSchema>(definition: TransformDefinition<C>): Factory<C> {
  return (config, context = {}) =>
    definition.create(parseConfig(definition.config, config ?? {}, { path: definition.type }), contextOf(context));
}

/**
 * The built-in transforms for TypeScript users: each factory validates its config (snake_case
 * keys, exactly as in YAML) and compiles the stage.
 *
 * @example
 * import { Pipeline, transforms } from "faucet-core";
 *
 * await new Pipeline(source, sink, {
 *   transforms: [
 *     transforms.cast({ fields: { amount: "float", active: "bool" } }),
 *     transforms.filter({ path: "amount", op: "gte", value: 100 }),
 *     transforms.custom((record) => ({ ...(record as object), seen: true })),
 *   ],
 * }).run();
 */
export const transforms = Object.freeze({
  flatten: factory(flattenDefinition) as OptionalFactory<typeof flattenDefinition.config>,
  renameKeys: factory(renameKeysDefinition),
  keysCase: factory(keysCaseDefinition),
  select: factory(selectDefinition),
  drop: factory(dropDefinition),
  set: factory(setDefinition),
  renameField: factory(renameFieldDefinition),
  cast: factory(castDefinition),
  redact: factory(redactDefinition),
  valueCase: factory(valueCaseDefinition),
  spellSymbols: factory(spellSymbolsDefinition) as OptionalFactory<typeof spellSymbolsDefinition.config>,
  hash: factory(hashDefinition),
  jsonParse: factory(jsonParseDefinition),
  jsonEncode: factory(jsonEncodeDefinition),
  coalesce: factory(coalesceDefinition),
  split: factory(splitDefinition),
  join: factory(joinDefinition),
  filter: factory(filterDefinition),
  explode: factory(explodeDefinition),
  cdcUnwrap: factory(cdcUnwrapDefinition) as OptionalFactory<typeof cdcUnwrapDefinition.config>,
  /** A per-record function; see {@link RecordFunction}. */
  custom: (fn: RecordFunction, context: Partial<CreateContext> = {}): Transform =>
    customDefinition.create(parseConfig(customDefinition.config, { fn }, { path: "custom" }), contextOf(context)),
});

import type { z } from "zod";
import type { ZodSchema } from "./config.js";
import type { Logger } from "./logger.js";
import type { Sink } from "./sink.js";
import type { Source } from "./source.js";
import type { StateStore } from "./state.js";
import type { Transform } from "./transform.js";

/** What a definition's `create` receives besides its parsed config. */
export interface CreateContext {
  /** Relative paths in a config resolve against this directory (the config file's). */
  baseDir: string;
  logger: Logger;
  /** The pipeline's name. */
  pipeline: string;
}

interface DefinitionBase<C extends ZodSchema> {
  /** The YAML `type`, e.g. `csv`. One name everywhere: package `faucet-source-csv`. */
  type: string;
  /** One line for `faucet list`. */
  description: string;
  /** The zod schema of `config`: the one source of truth for types, JSON Schema and docs. */
  config: C;
}

/** A source as the CLI registry sees it. */
export interface SourceDefinition<C extends ZodSchema = ZodSchema> extends DefinitionBase<C> {
  kind: "source";
  create(config: z.output<C>, context: CreateContext): Source | Promise<Source>;
}

/** A sink as the CLI registry sees it. */
export interface SinkDefinition<C extends ZodSchema = ZodSchema> extends DefinitionBase<C> {
  kind: "sink";
  create(config: z.output<C>, context: CreateContext): Sink | Promise<Sink>;
}

/** A transform as the CLI registry sees it: `create` compiles it once per run. */
export interface TransformDefinition<C extends ZodSchema = ZodSchema> extends DefinitionBase<C> {
  kind: "transform";
  create(config: z.output<C>, context: CreateContext): Transform;
}

/** A state store as the CLI registry sees it. */
export interface StateStoreDefinition<C extends ZodSchema = ZodSchema> extends DefinitionBase<C> {
  kind: "state";
  create(config: z.output<C>, context: CreateContext): StateStore | Promise<StateStore>;
}

/** Any definition. */
export type Definition = SourceDefinition | SinkDefinition | TransformDefinition | StateStoreDefinition;

/**
 * Declares a source for the CLI registry. The CLI reads `config` without building anything.
 *
 * @example
 * export const definition = defineSource({
 *   type: "numbers",
 *   description: "Counts from 1 to n",
 *   config: z.strictObject({ n: z.number().int().describe("How many") }),
 *   create: (config) => new NumbersSource(config),
 * });
 */
export function defineSource<C extends ZodSchema>(definition: Omit<SourceDefinition<C>, "kind">): SourceDefinition<C> {
  return Object.freeze({ kind: "source", ...definition }) as SourceDefinition<C>;
}

/**
 * Declares a sink for the CLI registry.
 *
 * @example
 * export const definition = defineSink({
 *   type: "null",
 *   description: "Discards records",
 *   config: z.strictObject({}),
 *   create: () => ({ writeBatch: async (records) => records.length }),
 * });
 */
export function defineSink<C extends ZodSchema>(definition: Omit<SinkDefinition<C>, "kind">): SinkDefinition<C> {
  return Object.freeze({ kind: "sink", ...definition }) as SinkDefinition<C>;
}

/**
 * Declares a transform for the CLI registry.
 *
 * @example
 * export const definition = defineTransform({
 *   type: "drop",
 *   description: "Removes fields",
 *   config: z.strictObject({ fields: z.array(z.string()) }),
 *   create: ({ fields }) => (records) => records.map((r) => omit(r, fields)),
 * });
 */
export function defineTransform<C extends ZodSchema>(
  definition: Omit<TransformDefinition<C>, "kind">,
): TransformDefinition<C> {
  return Object.freeze({ kind: "transform", ...definition }) as TransformDefinition<C>;
}

/**
 * Declares a state store for the CLI registry.
 *
 * @example
 * export const definition = defineStateStore({
 *   type: "memory",
 *   description: "Keeps bookmarks in memory",
 *   config: z.strictObject({}),
 *   create: () => new MemoryStateStore(),
 * });
 */
export function defineStateStore<C extends ZodSchema>(
  definition: Omit<StateStoreDefinition<C>, "kind">,
): StateStoreDefinition<C> {
  return Object.freeze({ kind: "state", ...definition }) as StateStoreDefinition<C>;
}

/** True when `value` looks like a definition made by one of the `define*` functions. */
export function isDefinition(value: unknown): value is Definition {
  if (!value || typeof value !== "object") return false;
  const d = value as Partial<Definition>;
  return (
    typeof d.type === "string" &&
    typeof d.create === "function" &&
    (d.kind === "source" || d.kind === "sink" || d.kind === "transform" || d.kind === "state") &&
    typeof d.config === "object"
  );
}

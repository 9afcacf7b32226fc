/**
 * Lazy connector factories: a factory imports its connector package (and so its driver) only
 * when it is first called, validates the config with the connector's zod schema, and builds it.
 */
import {
  type CreateContext,
  consoleLogger,
  type Definition,
  FaucetError,
  isDefinition,
  parseConfig,
  type Sink,
  type SinkDefinition,
  type Source,
  type SourceDefinition,
  type StateStore,
  type StateStoreDefinition,
  type Transform,
  type TransformDefinition,
  type ZodSchema,
  type z,
} from "faucet-core";

/** Where relative paths resolve, the logger and the pipeline name; each defaults sensibly. */
export type FactoryContext = Partial<CreateContext>;

type Loader<D> = () => Promise<{ definition: D }>;

async function build<D extends Definition>(
  load: Loader<D>,
  config: unknown,
  context: FactoryContext,
): Promise<unknown> {
  const { definition } = await load();
  const parsed = parseConfig(definition.config, config ?? {}, { connector: `${definition.kind}-${definition.type}` });
  const full: CreateContext = {
    baseDir: context.baseDir ?? process.cwd(),
    logger: context.logger ?? consoleLogger,
    pipeline: context.pipeline ?? "pipeline",
  };
  return await definition.create(parsed as never, full);
}

/**
 * A source factory that loads its package on first use.
 *
 * @example
 * const csv = lazySource(() => import("faucet-source-csv"));
 * const source = await csv({ path: "orders.csv" });
 */
export function lazySource<C extends ZodSchema>(load: Loader<SourceDefinition<C>>) {
  return async (config: z.input<C>, context: FactoryContext = {}): Promise<Source> =>
    (await build(load, config, context)) as Source;
}

/** A sink factory that loads its package on first use (see {@link lazySource}). */
export function lazySink<C extends ZodSchema>(load: Loader<SinkDefinition<C>>) {
  return async (config: z.input<C>, context: FactoryContext = {}): Promise<Sink> =>
    (await build(load, config, context)) as Sink;
}

/** A transform factory (see {@link lazySource}). */
export function lazyTransform<C extends ZodSchema>(load: Loader<TransformDefinition<C>>) {
  return async (config: z.input<C>, context: FactoryContext = {}): Promise<Transform> =>
    (await build(load, config, context)) as Transform;
}

/** A state store factory (see {@link lazySource}). */
export function lazyStateStore<C extends ZodSchema>(load: Loader<StateStoreDefinition<C>>) {
  return async (config: z.input<C>, context: FactoryContext = {}): Promise<StateStore> =>
    (await build(load, config, context)) as StateStore;
}

/** The definition of `kind` and `type` among a module's exports (arrays included). */
export function pick<D extends Definition>(module: Record<string, unknown>, kind: D["kind"], type: string): D {
  for (const value of Object.values(module)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) if (isDefinition(item) && item.kind === kind && item.type === type) return item as D;
  }
  throw new FaucetError("contract", `no ${kind} definition of type ${type} in the module`);
}

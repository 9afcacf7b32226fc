import type { CheckReport } from "./check.js";
import type { Logger } from "./logger.js";
import type { NativeFormat, NativePage } from "./native.js";
import type { ParallelChunk } from "./parallel/contract.js";
import type { JsonSchema, Value } from "./value.js";

/** One page of records and, when the source can resume after it, the bookmark to resume from. */
export interface StreamPage {
  records: Value[];
  bookmark?: Value;
}

/**
 * What a source reads with: values from a parent record or partition that fill placeholders
 * (a REST `path: /repos/{owner}/issues`), the run's AbortSignal and a logger. Every field is
 * optional, so `{}` is a valid context.
 */
export interface FetchContext {
  params?: Readonly<Record<string, Value>>;
  signal?: AbortSignal;
  logger?: Logger;
}

/** What a source can do, as plain data. */
export interface SourceCapabilities {
  /** Emits bookmarks and honours `applyStartBookmark`. */
  incremental: boolean;
  /** Reading again from the same bookmark yields the same records in the same pages. */
  deterministicReplay: boolean;
  /** Implements `discover()`. */
  discover: boolean;
}

/** One dataset a source can read, as found by `discover()`. */
export interface DatasetDescriptor {
  /** E.g. `public.orders`. */
  name: string;
  /** E.g. `table`, `view`, `endpoint`, `file`. */
  kind: string;
  /** JSON Schema of one record, when known. */
  schema?: JsonSchema;
  estimatedRows?: number;
  /** Merged into the source's config to read exactly this dataset. */
  configPatch: Record<string, Value>;
}

/**
 * A source of records. Only `fetchWithContext` is required; every other method has a default
 * supplied by core (see {@link streamPagesOf}, {@link sourceCapabilities}).
 *
 * @example
 * class Numbers implements Source {
 *   async fetchWithContext(): Promise<Value[]> {
 *     return [{ n: 1 }, { n: 2 }];
 *   }
 * }
 */
export interface Source {
  /** Reads every record. Sources that page natively should also implement `streamPages`. */
  fetchWithContext(ctx: FetchContext): Promise<Value[]>;
  /**
   * Streams pages natively. `batchSize` is the pipeline's page size (0 means one page); a
   * source's own configured batch size wins. Must stop promptly once `signal` aborts.
   */
  streamPages?(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncIterable<StreamPage>;
  /**
   * Cuts the input into independently decodable chunks of whole pages, decoded on worker
   * threads (docs/concepts.md, "Parallel pages"). Returns undefined when the current config
   * cannot be split (the pipeline then reads `streamPages`). Must stop promptly once `signal`
   * aborts.
   */
  parallelChunks?(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncIterable<ParallelChunk> | undefined;
  /**
   * The encoding `nativePages` would stream the current config in (docs/concepts.md, "Native
   * pass-through"), or undefined when this config has none. May ask the server (column types).
   */
  nativeFormat?(ctx: FetchContext): Promise<NativeFormat | undefined>;
  /**
   * Streams pages as bytes in the encoding `nativeFormat` described: whole rows, `batchSize` rows
   * a page (the last may be short; a source's own batch size wins), each with its bookmark when the
   * source bookmarks. Must stop promptly once `signal` aborts.
   */
  nativePages?(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncIterable<NativePage>;
  /** E.g. `source-csv`. */
  connectorName?(): string;
  /** JSON Schema of this connector's config. */
  configSchema?(): JsonSchema;
  /** The key under which the pipeline stores this source's bookmark. */
  stateKey?(): string | undefined;
  /** Resume after `bookmark` (the last one a previous run committed). */
  applyStartBookmark?(bookmark: Value): void | Promise<void>;
  capabilities?(): SourceCapabilities;
  discover?(): Promise<DatasetDescriptor[]>;
  /** Non-mutating pre-flight probes. */
  check?(ctx: FetchContext): Promise<CheckReport>;
  /** Releases clients and handles. Idempotent. */
  close?(): Promise<void>;
}

const NO_SOURCE_CAPABILITIES: SourceCapabilities = {
  incremental: false,
  deterministicReplay: false,
  discover: false,
};

/**
 * A source's declared capabilities, or the conservative defaults (nothing claimed).
 *
 * @example
 * if (sourceCapabilities(source).deterministicReplay) { … }
 */
export function sourceCapabilities(source: Source): SourceCapabilities {
  return { ...NO_SOURCE_CAPABILITIES, ...source.capabilities?.() };
}

/** A source's name, or `source` when it does not say. */
export function sourceName(source: Source): string {
  return source.connectorName?.() || "source";
}

import type { CheckReport } from "./check.js";
import type { FaucetError } from "./errors.js";
import type { NativeFormat } from "./native.js";
import type { WorkerModuleSpec } from "./parallel/contract.js";
import type { FetchContext } from "./source.js";
import type { JsonSchema, Value } from "./value.js";

/** How a sink applies records. */
export type WriteMode = "append" | "upsert" | "delete" | "overwrite";

/** What a sink can do, as plain data. */
export interface SinkCapabilities {
  /** Write modes the sink supports; `append` is always among them. */
  writeModes: WriteMode[];
  /** Writing the same page twice leaves the same result, so a plain `writeBatch` may be retried. */
  replaySafeWrites: boolean;
  /** Implements `writeBatchIdempotent` / `lastCommittedToken`: page and token commit together. */
  atomicWatermark: boolean;
  /** Configured to upsert on a key, so replayed rows overwrite rather than duplicate. */
  dedupsByKey: boolean;
  /** Implements `currentSchema` / `evolveSchema`. */
  schemaEvolution: boolean;
  /** A `writeBatch` that fails writes nothing (one transaction per page). Optional; default false. */
  atomicBatches?: boolean;
}

/** One row a sink refused, by its index in the page it was given. */
export interface RowFailure {
  index: number;
  error: FaucetError;
}

/** Per-row outcome of `writeBatchPartial`: how many rows landed and which did not. */
export interface PartialWriteResult {
  written: number;
  failures: RowFailure[];
}

/** One column of a sink's destination. */
export interface ColumnSchema {
  name: string;
  /** The destination's own type name, e.g. `bigint`, `TEXT`. */
  type: string;
  nullable: boolean;
}

/** The destination's current shape. */
export interface SinkSchema {
  columns: ColumnSchema[];
}

/** The JSON-level type of a column, which each sink maps to its own type names. */
export type LogicalType = "integer" | "number" | "boolean" | "string" | "json";

/** A column the pipeline asks a sink to add. */
export interface NewColumn {
  name: string;
  type: LogicalType;
  nullable: boolean;
}

/** A change the pipeline asks a sink to make when records drift from the destination. */
export interface SchemaChange {
  addColumns: NewColumn[];
  /** Columns whose NOT NULL constraint should be dropped. */
  relaxColumns?: string[];
}

/**
 * A destination for records. Only `writeBatch` is required.
 *
 * @example
 * class Collect implements Sink {
 *   rows: Value[] = [];
 *   async writeBatch(records: readonly Value[]): Promise<number> {
 *     this.rows.push(...records);
 *     return records.length;
 *   }
 * }
 */
export interface Sink {
  /** Writes one page; resolves to the number of rows written. */
  writeBatch(records: readonly Value[]): Promise<number>;
  /**
   * Called once before the first write when the run starts from a bookmark (a resumed or
   * incremental run), so a file sink appends to what earlier runs wrote instead of truncating.
   */
  resume?(bookmark: Value): void | Promise<void>;
  /** Makes everything written so far durable. Called before each bookmark is saved. */
  flush?(): Promise<void>;
  /** Releases clients and handles. Idempotent. */
  close?(): Promise<void>;
  connectorName?(): string;
  configSchema?(): JsonSchema;
  capabilities?(): SinkCapabilities;
  /** Writes what it can and reports each refused row instead of failing the page. */
  writeBatchPartial?(records: readonly Value[]): Promise<PartialWriteResult>;
  /** Writes the page and records `token` for `scope` in one atomic step. */
  writeBatchIdempotent?(records: readonly Value[], scope: string, token: string): Promise<number>;
  /** The last token committed for `scope`, if any. */
  lastCommittedToken?(scope: string): Promise<string | undefined>;
  currentSchema?(): Promise<SinkSchema | undefined>;
  evolveSchema?(change: SchemaChange): Promise<void>;
  /** Starts an overwrite: subsequent writes go to a staging area. */
  beginOverwrite?(): Promise<void>;
  /** Swaps the staged data in atomically; called only after a successful, uncancelled run. */
  commitOverwrite?(): Promise<void>;
  /** Discards staged data; called when the run fails or is cancelled. */
  abortOverwrite?(): Promise<void>;
  /** Non-mutating pre-flight probes. */
  check?(ctx: FetchContext): Promise<CheckReport>;
  /**
   * The module that serializes pages on a worker thread (it exports `createPageSerializer`), or
   * undefined when this sink's config cannot (docs/concepts.md, "Parallel pages"). Requires
   * `writeSerialized`.
   */
  serializer?(): WorkerModuleSpec | undefined;
  /**
   * Writes one page already serialized by the `serializer` module: one write per page, with the
   * same append, resume, flush and failure semantics as `writeBatch`. Resolves to rows written.
   * `bytes` is reused once this resolves: copy what must outlive the call.
   */
  writeSerialized?(bytes: Uint8Array, records: number): Promise<number>;
  /**
   * Whether this sink writes a source's native pages in `format` as they are (docs/concepts.md,
   * "Native pass-through"). Resolving true commits the sink to that encoding and column order for
   * every later `writeNative`; a sink declines with its reason (a string, not an error) whenever
   * the encoding, the columns, their types or its config could make the result differ from
   * writing the records.
   */
  acceptNative?(format: NativeFormat): Promise<true | string>;
  /**
   * Writes one native page in the accepted format, with the same transaction, flush and failure
   * semantics as `writeBatch`. Resolves to rows written. `bytes` may be reused once this resolves.
   */
  writeNative?(bytes: Uint8Array, records: number): Promise<number>;
  /** `writeBatchIdempotent` for a native page: the page and `token` for `scope` in one atomic step. */
  writeNativeIdempotent?(bytes: Uint8Array, records: number, scope: string, token: string): Promise<number>;
}

/**
 * What a sink that only appends claims: no replay-safe writes, no atomic watermark, no
 * deduplication, no schema evolution — core's defaults, for a sink to say itself or to spread
 * and change one field. A fresh object each call.
 *
 * @example
 * capabilities(): SinkCapabilities { return appendOnlyCapabilities(); }
 * capabilities(): SinkCapabilities { return { ...appendOnlyCapabilities(), replaySafeWrites: true }; }
 */
export function appendOnlyCapabilities(): SinkCapabilities {
  return {
    writeModes: ["append"],
    replaySafeWrites: false,
    atomicWatermark: false,
    dedupsByKey: false,
    schemaEvolution: false,
  };
}

const DEFAULT_SINK_CAPABILITIES: SinkCapabilities = appendOnlyCapabilities();

/**
 * A sink's declared capabilities, or the conservative defaults (append only, nothing claimed).
 *
 * @example
 * const caps = sinkCapabilities(sink);
 * if (caps.replaySafeWrites) { … }
 */
export function sinkCapabilities(sink: Sink): SinkCapabilities {
  return { ...DEFAULT_SINK_CAPABILITIES, ...sink.capabilities?.() };
}

/** A sink's name, or `sink` when it does not say. */
export function sinkName(sink: Sink): string {
  return sink.connectorName?.() || "sink";
}

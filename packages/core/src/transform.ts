import type { CheckReport } from "./check.js";
import { FaucetError } from "./errors.js";
import type { Logger } from "./logger.js";
import { consoleLogger } from "./logger.js";
import type { DatasetDescriptor, FetchContext, Source, SourceCapabilities, StreamPage } from "./source.js";
import { sourceName } from "./source.js";
import { streamPagesOf } from "./streaming.js";
import { fusedChain } from "./transforms/fuse.js";
import type { JsonSchema, Value } from "./value.js";

/** A record a transform handed to the dead-letter path instead of failing its page. */
export interface RejectedRecord {
  record: Value;
  reason: string;
  error: FaucetError;
  /** Index of the record in the page the rejecting stage received, when known. */
  index: number | null;
}

/** What a transform sees besides the records of the page. */
export interface TransformContext {
  /** Hands `record` to the dead-letter path (or fails the page when no DLQ is configured). */
  reject(record: Value, reason: string, error?: FaucetError): void;
  logger: Logger;
  /** 0-based page number within the run. */
  pageIndex: number;
  /** When the run started: the fixed clock for `${now.iso}`-style values. */
  runStartedAt: Date;
  /** The pipeline's name. */
  pipeline: string;
}

/**
 * A page stage: compiled once per run, applied to every page in order. It may return a new
 * array or mutate and return the one it got.
 *
 * @example
 * const dropInactive: Transform = (records) => records.filter((r) => (r as any).active !== false);
 */
export type Transform = (records: Value[], ctx: TransformContext) => Value[] | Promise<Value[]>;

/** The result of running a page through every stage. */
export interface TransformedPage {
  records: Value[];
  rejected: RejectedRecord[];
}

/**
 * Runs `records` through `transforms` in order, collecting rejected records. A transform that
 * throws fails the page with a `transform` FaucetError naming the stage.
 *
 * @example
 * const { records, rejected } = await applyTransforms(page.records, [upper], { pageIndex: 0 });
 */
export async function applyTransforms(
  records: Value[],
  transforms: readonly Transform[],
  context: Partial<Omit<TransformContext, "reject">> = {},
): Promise<TransformedPage> {
  const rejected: RejectedRecord[] = [];
  // Adjacent built-in record stages run as one compiled pass (same results, stage numbers and names).
  const stages = fusedChain(transforms);
  let current = records;
  for (let stage = 0; stage < stages.length; stage++) {
    const transform = stages[stage] as Transform;
    const input = current;
    const ctx: TransformContext = {
      logger: context.logger ?? consoleLogger,
      pageIndex: context.pageIndex ?? 0,
      runStartedAt: context.runStartedAt ?? new Date(),
      pipeline: context.pipeline ?? "pipeline",
      reject(record, reason, error) {
        const index = input.indexOf(record);
        rejected.push({
          record,
          reason,
          error: error ?? new FaucetError("transform", reason),
          index: index >= 0 ? index : null,
        });
      },
    };
    let output: unknown;
    try {
      output = await transform(input, ctx);
    } catch (error) {
      throw FaucetError.wrap(error, "transform", {
        message: `transform #${stage + 1} (${transform.name || "anonymous"}) failed`,
      });
    }
    if (!Array.isArray(output)) {
      throw new FaucetError(
        "contract",
        `transform #${stage + 1} (${transform.name || "anonymous"}) returned ${typeof output}, not an array of records`,
        {
          hint: "a transform returns the page's records as an array",
        },
      );
    }
    current = output as Value[];
  }
  return { records: current, rejected };
}

/** Options of {@link TransformingSource}. */
export interface TransformingSourceOptions {
  /** Receives rejected records; without it a rejection fails the page. */
  onReject?: (rejected: RejectedRecord[], pageIndex: number) => void | Promise<void>;
  logger?: Logger;
  pipeline?: string;
}

/**
 * Wraps a source with transform stages. It forwards every optional method of the inner source
 * (and only those it has), so native streaming and discovery are never lost.
 *
 * @example
 * const source = new TransformingSource(new CsvSource(config), [dropInactive]);
 * for await (const page of source.streamPages({}, 1000)) console.log(page.records);
 */
export class TransformingSource implements Source {
  readonly inner: Source;
  readonly transforms: readonly Transform[];
  readonly #options: TransformingSourceOptions;
  readonly #startedAt = new Date();
  #pageIndex = 0;

  connectorName?: () => string;
  configSchema?: () => JsonSchema;
  stateKey?: () => string | undefined;
  applyStartBookmark?: (bookmark: Value) => void | Promise<void>;
  capabilities?: () => SourceCapabilities;
  discover?: () => Promise<DatasetDescriptor[]>;
  check?: (ctx: FetchContext) => Promise<CheckReport>;
  close?: () => Promise<void>;

  constructor(inner: Source, transforms: readonly Transform[], options: TransformingSourceOptions = {}) {
    this.inner = inner;
    this.transforms = transforms;
    this.#options = options;
    if (inner.connectorName) this.connectorName = () => inner.connectorName?.() ?? "source";
    if (inner.configSchema) this.configSchema = () => inner.configSchema?.() ?? {};
    if (inner.stateKey) this.stateKey = () => inner.stateKey?.();
    if (inner.applyStartBookmark) this.applyStartBookmark = (b) => inner.applyStartBookmark?.(b);
    if (inner.capabilities) this.capabilities = () => inner.capabilities?.() as SourceCapabilities;
    if (inner.discover) this.discover = () => inner.discover?.() as Promise<DatasetDescriptor[]>;
    if (inner.check) this.check = (ctx) => inner.check?.(ctx) as Promise<CheckReport>;
    if (inner.close) this.close = () => inner.close?.() as Promise<void>;
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    const records = await this.inner.fetchWithContext(ctx);
    return await this.#transform(records, ctx);
  }

  async *streamPages(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncIterable<StreamPage> {
    for await (const page of streamPagesOf(this.inner, ctx, batchSize, signal)) {
      const records = await this.#transform(page.records, ctx);
      yield page.bookmark === undefined ? { records } : { records, bookmark: page.bookmark };
    }
  }

  async #transform(records: Value[], ctx: FetchContext): Promise<Value[]> {
    const pageIndex = this.#pageIndex++;
    const result = await applyTransforms(records, this.transforms, {
      logger: ctx.logger ?? this.#options.logger ?? consoleLogger,
      pageIndex,
      runStartedAt: this.#startedAt,
      pipeline: this.#options.pipeline ?? "pipeline",
    });
    if (result.rejected.length > 0) {
      if (!this.#options.onReject) throw rejectionError(result.rejected, sourceName(this.inner));
      await this.#options.onReject(result.rejected, pageIndex);
    }
    return result.records;
  }
}

/** The error a page fails with when a transform rejects records and there is no dead-letter sink. */
export function rejectionError(rejected: readonly RejectedRecord[], connector?: string): FaucetError {
  const first = rejected[0] as RejectedRecord;
  const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : "";
  return new FaucetError(first.error.kind, `record rejected: ${first.reason}${more}`, {
    cause: first.error,
    ...(connector ? { connector } : {}),
    hint: "fix the input, or configure pipeline.dlq to route rejected records to a dead-letter sink",
  });
}

// The template source: the one place it performs I/O (here: reads the in-memory backend).
import {
  type CheckReport,
  type DatasetDescriptor,
  FaucetError,
  type FetchContext,
  IncrementalFilter,
  type JsonSchema,
  parseConfig,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
  type ValueObject,
} from "faucet-core";
import { TemplateSourceConfig, type TemplateSourceInput } from "./config.js";
import { memory } from "./memory.js";

const NAME = "source-template";

/**
 * Reads a dataset page by page. With `replication_key` it reads incrementally: each page
 * carries the greatest key seen as its bookmark, and a run resumed from a bookmark reads only
 * newer records.
 *
 * @example
 * const source = new TemplateSource({ dataset: "orders", replication_key: "id" });
 * const result = await new Pipeline(source, sink).run();
 */
export class TemplateSource implements Source {
  readonly config: TemplateSourceConfig;
  #start: Value | undefined;
  #closed = false;

  constructor(input: TemplateSourceInput) {
    // Validate once, here; a real source also creates its client or pool here (never per call).
    this.config = parseConfig(TemplateSourceConfig, input, { connector: NAME });
  }

  connectorName(): string {
    return NAME;
  }

  configSchema(): JsonSchema {
    return schemaFor(TemplateSourceConfig);
  }

  capabilities(): SourceCapabilities {
    const incremental = this.config.replication_key !== undefined;
    return { incremental, deterministicReplay: incremental, discover: true };
  }

  applyStartBookmark(bookmark: Value): void {
    this.#start = bookmark;
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    const records: Value[] = [];
    for await (const page of this.streamPages(ctx, 0, ctx.signal)) records.push(...page.records);
    return records;
  }

  /** One page per query of the backend; the source's own `batch_size` wins over the pipeline's. */
  async *streamPages(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const rows = this.#dataset();
    const size = this.config.batch_size ?? batchSize;
    const step = size > 0 ? size : Math.max(rows.length, 1); // 0 means one page with everything
    const key = this.config.replication_key;
    const logger = ctx.logger ? { logger: ctx.logger } : {};
    const incremental = key
      ? new IncrementalFilter({ replicationKey: key, start: this.#start, connector: NAME, ...logger })
      : undefined;
    for (let offset = 0; offset === 0 || offset < rows.length; offset += step) {
      if (signal?.aborted) return;
      // A real source awaits its next page here: a cursor fetch, `LIMIT … OFFSET …`, an API page.
      const page = rows.slice(offset, offset + step);
      if (!incremental) {
        yield { records: page };
        continue;
      }
      const records = incremental.filter(page);
      yield incremental.bookmark === undefined ? { records } : { records, bookmark: incremental.bookmark };
    }
  }

  /** Lists every dataset; merging a descriptor's configPatch into the config selects it. */
  async discover(): Promise<DatasetDescriptor[]> {
    return memory.names().map((name) => ({
      name,
      kind: "dataset",
      estimatedRows: memory.rows(name)?.length ?? 0,
      configPatch: { dataset: name },
    }));
  }

  /** Non-mutating pre-flight probes: a failed probe is data, never a thrown error. */
  async check(): Promise<CheckReport> {
    return { probes: [await probe("dataset exists", () => this.#dataset(), "create it or fix `dataset`")] };
  }

  /** Idempotent. A real source ends its pool or closes its file handle here. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #dataset(): readonly ValueObject[] {
    if (this.#closed) throw new FaucetError("source", "the source is closed", { connector: NAME });
    const rows = memory.rows(this.config.dataset);
    if (rows) return rows;
    // Map every failure to a FaucetError with a kind, the connector's name and how to fix it.
    throw new FaucetError("source", `dataset \`${this.config.dataset}\` does not exist`, {
      connector: NAME,
      hint: `create it first, or set dataset to one of: ${memory.names().join(", ") || "(none yet)"}`,
    });
  }
}

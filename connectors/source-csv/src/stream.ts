import {
  detectCompression,
  expandPaths,
  parsePages,
  readChunks,
  type SourceInput,
  sourceInputs,
} from "faucet-common-file";
import {
  type CheckReport,
  FaucetError,
  type FetchContext,
  fetchAll,
  type JsonSchema,
  type ParallelChunk,
  parseConfig,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
  type WorkerModuleSpec,
} from "faucet-core";
import { CsvSourceConfig, type CsvSourceInput } from "./config.js";
import type { CsvDecoderOptions } from "./decoder.js";
import { CsvParser } from "./parser.js";
import { splitCsv } from "./split.js";

const CONNECTOR = "source-csv";

/** Options of {@link CsvSource} that are not part of its config. */
export interface CsvSourceOptions {
  /** Relative paths resolve against this directory (the config file's). Default: the working directory. */
  baseDir?: string;
  /**
   * Read this byte stream instead of `path` (stdin, a socket, a generated stream). `path` then
   * only names it in messages.
   */
  input?: AsyncIterable<Uint8Array>;
  /**
   * Parallel pages: a chunk handed to a worker is cut at the first page boundary after this many
   * bytes. Default 256 KiB.
   */
  chunkBytes?: number;
}

/**
 * Bytes per parallel chunk, by default: about two pages of the benchmark CSV, so workers stay
 * busy while memory stays low (1M benchmark rows, 3 chunks in flight, peak RSS: 121 MiB at
 * 256 KiB, 126 at 512 KiB, 128 at 1 MiB, 138 at 2 MiB; 5 chunks of 256 KiB: 123 MiB).
 */
const CHUNK_BYTES = 256 * 1024;
/** Bytes per read when splitting: the splitter copies every read, so small reads keep memory low. */
const PARALLEL_READ_BYTES = 256 * 1024;

/**
 * Streams the records of one CSV file, or of every file a glob matches in sorted order, a page
 * at a time: memory depends on the page size, never on the file size.
 *
 * @example
 * import { Pipeline } from "faucet-core";
 * import { CsvSource } from "faucet-source-csv";
 *
 * const source = new CsvSource({ path: "data/orders.csv", infer_types: true });
 * await new Pipeline(source, sink).run();
 */
export class CsvSource implements Source {
  readonly config: CsvSourceConfig;
  readonly #options: CsvSourceOptions;
  #decoder: WorkerModuleSpec | undefined;

  constructor(config: CsvSourceInput, options: CsvSourceOptions = {}) {
    this.config = parseConfig(CsvSourceConfig, config, { connector: CONNECTOR });
    this.#options = options;
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(CsvSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return { incremental: false, deterministicReplay: true, discover: false };
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  async *streamPages(_ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const pageSize = this.config.batch_size ?? batchSize;
    const parser = (file: string) => this.#parser(file);
    yield* parsePages(await this.#inputs(signal), { pageSize, parser, invalidUtf8, signal });
  }

  /**
   * Parallel pages (docs/concepts.md): the input cut into chunks of whole pages on this thread
   * by a record-boundary scan; workers parse them. Undefined when everything goes in one page
   * (`batch_size: 0`).
   */
  parallelChunks(
    _ctx: FetchContext,
    batchSize: number,
    signal?: AbortSignal,
  ): AsyncIterable<ParallelChunk> | undefined {
    const pageSize = this.config.batch_size ?? batchSize;
    if (pageSize <= 0) return undefined;
    const options = this.#parserOptions();
    this.#decoder ??= { module: new URL("./decoder.js", import.meta.url).href, options };
    const inputs = () => this.#inputs(signal, PARALLEL_READ_BYTES);
    return splitCsv(
      (async function* () {
        yield* await inputs();
      })(),
      {
        ...options,
        pageSize,
        chunkBytes: this.#options.chunkBytes ?? CHUNK_BYTES,
        decoder: this.#decoder,
        signal,
        invalidUtf8,
      },
    );
  }

  async check(): Promise<CheckReport> {
    let files: string[] = [];
    const probes = [
      await probe("files exist", async () => {
        if (this.#options.input) return { skip: "reading a stream" };
        files = await expandPaths(this.config.path, { connector: CONNECTOR, baseDir: this.#options.baseDir });
      }),
    ];
    probes.push(
      await probe("header readable", async () => {
        const file = files[0];
        if (file === undefined) return { skip: "no file to read" };
        const compression = detectCompression(file, this.config.compression);
        for await (const _ of readChunks(file, { compression, connector: CONNECTOR })) break;
      }),
    );
    return { probes };
  }

  /** The parser copies every chunk it is fed, so the files are read into reused buffers. */
  #inputs(signal?: AbortSignal, chunkSize?: number): Promise<SourceInput[]> {
    const { baseDir, input } = this.#options;
    const { path, compression } = this.config;
    return sourceInputs({ path, compression, connector: CONNECTOR, baseDir, input, signal, chunkSize });
  }

  #parser(file: string): CsvParser {
    return new CsvParser({ ...this.#parserOptions(), file });
  }

  #parserOptions(): CsvDecoderOptions {
    const c = this.config;
    return {
      delimiter: c.delimiter,
      quote: c.quote,
      hasHeaders: c.has_headers,
      flexible: c.flexible,
      inferTypes: c.infer_types,
      connector: CONNECTOR,
    };
  }
}

function invalidUtf8(file: string, offset: number): FaucetError {
  return new FaucetError("source", `${file}: invalid UTF-8 at byte offset ${offset}`, {
    connector: CONNECTOR,
    hint: "the file must be UTF-8; convert it first (e.g. `iconv -f latin1 -t utf-8`)",
  });
}

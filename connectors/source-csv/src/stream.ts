import { detectCompression, expandPaths, readChunks, Utf8Checker } from "faucet-common-file";
import {
  type CheckReport,
  FaucetError,
  type FetchContext,
  type JsonSchema,
  parseConfig,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
} from "faucet-core";
import { CsvSourceConfig, type CsvSourceInput } from "./config.js";
import { CsvParser } from "./parser.js";

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
}

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
    const all: Value[] = [];
    for await (const page of this.streamPages(ctx, 0, ctx.signal)) for (const r of page.records) all.push(r);
    return all;
  }

  async *streamPages(_ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const size = this.config.batch_size ?? batchSize;
    const max = size > 0 ? size : Number.POSITIVE_INFINITY;
    let page: Value[] = [];
    for (const [file, chunks] of await this.#inputs(signal)) {
      const parser = this.#parser(file);
      const utf8 = new Utf8Checker();
      for await (const chunk of chunks) {
        if (signal?.aborted) return;
        const bad = utf8.push(chunk);
        if (bad !== -1) throw invalidUtf8(file, bad);
        parser.feed(chunk as Buffer);
        while (parser.parse(page, max, false)) {
          yield { records: page };
          page = [];
        }
      }
      const bad = utf8.end();
      if (bad !== -1) throw invalidUtf8(file, bad);
      while (parser.parse(page, max, true)) {
        yield { records: page };
        page = [];
      }
    }
    if (page.length > 0) yield { records: page };
  }

  async check(): Promise<CheckReport> {
    let files: string[] = [];
    const probes = [
      await probe("files exist", async () => {
        if (this.#options.input) return { skip: "reading a stream" };
        files = await expandPaths(this.config.path, { connector: CONNECTOR, ...this.#base() });
      }),
    ];
    probes.push(
      await probe("header readable", async () => {
        if (files.length === 0) return { skip: "no file to read" };
        for await (const _ of readChunks(files[0] as string, this.#readOptions(files[0] as string))) break;
      }),
    );
    return { probes };
  }

  #base(): { baseDir?: string } {
    return this.#options.baseDir === undefined ? {} : { baseDir: this.#options.baseDir };
  }

  #readOptions(file: string, signal?: AbortSignal) {
    return {
      compression: detectCompression(file, this.config.compression),
      connector: CONNECTOR,
      // The parser copies every chunk it is fed, so the reader may reuse its buffers.
      reuseBuffers: true,
      ...(signal ? { signal } : {}),
    };
  }

  async #inputs(signal?: AbortSignal): Promise<[string, AsyncIterable<Uint8Array>][]> {
    const input = this.#options.input;
    if (input) return [[this.config.path, input]];
    const files = await expandPaths(this.config.path, { connector: CONNECTOR, ...this.#base() });
    // Opened lazily, one at a time, as the previous file finishes.
    return files.map((file) => [file, lazy(() => readChunks(file, this.#readOptions(file, signal)))]);
  }

  #parser(file: string): CsvParser {
    const c = this.config;
    return new CsvParser({
      delimiter: c.delimiter,
      quote: c.quote,
      hasHeaders: c.has_headers,
      flexible: c.flexible,
      inferTypes: c.infer_types,
      file,
      connector: CONNECTOR,
    });
  }
}

function lazy<T>(open: () => AsyncIterable<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => open()[Symbol.asyncIterator]() };
}

function invalidUtf8(file: string, offset: number): FaucetError {
  return new FaucetError("source", `${file}: invalid UTF-8 at byte offset ${offset}`, {
    connector: CONNECTOR,
    hint: "the file must be UTF-8; convert it first (e.g. `iconv -f latin1 -t utf-8`)",
  });
}

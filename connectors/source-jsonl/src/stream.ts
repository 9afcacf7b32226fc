import { expandPaths, type SourceInput, sourceInputs, utf8Chunks } from "faucet-common-file";
import {
  type CheckReport,
  FaucetError,
  type FetchContext,
  fetchAll,
  type JsonSchema,
  parseConfig,
  probe,
  type Source,
  type SourceCapabilities,
  type StreamPage,
  schemaFor,
  type Value,
} from "faucet-core";
import { JsonlSourceConfig, type JsonlSourceInput } from "./config.js";
import { JsonArrayReader, JsonLinesReader } from "./parse.js";

const CONNECTOR = "source-jsonl";

type Reader = JsonLinesReader | JsonArrayReader;

/** Options of {@link JsonlSource} that are not part of its config. */
export interface JsonlSourceOptions {
  /** Relative paths resolve against this directory. Default: the working directory. */
  baseDir?: string;
  /** Read this byte stream instead of `path` (which then only names it in messages). */
  input?: AsyncIterable<Uint8Array>;
}

/**
 * Streams the records of JSON Lines or JSON-array files, a page at a time. A bad line is an
 * error naming the file and line; integers beyond ±2^53 arrive as strings, exact.
 *
 * @example
 * import { JsonlSource } from "faucet-source-jsonl";
 *
 * await new Pipeline(new JsonlSource({ path: "events/*.jsonl.gz" }), sink).run();
 */
export class JsonlSource implements Source {
  readonly config: JsonlSourceConfig;
  readonly #options: JsonlSourceOptions;

  constructor(config: JsonlSourceInput, options: JsonlSourceOptions = {}) {
    this.config = parseConfig(JsonlSourceConfig, config, { connector: CONNECTOR });
    this.#options = options;
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(JsonlSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return { incremental: false, deterministicReplay: true, discover: false };
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  async *streamPages(_ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const size = this.config.batch_size ?? batchSize;
    const max = size > 0 ? size : Number.POSITIVE_INFINITY;
    let page: Value[] = [];
    for (const [file, chunks] of await this.#inputs(signal)) {
      let reader: Reader | undefined;
      let waiting: Buffer[] = [];
      for await (const chunk of utf8Chunks(chunks, (offset) => invalidUtf8(file, offset), signal)) {
        if (!reader) {
          // Until the first non-blank byte decides the format, keep copies of the chunks.
          waiting.push(Buffer.from(chunk));
          reader = this.#reader(file, waiting);
          if (!reader) continue;
          for (const held of waiting) reader.feed(held);
          waiting = [];
        } else reader.feed(chunk);
        while (reader.parse(page, max, false)) {
          yield { records: page };
          page = [];
        }
      }
      if (signal?.aborted) return;
      reader ??= this.#reader(file, waiting, true);
      if (reader) {
        for (const held of waiting) reader.feed(held);
        while (reader.parse(page, max, true)) {
          yield { records: page };
          page = [];
        }
      }
    }
    if (page.length > 0) yield { records: page };
  }

  /** The reader for `file`, once its format is known (undefined while only blanks were seen). */
  #reader(file: string, seen: Buffer[], atEnd = false): Reader | undefined {
    const ctx = { file, connector: CONNECTOR };
    let format = this.config.format;
    if (!format && /\.(jsonl|ndjson)(\.[a-z0-9]+)?$/i.test(file)) format = "jsonl";
    if (!format) {
      const first = firstNonBlank(seen);
      if (first === undefined && !atEnd) return undefined;
      format = first === 0x5b ? "json_array" : "jsonl";
    }
    return format === "json_array" ? new JsonArrayReader(ctx) : new JsonLinesReader(ctx);
  }

  async check(): Promise<CheckReport> {
    return {
      probes: [
        await probe("files exist", async () => {
          if (this.#options.input) return { skip: "reading a stream" };
          await expandPaths(this.config.path, { connector: CONNECTOR, baseDir: this.#options.baseDir });
        }),
      ],
    };
  }

  /** The readers copy every chunk they are fed, so the files are read into reused buffers. */
  #inputs(signal?: AbortSignal): Promise<SourceInput[]> {
    const { baseDir, input } = this.#options;
    const { path, compression } = this.config;
    return sourceInputs({ path, compression, connector: CONNECTOR, baseDir, input, signal });
  }
}

/** The first byte that is not whitespace or a byte order mark, if any. */
function firstNonBlank(chunks: Buffer[]): number | undefined {
  let atStart = true;
  for (const chunk of chunks) {
    let i = 0;
    if (atStart && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    atStart = false;
    for (; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c;
    }
  }
  return undefined;
}

function invalidUtf8(file: string, offset: number): FaucetError {
  return new FaucetError("json", `${file}: invalid UTF-8 at byte offset ${offset}`, {
    connector: CONNECTOR,
    hint: "JSON files must be UTF-8; convert the file first (e.g. `iconv -f latin1 -t utf-8`)",
  });
}

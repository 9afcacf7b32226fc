import { expandPaths, parsePages, type SourceInput, sourceInputs } from "faucet-common-file";
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
    const pageSize = this.config.batch_size ?? batchSize;
    const parser = (file: string) => new FormatSniffer((seen, atEnd) => this.#reader(file, seen, atEnd));
    yield* parsePages(await this.#inputs(signal), { pageSize, parser, invalidUtf8, signal });
  }

  /** The reader for `file`, once its format is known (undefined while only blanks were seen). */
  #reader(file: string, seen: readonly Buffer[], atEnd: boolean): Reader | undefined {
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

/**
 * The reader of one input whose format is not known yet: until the reader can be picked (from
 * the config, the file name, or the first non-blank byte), it keeps copies of the chunks, then
 * feeds them to the reader it picked.
 */
class FormatSniffer {
  readonly #pick: (seen: readonly Buffer[], atEnd: boolean) => Reader | undefined;
  #reader: Reader | undefined;
  #waiting: Buffer[] = [];

  constructor(pick: (seen: readonly Buffer[], atEnd: boolean) => Reader | undefined) {
    this.#pick = pick;
    this.#decide(false);
  }

  feed(chunk: Uint8Array): void {
    if (this.#reader) {
      this.#reader.feed(chunk);
      return;
    }
    this.#waiting.push(Buffer.from(chunk));
    this.#decide(false);
  }

  parse(out: Value[], max: number, final: boolean): boolean {
    if (!this.#reader && final) this.#decide(true);
    return this.#reader?.parse(out, max, final) ?? false;
  }

  #decide(atEnd: boolean): void {
    const reader = this.#pick(this.#waiting, atEnd);
    if (!reader) return;
    for (const held of this.#waiting) reader.feed(held);
    this.#waiting = [];
    this.#reader = reader;
  }
}

/** The first byte that is not whitespace or a byte order mark, if any. */
function firstNonBlank(chunks: readonly Buffer[]): number | undefined {
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

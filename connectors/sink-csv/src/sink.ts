import {
  appendOnlyCapabilities,
  type Compression,
  createOutputFile,
  csvRowFormatter,
  type OutputFile,
  readChunks,
} from "faucet-common-file";
import {
  type CheckReport,
  FaucetError,
  type FetchContext,
  type JsonSchema,
  type Logger,
  parseConfig,
  probe,
  type Sink,
  type SinkCapabilities,
  schemaFor,
  type Value,
  type ValueObject,
} from "faucet-core";
import { CsvSinkConfig, type CsvSinkInput } from "./config.js";

const CONNECTOR = "sink-csv";

/** Options of {@link CsvSink} that are not part of its config. */
export interface CsvSinkOptions {
  /** Where `extra_keys: ignore` warnings go. */
  logger?: Logger;
}

/**
 * Writes records as RFC 4180 CSV. The columns are the keys of the first page (in first-seen
 * order), or the header of the file being appended to; a key that appears later is an error
 * unless `extra_keys: ignore`. Nested values are written as JSON text; null is an empty field
 * and an empty string is `""`. One write per page; a fresh run replaces the file when it
 * succeeds.
 *
 * @example
 * import { CsvSink } from "faucet-sink-csv";
 *
 * await new Pipeline(source, new CsvSink({ path: "out/orders.csv" })).run();
 */
export class CsvSink implements Sink {
  readonly config: CsvSinkConfig;
  readonly #file: OutputFile;
  readonly #format: (values: readonly (Value | undefined)[]) => string;
  readonly #logger: Logger | undefined;
  readonly #ignoreExtra: boolean;
  #columns: string[] | undefined;
  #known: Set<string> | undefined;
  #warned = new Set<string>();

  constructor(config: CsvSinkInput, options: CsvSinkOptions = {}) {
    this.config = parseConfig(CsvSinkConfig, config, { connector: CONNECTOR });
    this.#file = createOutputFile(this.config, CONNECTOR);
    this.#format = csvRowFormatter(this.config.delimiter);
    this.#logger = options.logger;
    this.#ignoreExtra =
      (this.config.extra_keys ?? (this.config.on_unknown_field === "warn" ? "ignore" : "error")) === "ignore";
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(CsvSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return appendOnlyCapabilities();
  }

  /** The columns, once the first page (or the existing file's header) has fixed them. */
  get columns(): readonly string[] | undefined {
    return this.#columns;
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.length === 0) return 0;
    let text = "";
    if (this.#columns === undefined) text = await this.#start(records);
    const columns = this.#columns as string[];
    const known = this.#known as Set<string>;
    const row: (Value | undefined)[] = new Array(columns.length);
    const lines: string[] = new Array(records.length + 1);
    for (let r = 0; r < records.length; r++) {
      const record = asObject(records[r], r);
      let matched = 0;
      for (let c = 0; c < columns.length; c++) {
        const value = record[columns[c] as string];
        if (value !== undefined) matched++;
        row[c] = value;
      }
      if (matched !== Object.keys(record).length) this.#extraKeys(record, known, r);
      lines[r] = this.#format(row);
    }
    lines[records.length] = "";
    await this.#file.write(text + lines.join("\n"));
    return records.length;
  }

  /** Fixes the columns and returns the header line to write first (or nothing). */
  async #start(records: readonly Value[]): Promise<string> {
    const writer = await this.#file.writer();
    let columns: string[] | undefined;
    if (writer.initialSize > 0 && this.config.write_headers)
      columns = await readHeader(writer.path, this.#file.compression, this.config.delimiter);
    let header = "";
    if (!columns) {
      const seen = new Set<string>();
      for (let r = 0; r < records.length; r++) for (const key of Object.keys(asObject(records[r], r))) seen.add(key);
      columns = [...seen];
      if (this.config.write_headers && writer.initialSize === 0) header = `${this.#format(columns)}\n`;
    }
    this.#columns = columns;
    this.#known = new Set(columns);
    return header;
  }

  #extraKeys(record: ValueObject, known: Set<string>, index: number): void {
    const extra = Object.keys(record).filter((k) => !known.has(k) && record[k] !== undefined);
    if (extra.length === 0) return;
    if (this.#ignoreExtra) {
      const fresh = extra.filter((k) => !this.#warned.has(k));
      for (const k of fresh) this.#warned.add(k);
      if (fresh.length > 0)
        this.#logger?.warn(`${CONNECTOR}: dropping keys that are not columns: ${fresh.join(", ")}`, {
          path: this.config.path,
        });
      return;
    }
    throw new FaucetError(
      "schema_drift",
      `record ${index} of the page has keys that are not columns of ${this.config.path}: ${extra.join(", ")}`,
      {
        connector: CONNECTOR,
        hint: "the columns come from the first page; list every key there (e.g. with null values), or set extra_keys: ignore to drop such keys",
      },
    );
  }

  resume(): void {
    this.#file.resume();
  }

  // The run-start and run-success hooks: the sink does not claim the overwrite write mode, it
  // only uses them so that a successful run that wrote nothing still leaves an empty file.
  async beginOverwrite(): Promise<void> {}

  async commitOverwrite(): Promise<void> {
    await this.#file.finish();
  }

  async flush(): Promise<void> {
    await this.#file.sync();
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async check(_ctx: FetchContext): Promise<CheckReport> {
    return { probes: [await probe("directory writable", () => this.#file.checkWritable())] };
  }
}

function asObject(record: Value | undefined, index: number): ValueObject {
  if (record !== null && typeof record === "object" && !Array.isArray(record)) return record;
  throw new FaucetError(
    "sink",
    `record ${index} of the page is ${Array.isArray(record) ? "an array" : typeof record}, not an object`,
    {
      connector: CONNECTOR,
      hint: "CSV rows come from JSON objects; wrap other values in an object with a transform",
    },
  );
}

/** The columns named by the first line of an existing CSV file. */
async function readHeader(path: string, compression: Compression, delimiter: number): Promise<string[] | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of readChunks(path, { compression, connector: CONNECTOR })) {
    chunks.push(chunk);
    size += chunk.length;
    if (chunk.includes(10) || size > 1 << 20) break;
  }
  const text = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  const fields = splitCsvLine(text, String.fromCharCode(delimiter));
  return fields.length > 0 ? fields : undefined;
}

/** The fields of the first record of `text` (quotes honoured). */
export function splitCsvLine(text: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      fields.push(field);
      return fields;
    } else field += c;
  }
  if (field !== "" || fields.length > 0) fields.push(field);
  return fields;
}

import { appendOnlyCapabilities, csvRowFormatter } from "faucet-common-file";
import {
  FaucetError,
  type JsonSchema,
  parseConfig,
  type Sink,
  type SinkCapabilities,
  schemaFor,
  type Value,
} from "faucet-core";
import { StdoutSinkConfig, type StdoutSinkInput } from "./config.js";

const CONNECTOR = "sink-stdout";

/** Options of {@link StdoutSink} that are not part of its config. */
export interface StdoutSinkOptions {
  /** Write here instead of process.stdout / process.stderr (tests, capturing output). */
  stream?: NodeJS.WritableStream;
}

/**
 * Prints records to stdout (or stderr) as JSON Lines, indented JSON, TSV or CSV: one write per
 * page, waiting for the stream to drain when it is full, so a slow reader slows the pipeline
 * instead of filling memory.
 *
 * @example
 * import { StdoutSink } from "faucet-sink-stdout";
 *
 * await new Pipeline(source, new StdoutSink({ format: "tsv", max_records: 20 })).run();
 */
export class StdoutSink implements Sink {
  readonly config: StdoutSinkConfig;
  readonly #stream: NodeJS.WritableStream;
  #columns: string[] | undefined;
  #written = 0;
  #failure: Error | undefined;
  readonly #onError = (error: Error) => {
    this.#failure = error;
  };

  constructor(config: StdoutSinkInput = {}, options: StdoutSinkOptions = {}) {
    this.config = parseConfig(StdoutSinkConfig, config, { connector: CONNECTOR });
    this.#stream = options.stream ?? (this.config.destination === "stderr" ? process.stderr : process.stdout);
    // A reader that goes away (EPIPE) must fail the run cleanly, not crash the process.
    this.#stream.on("error", this.#onError);
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(StdoutSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return appendOnlyCapabilities();
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    const limit = this.config.max_records;
    const room = limit === undefined ? records.length : Math.max(0, Math.min(records.length, limit - this.#written));
    if (room === 0) return 0;
    const page = room < records.length ? records.slice(0, room) : records;
    if (this.config.flush_per_record) {
      for (let i = 0; i < page.length; i++) await this.#write(this.#format([page[i] as Value]));
    } else {
      await this.#write(this.#format(page));
    }
    this.#written += page.length;
    return page.length;
  }

  #format(records: readonly Value[]): string {
    switch (this.config.format) {
      case "jsonl":
        return records.map((r) => JSON.stringify(r) ?? "null").join("\n") + "\n";
      case "pretty":
        return records.map((r) => JSON.stringify(r, null, 2) ?? "null").join("\n") + "\n";
      default:
        return this.#table(records);
    }
  }

  /** TSV or CSV: a header row from the first page's keys, then one row per record. */
  #table(records: readonly Value[]): string {
    const tsv = this.config.format === "tsv";
    const row = tsv ? tsvRow : csvRowFormatter(44);
    let out = "";
    if (this.#columns === undefined) {
      const seen = new Set<string>();
      for (const r of records) if (isObject(r)) for (const k of Object.keys(r)) seen.add(k);
      this.#columns = seen.size > 0 ? [...seen] : ["value"];
      out += `${row(this.#columns)}\n`;
    }
    const columns = this.#columns;
    for (const r of records) out += `${row(isObject(r) ? columns.map((c) => r[c]) : [r])}\n`;
    return out;
  }

  async #write(text: string): Promise<void> {
    if (this.#failure) throw this.#error(this.#failure);
    const stream = this.#stream;
    const ok = stream.write(text);
    if (!ok && !this.#failure) {
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off("drain", done);
          stream.off("error", done);
          stream.off("close", done);
          resolve();
        };
        stream.on("drain", done);
        stream.on("error", done);
        stream.on("close", done);
      });
    }
    if (this.#failure) throw this.#error(this.#failure);
  }

  #error(error: Error): FaucetError {
    const code = (error as NodeJS.ErrnoException).code;
    return new FaucetError(
      "sink",
      code === "EPIPE"
        ? `${this.config.destination} was closed by its reader (EPIPE)`
        : `could not write to ${this.config.destination}: ${error.message}`,
      {
        cause: error,
        connector: CONNECTOR,
        retryable: false,
        ...(code === "EPIPE"
          ? { hint: "the program reading the output exited early; use max_records to print fewer records" }
          : {}),
      },
    );
  }

  async close(): Promise<void> {
    this.#stream.off("error", this.#onError);
  }
}

function isObject(value: Value | undefined): value is { [key: string]: Value } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** One TSV row: tabs, newlines and backslashes inside values are escaped; nested values are JSON. */
function tsvRow(values: readonly (Value | undefined)[]): string {
  let out = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const text = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    out +=
      (i === 0 ? "" : "\t") +
      text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
  }
  return out;
}

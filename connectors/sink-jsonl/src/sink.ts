import { appendOnlyCapabilities, createOutputFile, type OutputFile } from "faucet-common-file";
import {
  type CheckReport,
  type JsonSchema,
  parseConfig,
  probe,
  type Sink,
  type SinkCapabilities,
  schemaFor,
  type Value,
  type WorkerModuleSpec,
} from "faucet-core";
import { JsonlSinkConfig, type JsonlSinkInput } from "./config.js";
import { PageEncoder } from "./serialize.js";

const CONNECTOR = "sink-jsonl";

/**
 * Writes records as JSON Lines: each page is serialized into one string and written with one
 * call. A fresh run replaces the file when it succeeds (a failed run keeps the old one); a run
 * resuming from a bookmark, or with `append: true`, appends after cutting off any torn last
 * line. Parent directories are created.
 *
 * @example
 * import { JsonlSink } from "faucet-sink-jsonl";
 *
 * await new Pipeline(source, new JsonlSink({ path: "out/orders.jsonl" })).run();
 */
export class JsonlSink implements Sink {
  readonly config: JsonlSinkConfig;
  readonly #file: OutputFile;
  readonly #encoder = new PageEncoder(CONNECTOR);

  constructor(config: JsonlSinkInput) {
    this.config = parseConfig(JsonlSinkConfig, config, { connector: CONNECTOR });
    this.#file = createOutputFile(this.config, CONNECTOR);
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(JsonlSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return appendOnlyCapabilities();
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    if (records.length === 0) return 0;
    await this.#file.write(this.#encoder.encode(records, this.config.pretty));
    return records.length;
  }

  /** Parallel pages: the page encoder, run on a worker thread (see worker-serializer.ts). */
  serializer(): WorkerModuleSpec {
    return {
      module: new URL("./worker-serializer.js", import.meta.url).href,
      options: { pretty: this.config.pretty },
    };
  }

  /** Writes a page the worker serialized: one write, as `writeBatch` does. */
  async writeSerialized(bytes: Uint8Array, records: number): Promise<number> {
    if (records === 0) return 0;
    await this.#file.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return records;
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

  async check(): Promise<CheckReport> {
    return { probes: [await probe("directory writable", () => this.#file.checkWritable())] };
  }
}

import { access, constants, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { type Compression, type CompressionChoice, detectCompression } from "./compression.js";
import { FileWriter } from "./write.js";

/** Options of {@link OutputFile}. */
export interface OutputFileOptions {
  /** E.g. `sink-jsonl`, for error messages. */
  connector: string;
  /** Always append to the file (the `append` config key). */
  append: boolean;
  compression: Compression;
}

/**
 * The output file a file sink's `path`, `append` and `compression` config keys name.
 *
 * @example
 * this.file = createOutputFile(this.config, "sink-jsonl");
 */
export function createOutputFile(
  config: { path: string; append: boolean; compression: CompressionChoice },
  connector: string,
): OutputFile {
  const compression = detectCompression(config.path, config.compression);
  return new OutputFile(config.path, { connector, append: config.append, compression });
}

/**
 * The output file of a file sink, with these run semantics:
 *
 * - a fresh run truncates the file when it writes its first page, so a run that fails before
 *   writing anything leaves the previous file as it was, and every page written is durable
 *   even if the run is cancelled later;
 * - a successful run that wrote nothing still leaves an empty file ({@link finish});
 * - a run that starts from a bookmark ({@link resume}) or has `append: true` appends, after
 *   cutting off a torn last line that a crash mid-write may have left.
 *
 * Every page is one `write` call.
 *
 * @example
 * const out = new OutputFile("/out/a.jsonl", { connector: "sink-jsonl", append: false, compression: "none" });
 * await out.write('{"id":1}\n');
 * await out.finish();
 * await out.close();
 */
export class OutputFile {
  readonly path: string;
  readonly #options: OutputFileOptions;
  #resuming = false;
  #writer: FileWriter | undefined;
  #opening: Promise<FileWriter> | undefined;
  #dirty = false;

  constructor(path: string, options: OutputFileOptions) {
    this.path = path;
    this.#options = options;
  }

  /** The run starts from a bookmark: append instead of truncating. Call before the first write. */
  resume(): void {
    this.#resuming = true;
  }

  /** The codec the file is written with. */
  get compression(): Compression {
    return this.#options.compression;
  }

  /** True when this run appends to the file rather than replacing it. */
  get appending(): boolean {
    return this.#options.append || this.#resuming;
  }

  /** Opens the file on first use (truncating or appending) and returns it. */
  async writer(): Promise<FileWriter> {
    if (this.#writer) return this.#writer;
    this.#opening ??= FileWriter.open(this.path, {
      connector: this.#options.connector,
      append: this.appending,
      compression: this.#options.compression,
    });
    this.#writer = await this.#opening;
    return this.#writer;
  }

  /** Writes one page with one call. */
  async write(data: string | readonly string[] | Buffer): Promise<void> {
    const writer = await this.writer();
    await writer.write(data);
    this.#dirty = true;
  }

  /** Makes everything written durable. */
  async sync(): Promise<void> {
    if (!this.#writer || !this.#dirty) return;
    await this.#writer.sync();
    this.#dirty = false;
  }

  /**
   * The run succeeded: a fresh run that wrote nothing still truncates the file (a compressed
   * one gets an empty gzip member or zstd frame, so it stays a valid file).
   */
  async finish(): Promise<void> {
    if (this.#writer || this.appending) return;
    const writer = await this.writer();
    if (this.#options.compression !== "none") await writer.write(Buffer.alloc(0));
    await writer.sync();
  }

  /** The pre-flight check: creates the file's directory if need be and checks it is writable; the file is not touched. */
  async checkWritable(): Promise<void> {
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  }

  /** Closes the file. Idempotent. */
  async close(): Promise<void> {
    await this.#writer?.close();
  }
}

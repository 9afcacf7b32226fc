import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import { access, type FileHandle, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, extname, join, sep } from "node:path";
import { brotliCompressSync, gzipSync, constants as zlibConstants } from "node:zlib";
import { compress as zstdCompress, init as zstdInit } from "@bokuweb/zstd-wasm";
import { appendOnlyCapabilities, fileError } from "faucet-common-file";
import {
  type CheckReport,
  FaucetError,
  type JsonSchema,
  type Logger,
  parseConfig,
  probe,
  type Sink,
  type SinkCapabilities,
  schemaFor,
  type Value,
  type z,
} from "faucet-core";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { snappyCompressor } from "hysnappy";
import { configuredPath, ParquetSinkConfig } from "./config.js";
import { lz4Compress } from "./lz4.js";
import { RowGroupBuffer } from "./schema.js";

const CONNECTOR = "sink-parquet";
const CODECS = {
  snappy: "SNAPPY",
  zstd: "ZSTD",
  gzip: "GZIP",
  brotli: "BROTLI",
  lz4: "LZ4_RAW",
  uncompressed: "UNCOMPRESSED",
} as const;

let zstdReady: Promise<void> | undefined;

/** Compressors, built once: WebAssembly snappy and zstd, Node's zlib for gzip and brotli, LZ4 in JS. */
function compressors(): Record<string, (input: Uint8Array) => Uint8Array> {
  return {
    SNAPPY: snappyCompressor(),
    ZSTD: (input) => zstdCompress(input, 3),
    GZIP: (input) => gzipSync(input, { level: 6 }),
    BROTLI: (input) => brotliCompressSync(input, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }),
    LZ4_RAW: lz4Compress,
  };
}

/** One Parquet file being written: bytes go to a hidden temporary file, renamed into place when complete. */
interface OpenPart {
  path: string;
  temporary: string;
  handle: FileHandle;
  bytes: ByteWriter;
  writer: ParquetWriter;
  rows: number;
}

export interface ParquetSinkOptions {
  /** Told once when a single-file path has to grow extra parts. */
  logger?: Logger;
}

/**
 * Writes records to Parquet files. The schema is inferred from the records and widens as they
 * arrive; at most one row group per open file is buffered. A file is published (renamed into
 * place, complete with its footer) on rollover, on `flush()` and on `close()`.
 *
 * @example
 * const sink = new ParquetSink({ path: "out/events-{part}.parquet", compression: "zstd", max_rows_per_file: 1_000_000 });
 * await new Pipeline(source, sink).run();
 */
export class ParquetSink implements Sink {
  readonly config: ParquetSinkConfig;
  private readonly buffer: RowGroupBuffer;
  private readonly logger: Logger | undefined;
  private readonly runId =
    `${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}Z-${randomBytes(4).toString("hex")}`;
  private compressors: Record<string, (input: Uint8Array) => Uint8Array> | undefined;
  private current: OpenPart | undefined;
  private part = 0;
  private directory: boolean | undefined;
  private warnedSuffix = false;
  private closed = false;
  /** Every file this sink published, in order. */
  readonly files: string[] = [];

  constructor(config: z.input<typeof ParquetSinkConfig>, options: ParquetSinkOptions = {}) {
    this.config = parseConfig(ParquetSinkConfig, config, { connector: CONNECTOR });
    this.buffer = new RowGroupBuffer(this.config.max_bytes_per_file !== undefined);
    this.logger = options.logger;
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(ParquetSinkConfig);
  }

  capabilities(): SinkCapabilities {
    return appendOnlyCapabilities();
  }

  async writeBatch(records: readonly Value[]): Promise<number> {
    if (this.closed) {
      throw new FaucetError("sink", "writeBatch called after close()", { connector: CONNECTOR, retryable: false });
    }
    const { row_group_size: rowGroupSize, max_rows_per_file: maxRows, max_bytes_per_file: maxBytes } = this.config;
    await this.guard(async () => {
      for (const record of records) {
        if (!this.buffer.add(record)) {
          // A new column or a wider type after the schema was fixed: finish this part, widen, go on.
          await this.finishPart();
          this.buffer.add(record);
        }
        if (this.buffer.count >= rowGroupSize) await this.writeRowGroup();
        if (maxRows !== undefined && (this.current?.rows ?? 0) + this.buffer.count >= maxRows) await this.finishPart();
      }
      if (maxBytes !== undefined && (this.current?.bytes.offset ?? 0) + this.buffer.bytes >= maxBytes) {
        await this.finishPart();
      }
    });
    return records.length;
  }

  /** Publishes the current part: its buffered rows, footer and rename. The next write starts a new part. */
  async flush(): Promise<void> {
    await this.guard(() => this.finishPart());
  }

  /** Publishes the current part and releases the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.guard(() => this.finishPart());
  }

  /**
   * Runs a write step; when it fails, the unpublished part and the buffered rows are discarded
   * (no bookmark covers them, so a rerun reads them again) and the error is thrown once.
   */
  private async guard(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      await this.abandon();
      throw FaucetError.wrap(error, "sink", { connector: CONNECTOR });
    }
  }

  private async abandon(): Promise<void> {
    const part = this.current;
    this.current = undefined;
    this.buffer.nextFile();
    if (!part) return;
    this.part++;
    await part.handle.close().catch(() => {});
    await rm(part.temporary, { force: true }).catch(() => {});
  }

  async check(): Promise<CheckReport> {
    const folder = dirname(this.partPath(0, false));
    return {
      probes: [
        await probe(
          "folder writable",
          async () => {
            const existing = await nearestExisting(folder);
            if (!(await stat(existing)).isDirectory()) throw new Error(`${existing} is a file, not a folder`);
            await access(existing, fsConstants.W_OK);
          },
          `make ${folder} (or its nearest existing parent) writable`,
        ),
      ],
    };
  }

  private async writeRowGroup(): Promise<void> {
    if (this.buffer.count === 0) return;
    const part = this.current ?? (await this.openPart());
    try {
      await part.writer.write({ columnData: this.buffer.columnData(), rowGroupSize: this.buffer.count });
    } catch (error) {
      throw FaucetError.wrap(error, "sink", {
        connector: CONNECTOR,
        message: `could not write a row group to ${part.path}`,
        retryable: false,
      });
    }
    part.rows += this.buffer.count;
    this.buffer.written();
  }

  private async finishPart(): Promise<void> {
    await this.writeRowGroup();
    const part = this.current;
    if (!part) return;
    this.current = undefined;
    this.part++;
    this.buffer.nextFile();
    try {
      await part.writer.finish();
      await part.handle.sync();
      await part.handle.close();
      await rename(part.temporary, part.path);
    } catch (error) {
      await part.handle.close().catch(() => {});
      await rm(part.temporary, { force: true }).catch(() => {});
      throw FaucetError.wrap(error, "sink", {
        connector: CONNECTOR,
        message: `could not finish ${part.path}`,
        retryable: false,
      });
    }
    this.files.push(part.path);
  }

  private async openPart(): Promise<OpenPart> {
    if (this.directory === undefined) this.directory = await isDirectoryPath(configuredPath(this.config));
    const path = this.partPath(this.part, this.directory);
    const temporary = join(dirname(path), `.${basename(path)}.inprogress`);
    if (this.config.compression === "zstd") {
      zstdReady ??= zstdInit();
      await zstdReady;
    }
    this.compressors ??= compressors();
    try {
      await mkdir(dirname(path), { recursive: true });
    } catch (error) {
      throw fileError(error, { connector: CONNECTOR, path, action: "create directory for", kind: "sink" });
    }
    let handle: FileHandle;
    try {
      handle = await open(temporary, "w");
    } catch (error) {
      throw fileError(error, { connector: CONNECTOR, path: temporary, action: "open", kind: "sink" });
    }
    const bytes: ByteWriter & { flush?: () => Promise<void> } = new ByteWriter(1 << 20);
    // One write per row group: hyparquet-writer calls flush() after each and awaits it.
    bytes.flush = async () => {
      if (bytes.index === 0) return;
      const chunk = new Uint8Array(bytes.buffer, 0, bytes.index);
      await handle.write(chunk, 0, chunk.length);
      bytes.index = 0;
    };
    bytes.finish = bytes.flush;
    const writer = new ParquetWriter({
      writer: bytes,
      schema: this.buffer.schema(),
      codec: CODECS[this.config.compression],
      compressors: this.compressors,
      createdBy: "faucet-sink-parquet",
    });
    this.current = { path, temporary, handle, bytes, writer, rows: 0 };
    return this.current;
  }

  /** The file name of part `n`: `{part}` filled in, a folder's run-named parts, or a suffixed single file. */
  private partPath(n: number, directory: boolean): string {
    const template = configuredPath(this.config);
    const number = String(n).padStart(5, "0");
    if (template.includes("{part}")) return template.replaceAll("{part}", number);
    if (directory) return join(template, `${this.runId}-${number}.parquet`);
    if (n === 0) return template;
    if (!this.warnedSuffix) {
      this.warnedSuffix = true;
      this.logger?.warn(`${template} needs more than one part; later parts are named with a -${number} suffix`, {
        connector: CONNECTOR,
      });
    }
    const extension = extname(template);
    return `${template.slice(0, template.length - extension.length)}-${number}${extension}`;
  }
}

/** A path names a folder when it ends with a separator, has no extension, or is an existing folder. */
async function isDirectoryPath(path: string): Promise<boolean> {
  if (path.endsWith("/") || path.endsWith(sep) || extname(path) === "") return true;
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function nearestExisting(folder: string): Promise<string> {
  let current = folder;
  while (true) {
    try {
      await stat(current);
      return current;
    } catch {
      const parent = dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

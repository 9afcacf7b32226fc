import { type FileHandle, open } from "node:fs/promises";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { expandPaths, fileError } from "faucet-common-file";
import {
  type CheckReport,
  closestMatch,
  describe,
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
  type ValueObject,
  type z,
} from "faucet-core";
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type SchemaTree,
} from "hyparquet";
import { compressors as jsCompressors } from "hyparquet-compressors";
import { configuredPath, ParquetSourceConfig } from "./config.js";
import { type Converter, converterFor, PARSERS, rawMetadata } from "./convert.js";

const CONNECTOR = "source-parquet";
const FOOTER_FETCH = 64 * 1024;

// Node's zlib is several times faster than the pure-JS gzip and brotli decoders; the rest
// (snappy in WebAssembly, zstd, lz4) come from hyparquet-compressors.
const COMPRESSORS = {
  ...jsCompressors,
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliDecompressSync(input)),
};

/** One open Parquet file: its handle, footer and the projection to read from it. */
interface OpenFile {
  path: string;
  handle: FileHandle;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  /** The metadata hyparquet reads with: annotations converted here are stripped. */
  raw: FileMetaData;
  columns: string[];
  converters: Converter[];
}

/**
 * Streams the records of one or more Parquet files, one row group at a time: memory holds one
 * row group of the projected columns whatever the file size.
 *
 * @example
 * const source = new ParquetSource({ path: "data/*.parquet", columns: ["id", "amount"] });
 * for await (const page of source.streamPages({}, 10_000)) console.log(page.records.length);
 */
export class ParquetSource implements Source {
  readonly config: ParquetSourceConfig;
  private readonly open = new Set<FileHandle>();

  constructor(config: z.input<typeof ParquetSourceConfig>) {
    this.config = parseConfig(ParquetSourceConfig, config, { connector: CONNECTOR });
  }

  connectorName(): string {
    return CONNECTOR;
  }

  configSchema(): JsonSchema {
    return schemaFor(ParquetSourceConfig);
  }

  capabilities(): SourceCapabilities {
    return { incremental: false, deterministicReplay: true, discover: false };
  }

  async fetchWithContext(ctx: FetchContext): Promise<Value[]> {
    return await fetchAll(this, ctx);
  }

  async *streamPages(ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const abort = signal ?? ctx.signal;
    const pageSize = this.config.batch_size ?? batchSize;
    const paths = await this.files();
    // With a projection, every footer is checked first so a missing column fails the run before
    // any record of an earlier file is written.
    if (this.config.columns && paths.length > 1) {
      for (const path of paths) await this.withFile(path, async () => {});
    }
    for (const path of paths) {
      if (abort?.aborted) return;
      const file = await this.openFile(path);
      try {
        yield* this.readFile(file, pageSize, abort);
      } finally {
        await this.closeFile(file.handle);
      }
    }
  }

  async check(): Promise<CheckReport> {
    let paths: string[] = [];
    const found = await probe(
      "files found",
      async () => {
        paths = await this.files();
      },
      "check `path`: it must name an existing file or a glob that matches at least one",
    );
    const readable = await probe(
      "parquet footer readable",
      async () => (paths[0] ? await this.withFile(paths[0], async () => {}) : { skip: "no file to read" }),
      "the file must be a complete Parquet file",
    );
    return { probes: [found, readable] };
  }

  async close(): Promise<void> {
    const handles = [...this.open];
    this.open.clear();
    await Promise.allSettled(handles.map((handle) => handle.close()));
  }

  /** The files to read, sorted; a missing file, a directory or a glob that matches nothing fails. */
  private async files(): Promise<string[]> {
    return await expandPaths(configuredPath(this.config), { connector: CONNECTOR });
  }

  private async withFile<T>(path: string, fn: (file: OpenFile) => Promise<T>): Promise<T> {
    const file = await this.openFile(path);
    try {
      return await fn(file);
    } finally {
      await this.closeFile(file.handle);
    }
  }

  private async openFile(path: string): Promise<OpenFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (error) {
      throw fileError(error, { connector: CONNECTOR, path, action: "open", kind: "source" });
    }
    this.open.add(handle);
    try {
      const info = await handle.stat();
      if (info.isDirectory()) {
        const error = Object.assign(new Error("is a directory"), { code: "EISDIR" });
        throw fileError(error, { connector: CONNECTOR, path, action: "read", kind: "source" });
      }
      const size = info.size;
      const buffer = fileBuffer(handle, size, path);
      let metadata: FileMetaData;
      try {
        // A small first read: the footer is usually a few KB, and a small file must not be read whole.
        metadata = await parquetMetadataAsync(buffer, { initialFetchSize: FOOTER_FETCH });
      } catch (error) {
        throw new FaucetError("source", `${path} is not a readable Parquet file: ${describe(error)}`, {
          connector: CONNECTOR,
          cause: error,
          hint: "the file must be a complete Parquet file (it ends with the PAR1 footer); re-export it if it was truncated",
        });
      }
      const schema = parquetSchema(metadata);
      const columns = this.projection(schema, path);
      const byName = new Map(schema.children.map((child) => [child.element.name, child]));
      const converters = columns.map((name) => converterFor(byName.get(name) as SchemaTree));
      return { path, handle, buffer, metadata, raw: rawMetadata(metadata), columns, converters };
    } catch (error) {
      await this.closeFile(handle);
      throw error;
    }
  }

  private async closeFile(handle: FileHandle): Promise<void> {
    if (!this.open.delete(handle)) return;
    await handle.close().catch(() => {});
  }

  private projection(schema: SchemaTree, path: string): string[] {
    const available = schema.children.map((child) => child.element.name);
    const wanted = this.config.columns;
    if (!wanted) return available;
    for (const name of wanted) {
      if (available.includes(name)) continue;
      const guess = closestMatch(name, available);
      throw new FaucetError(
        "config",
        `column \`${name}\` is not in ${path}${guess ? `; did you mean \`${guess}\`?` : ""}`,
        {
          connector: CONNECTOR,
          hint: `\`columns\` must name top-level columns of the file: ${available.join(", ")}`,
        },
      );
    }
    return wanted;
  }

  private async *readFile(file: OpenFile, pageSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    let groupStart = 0;
    for (let group = 0; group < file.metadata.row_groups.length; group++) {
      const rows = Number(file.metadata.row_groups[group]?.num_rows ?? 0);
      if (signal?.aborted) return;
      if (rows > 0) {
        const columns = await readRowGroup(file, group, groupStart, rows);
        const build = recordBuilder(file.columns)(...columns);
        const step = pageSize > 0 ? pageSize : rows;
        for (let start = 0; start < rows; start += step) {
          if (signal?.aborted) return;
          const end = Math.min(rows, start + step);
          const records = new Array<Value>(end - start);
          for (let i = start; i < end; i++) records[i - start] = build(i);
          yield { records };
        }
      }
      groupStart += rows;
    }
  }
}

/** An AsyncBuffer over an open file: hyparquet reads only the byte ranges it needs. */
function fileBuffer(handle: FileHandle, size: number, path: string): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const length = Math.max(0, end - start);
      const bytes = new Uint8Array(length);
      let offset = 0;
      while (offset < length) {
        const { bytesRead } = await handle.read(bytes, offset, length - offset, start + offset);
        if (bytesRead === 0)
          throw new Error(`${path} ends at byte ${start + offset}, before the data its footer points to`);
        offset += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

/** Decodes the projected columns of one row group into arrays of JSON values. */
async function readRowGroup(file: OpenFile, group: number, groupStart: number, rows: number): Promise<Value[][]> {
  const out = file.columns.map(() => new Array<Value>(rows).fill(null));
  const index = new Map(file.columns.map((name, i) => [name, i]));
  let failure: unknown;
  try {
    await parquetRead({
      file: file.buffer,
      metadata: file.raw,
      columns: file.columns,
      rowStart: groupStart,
      rowEnd: groupStart + rows,
      utf8: false,
      parsers: PARSERS,
      compressors: COMPRESSORS,
      onChunk: ({ columnName, columnData, rowStart }) => {
        try {
          const column = index.get(columnName);
          if (column === undefined) return;
          convertInto(out[column] as Value[], rowStart - groupStart, columnData, file.converters[column]);
        } catch (error) {
          failure ??= error;
        }
      },
    });
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) {
    if (failure instanceof FaucetError) throw failure;
    throw new FaucetError("source", `could not decode row group ${group} of ${file.path}: ${describe(failure)}`, {
      connector: CONNECTOR,
      cause: failure,
      hint: "the file is corrupt or uses an encoding this reader does not support; re-export it",
    });
  }
  return out;
}

function convertInto(target: Value[], offset: number, data: ArrayLike<unknown>, convert: Converter): void {
  const end = Math.min(data.length, target.length - offset);
  if (convert) {
    for (let i = Math.max(0, -offset); i < end; i++) {
      const v = data[i];
      target[offset + i] = v === null || v === undefined ? null : convert(v);
    }
  } else {
    for (let i = Math.max(0, -offset); i < end; i++) {
      const v = data[i];
      target[offset + i] = v === undefined ? null : (v as Value);
    }
  }
}

/**
 * A record constructor compiled once per projection: object literals with fixed keys give every
 * record the same hidden class and cost far less than assigning keys in a loop.
 */
function recordBuilder(names: readonly string[]): (...columns: Value[][]) => (row: number) => ValueObject {
  const params = names.map((_, i) => `c${i}`);
  const body = names.map((name, i) => `[${JSON.stringify(name)}]: c${i}[row]`).join(", ");
  return new Function(...params, `return (row) => ({ ${body} });`) as (
    ...columns: Value[][]
  ) => (row: number) => ValueObject;
}

import { type ResourceLimits, Worker } from "node:worker_threads";
import { FaucetError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Transform } from "../transform.js";
import type { ChunkDecoder, ParallelChunk, WorkerModuleSpec } from "./contract.js";
import { type ChunkWork, loadDecoder, loadSerializer, processChunk } from "./process.js";
import type { FromWorker, ToWorker, WireError, WorkerSetup } from "./wire.js";
import { fromWire, toWire } from "./wire.js";

/** One decoded, transformed and serialized page, as bytes. */
export interface SerializedPage {
  bytes: Uint8Array;
  /** Records in `bytes` (after transforms). */
  count: number;
  /** Records the source produced for the page (before transforms). */
  raw: number;
}

/** What a worker made of one chunk: its pages, and the error that stopped it, if any. */
export interface ChunkResult {
  pages: SerializedPage[];
  /** The buffer the pages are views of: hand it to `recycle` once they are written. */
  output: ArrayBuffer;
  /** The chunk's input, back from the worker. */
  input: ArrayBuffer;
  error?: { error: Error; stage: WireError["stage"] };
}

interface Pending {
  resolve(result: ChunkResult): void;
  reject(error: unknown): void;
}

interface Member {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Decoder specs this worker has been sent, by id. */
  decoders: Set<number>;
  ready: boolean;
  exited: boolean;
}

/**
 * A worker's young generation: room for a page's records, which die young. V8's default (up to
 * 48 MiB per isolate) made each worker's RSS ~20 MiB larger for no measured gain; much smaller
 * promoted records to the old generation and cost more memory, not less (1M benchmark rows:
 * peak RSS 169 MiB by default, 126 MiB at 8, 141 at 16, 152 at 4). Transforms keep a page's
 * records alive across more allocation (new objects per stage), so they get twice the room
 * (scenario A10: at 8, 4.0–5.9 s of CPU and 190–225 MiB; at 16, 3.5–3.9 s and 167 MiB).
 */
const YOUNG_GENERATION_MB = 8;
const YOUNG_GENERATION_WITH_TRANSFORMS_MB = 16;

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions {
  size: number;
  setup: WorkerSetup;
  logger: Logger;
  /**
   * The pipeline's compiled transforms: with them, the main thread processes chunks itself
   * until the first worker is ready, so thread start-up does not delay the first pages.
   */
  local?: { transforms: readonly Transform[] };
  resourceLimits?: ResourceLimits;
}

/**
 * The worker threads of one run. Each chunk goes to the worker with the fewest chunks queued;
 * a worker handles its chunks in order. Workers start when the pool is made, so their start-up
 * overlaps the source's first read. `terminate` ends them all and fails whatever is pending;
 * it is idempotent.
 */
export class WorkerPool {
  readonly #members: Member[] = [];
  readonly #decoderIds = new Map<WorkerModuleSpec, number>();
  readonly #logger: Logger;
  readonly #setup: WorkerSetup;
  readonly #local:
    | {
        transforms: readonly Transform[];
        work?: Promise<ChunkWork>;
        decoders: Map<WorkerModuleSpec, Promise<ChunkDecoder>>;
      }
    | undefined;
  /** Output buffers whose pages are written, for the next chunks to fill. */
  readonly #free: ArrayBuffer[] = [];
  #nextId = 0;
  #terminated: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions) {
    this.#logger = options.logger;
    this.#setup = options.setup;
    this.#local = options.local ? { transforms: options.local.transforms, decoders: new Map() } : undefined;
    for (let i = 0; i < options.size; i++) {
      const worker = new Worker(new URL("./worker.js", import.meta.url), {
        workerData: options.setup,
        stdout: false,
        stderr: false,
        resourceLimits: options.resourceLimits ?? {
          maxYoungGenerationSizeMb:
            options.setup.transforms.length > 0 ? YOUNG_GENERATION_WITH_TRANSFORMS_MB : YOUNG_GENERATION_MB,
        },
      });
      const member: Member = { worker, pending: new Map(), decoders: new Set(), ready: false, exited: false };
      worker.on("message", (message: FromWorker) => this.#onMessage(member, message));
      worker.on("error", (error) => this.#fail(member, workerFailure(error)));
      worker.on("exit", (code) => {
        member.exited = true;
        this.#fail(member, new FaucetError("custom", `a parallel-pages worker exited (code ${code})`));
      });
      this.#members.push(member);
    }
  }

  get size(): number {
    return this.#members.length;
  }

  /** Decodes, transforms and serializes one chunk on a worker. `firstPage` is its first page's index. */
  run(chunk: ParallelChunk, firstPage: number): Promise<ChunkResult> {
    if (this.#terminated) return Promise.reject(new FaucetError("cancelled", "the worker pool was terminated"));
    if (this.#local && !this.#members.some((m) => m.ready && !m.exited)) return this.#runLocal(chunk, firstPage);
    let member = this.#members[0] as Member;
    for (const candidate of this.#members) if (candidate.pending.size < member.pending.size) member = candidate;
    let decoder = this.#decoderIds.get(chunk.decoder);
    if (decoder === undefined) {
      decoder = this.#nextId++;
      this.#decoderIds.set(chunk.decoder, decoder);
    }
    if (!member.decoders.has(decoder)) {
      member.decoders.add(decoder);
      this.#post(member, { type: "decoder", id: decoder, spec: chunk.decoder });
    }
    const id = this.#nextId++;
    return new Promise<ChunkResult>((resolve, reject) => {
      member.pending.set(id, { resolve, reject });
      const output = this.#free.pop();
      const message: ToWorker = {
        type: "chunk",
        id,
        decoder,
        input: chunk.input,
        meta: chunk.meta,
        firstPage,
        ...(output ? { output } : {}),
      };
      this.#post(member, message, output ? [chunk.input, output] : [chunk.input]);
    });
  }

  /** Takes back a result's output buffer once its pages are written, to fill again. */
  recycle(buffer: ArrayBuffer): void {
    if (this.#free.length < this.#members.length + 2 && buffer.byteLength > 0) this.#free.push(buffer);
  }

  /** Ends every worker; pending chunks fail with a `cancelled` error. */
  terminate(): Promise<void> {
    this.#terminated ??= (async () => {
      const stopped = new FaucetError("cancelled", "the worker pool was terminated");
      for (const member of this.#members) this.#fail(member, stopped);
      await Promise.all(this.#members.map((member) => member.worker.terminate().catch(() => 0)));
    })();
    return this.#terminated;
  }

  /** A chunk on this thread, the way a worker does it. */
  async #runLocal(chunk: ParallelChunk, firstPage: number): Promise<ChunkResult> {
    const local = this.#local;
    if (!local) throw new Error("no local processing");
    local.work ??= loadSerializer(this.#setup.serializer).then((serialize) => ({
      serialize,
      transforms: local.transforms,
      logger: this.#logger,
      pipeline: this.#setup.pipeline,
      runStartedAt: new Date(this.#setup.runStartedAt),
    }));
    let decoder = local.decoders.get(chunk.decoder);
    if (!decoder) {
      decoder = loadDecoder(chunk.decoder);
      local.decoders.set(chunk.decoder, decoder);
    }
    const input = chunk.input;
    let work: ChunkWork;
    let decode: ChunkDecoder;
    try {
      [work, decode] = await Promise.all([local.work, decoder]);
    } catch (error) {
      return chunkResult({
        type: "result",
        id: -1,
        output: new ArrayBuffer(0),
        input,
        pages: [],
        error: toWire(error, "worker"),
      });
    }
    const done = await processChunk(work, decode, input, chunk.meta, firstPage, this.#free.pop());
    // Through the same description as a worker's error, so both read alike.
    const error = done.error ? toWire(done.error.error, done.error.stage) : undefined;
    return chunkResult({
      type: "result",
      id: -1,
      output: done.output,
      input,
      pages: done.pages,
      ...(error ? { error } : {}),
    });
  }

  #post(member: Member, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (member.exited) {
      this.#fail(member, new FaucetError("custom", "a parallel-pages worker is no longer running"));
      return;
    }
    member.worker.postMessage(message, transfer);
  }

  #onMessage(member: Member, message: FromWorker): void {
    switch (message.type) {
      case "ready":
        member.ready = true;
        return;
      case "log":
        this.#logger[message.level](message.message, message.fields);
        return;
      case "failed":
        this.#fail(member, fromWire(message.error));
        return;
      case "result": {
        const pending = member.pending.get(message.id);
        if (!pending) return;
        member.pending.delete(message.id);
        pending.resolve(chunkResult(message));
      }
    }
  }

  #fail(member: Member, error: unknown): void {
    const pending = [...member.pending.values()];
    member.pending.clear();
    for (const p of pending) p.reject(error);
  }
}

function chunkResult(message: Extract<FromWorker, { type: "result" }>): ChunkResult {
  const pages: SerializedPage[] = [];
  let start = 0;
  for (let i = 0; i < message.pages.length; i += 3) {
    const end = message.pages[i] as number;
    pages.push({
      bytes: new Uint8Array(message.output, start, end - start),
      count: message.pages[i + 1] as number,
      raw: message.pages[i + 2] as number,
    });
    start = end;
  }
  const result: ChunkResult = { pages, output: message.output, input: message.input };
  if (message.error) result.error = { error: fromWire(message.error), stage: message.error.stage };
  return result;
}

function workerFailure(error: Error): FaucetError {
  const memory = (error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY";
  return new FaucetError("custom", `a parallel-pages worker failed: ${error.message}`, {
    cause: error,
    ...(memory ? { hint: "lower execution.workers, or the page size (batch_size)" } : {}),
  });
}

/**
 * A worker thread of parallel pages: decodes chunks into pages of records with the source's
 * decoder module, runs the pipeline's transforms on each page and serializes it with the sink's
 * serializer module, then hands the page bytes back in one transferred buffer per chunk.
 * Records never leave this thread. It loads only what it uses: no zod unless there are
 * transforms to compile.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Logger } from "../logger.js";
import type { Transform } from "../transform.js";
import { applyTransforms, rejectionError } from "../transform.js";
import type { Value } from "../value.js";
import type { ChunkDecoder, ChunkDecoderFactory, PageSerializer, PageSerializerFactory } from "./contract.js";
import type { FromWorker, ToWorker, WorkerSetup, WorkerStage } from "./wire.js";
import { toWire } from "./wire.js";

const port = parentPort;
if (!port) throw new Error("faucet-core parallel/worker.js runs only as a worker thread");
const setup = workerData as WorkerSetup;

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** Transform log lines go to the pipeline's logger on the main thread. */
const logger: Logger = {
  debug: (message, fields) => post({ type: "log", level: "debug", message, ...(fields ? { fields } : {}) }),
  info: (message, fields) => post({ type: "log", level: "info", message, ...(fields ? { fields } : {}) }),
  warn: (message, fields) => post({ type: "log", level: "warn", message, ...(fields ? { fields } : {}) }),
  error: (message, fields) => post({ type: "log", level: "error", message, ...(fields ? { fields } : {}) }),
};

async function load<T>(module: string, name: string): Promise<T> {
  const loaded = (await import(module)) as Record<string, unknown>;
  const factory = loaded[name];
  if (typeof factory !== "function") throw new Error(`${module} does not export a function \`${name}\``);
  return factory as T;
}

async function start(): Promise<{ serialize: PageSerializer; transforms: Transform[] }> {
  const makeSerializer = await load<PageSerializerFactory>(setup.serializer.module, "createPageSerializer");
  const serialize = await makeSerializer(setup.serializer.options);
  let transforms: Transform[] = [];
  if (setup.transforms.length > 0) {
    // Only now: the registry brings zod and every built-in transform.
    const { createTransforms } = await import("../transforms/registry.js");
    transforms = createTransforms(setup.transforms, { logger, pipeline: setup.pipeline, baseDir: setup.baseDir });
  }
  return { serialize, transforms };
}

const ready = start();
const decoders = new Map<number, Promise<ChunkDecoder>>();
const runStartedAt = new Date(setup.runStartedAt);
/** Messages are handled one at a time, in the order they arrive. */
let queue: Promise<void> = ready.then(
  () => post({ type: "ready" }),
  (error: unknown) => post({ type: "failed", error: toWire(error, "worker") }),
);

port.on("message", (message: ToWorker) => {
  queue = queue.then(() => handle(message));
});

async function handle(message: ToWorker): Promise<void> {
  if (message.type === "decoder") {
    const spec = message.spec;
    const decoder = load<ChunkDecoderFactory>(spec.module, "createChunkDecoder").then((make) => make(spec.options));
    decoder.catch(() => {});
    decoders.set(message.id, decoder);
    return;
  }
  const output = new PageBytes(message.input.byteLength + (message.input.byteLength >>> 2) + 4096, message.output);
  const pages: number[] = [];
  let stage: WorkerStage = "worker";
  try {
    const { serialize, transforms } = await ready;
    const decode = await (decoders.get(message.decoder) as Promise<ChunkDecoder>);
    stage = "source";
    const iterator = decode(new Uint8Array(message.input), message.meta)[Symbol.iterator]();
    for (let pageIndex = message.firstPage; ; pageIndex++) {
      stage = "source";
      const step = iterator.next();
      if (step.done) break;
      const raw = step.value;
      let records: Value[] = raw;
      stage = "transform";
      if (transforms.length > 0) {
        const page = await applyTransforms(raw, transforms, {
          logger,
          pageIndex,
          runStartedAt,
          pipeline: setup.pipeline,
        });
        // Without a dead-letter sink (parallel pages never have one) a rejection fails the page.
        if (page.rejected.length > 0) throw rejectionError(page.rejected);
        records = page.records;
      }
      stage = "sink";
      if (records.length > 0) output.append(serialize(records));
      pages.push(output.length, records.length, raw.length);
    }
    const { input } = message;
    post({ type: "result", id: message.id, output: output.buffer, input, pages }, [output.buffer, input]);
  } catch (error) {
    const wire = toWire(error, stage);
    const { input } = message;
    post({ type: "result", id: message.id, output: output.buffer, input, pages, error: wire }, [output.buffer, input]);
  }
}

/** The serialized pages of one chunk, back to back in one buffer that is handed over whole. */
class PageBytes {
  buffer: ArrayBuffer;
  #bytes: Uint8Array;
  length = 0;

  constructor(capacity: number, recycled: ArrayBuffer | undefined) {
    this.buffer = recycled && recycled.byteLength >= capacity ? recycled : new ArrayBuffer(capacity);
    this.#bytes = new Uint8Array(this.buffer);
  }

  append(page: Uint8Array): void {
    if (this.length + page.length > this.#bytes.length) {
      const grown = new ArrayBuffer(Math.max(this.#bytes.length * 2, this.length + page.length));
      const bytes = new Uint8Array(grown);
      bytes.set(this.#bytes.subarray(0, this.length));
      this.buffer = grown;
      this.#bytes = bytes;
    }
    this.#bytes.set(page, this.length);
    this.length += page.length;
  }
}

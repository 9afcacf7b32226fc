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
import type { ChunkDecoder } from "./contract.js";
import { type ChunkWork, loadDecoder, loadSerializer, processChunk } from "./process.js";
import type { FromWorker, ToWorker, WorkerSetup } from "./wire.js";
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

async function start(): Promise<ChunkWork> {
  const serialize = await loadSerializer(setup.serializer);
  let transforms: Transform[] = [];
  if (setup.transforms.length > 0) {
    // Only now: the registry brings zod and every built-in transform.
    const { createTransforms } = await import("../transforms/registry.js");
    transforms = createTransforms(setup.transforms, { logger, pipeline: setup.pipeline, baseDir: setup.baseDir });
  }
  return { serialize, transforms, logger, pipeline: setup.pipeline, runStartedAt: new Date(setup.runStartedAt) };
}

const ready = start();
const decoders = new Map<number, Promise<ChunkDecoder>>();
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
    const decoder = loadDecoder(message.spec);
    decoder.catch(() => {});
    decoders.set(message.id, decoder);
    return;
  }
  const { id, input } = message;
  let work: ChunkWork;
  let decode: ChunkDecoder;
  try {
    work = await ready;
    decode = await (decoders.get(message.decoder) as Promise<ChunkDecoder>);
  } catch (error) {
    const output = message.output ?? new ArrayBuffer(0);
    post({ type: "result", id, output, input, pages: [], error: toWire(error, "worker") }, [output, input]);
    return;
  }
  const done = await processChunk(work, decode, input, message.meta, message.firstPage, message.output);
  const error = done.error ? toWire(done.error.error, done.error.stage) : undefined;
  post({ type: "result", id, output: done.output, input, pages: done.pages, ...(error ? { error } : {}) }, [
    done.output,
    input,
  ]);
}

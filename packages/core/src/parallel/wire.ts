/**
 * What crosses between the pipeline and its worker threads: plain, structured-cloneable
 * messages, page bytes in transferred ArrayBuffers, and errors as plain descriptions rebuilt on
 * the main thread with the same kind, message and hint.
 */
import { type ErrorKind, FaucetError } from "../errors.js";
import type { TransformSpec } from "../transforms/registry.js";
import type { WorkerModuleSpec } from "./contract.js";

/** Where in a page's life a worker failed, which decides how the main thread reports it. */
export type WorkerStage = "source" | "transform" | "sink" | "worker";

/** What every worker of a run is started with (`workerData`). */
export interface WorkerSetup {
  serializer: WorkerModuleSpec;
  transforms: readonly TransformSpec[];
  pipeline: string;
  /** Milliseconds since the epoch: the fixed clock of `${now}`-style transform values. */
  runStartedAt: number;
  baseDir: string;
}

/** Main → worker. */
export type ToWorker =
  | { type: "decoder"; id: number; spec: WorkerModuleSpec }
  | {
      type: "chunk";
      id: number;
      decoder: number;
      input: ArrayBuffer;
      meta: unknown;
      firstPage: number;
      /** A buffer from an earlier result to write this chunk's pages into (recycled). */
      output?: ArrayBuffer;
    };

/** Worker → main. */
export type FromWorker =
  | { type: "ready" }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string; fields?: Record<string, unknown> }
  | { type: "failed"; error: WireError }
  | {
      type: "result";
      id: number;
      output: ArrayBuffer;
      /** The chunk's input, handed back for reuse. */
      input: ArrayBuffer;
      /** Per page: end offset in `output`, records written, records read (triples). */
      pages: number[];
      error?: WireError;
    };

/** An error as it crosses a thread. */
export interface WireError {
  stage: WorkerStage;
  faucet: boolean;
  name: string;
  message: string;
  code?: string;
  kind?: ErrorKind;
  detail?: string;
  connector?: string;
  hint?: string;
  retryable?: boolean;
  status?: number;
  retryAfterMs?: number;
  attempts?: number;
  cause?: WireError;
}

/** Describes anything thrown, keeping what FaucetError needs to be rebuilt exactly. */
export function toWire(error: unknown, stage: WorkerStage, depth = 0): WireError {
  if (error instanceof FaucetError) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      stage,
      faucet: true,
      name: error.name,
      message: error.message,
      kind: error.kind,
      detail: error.detail,
      retryable: error.retryable,
      ...(error.connector === undefined ? {} : { connector: error.connector }),
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(error.attempts === undefined ? {} : { attempts: error.attempts }),
      ...(cause !== undefined && depth < 4 ? { cause: toWire(cause, stage, depth + 1) } : {}),
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      stage,
      faucet: false,
      name: error.name,
      message: error.message,
      ...(typeof code === "string" ? { code } : {}),
    };
  }
  return { stage, faucet: false, name: "Error", message: typeof error === "string" ? error : String(error) };
}

/** The error again, on the main thread: a FaucetError with the same kind and message, or an Error. */
export function fromWire(wire: WireError): Error {
  const cause = wire.cause ? fromWire(wire.cause) : undefined;
  if (wire.faucet && wire.kind) {
    return new FaucetError(wire.kind, wire.detail ?? wire.message, {
      ...(cause ? { cause } : {}),
      ...(wire.connector === undefined ? {} : { connector: wire.connector }),
      ...(wire.hint === undefined ? {} : { hint: wire.hint }),
      ...(wire.retryable === undefined ? {} : { retryable: wire.retryable }),
      ...(wire.status === undefined ? {} : { status: wire.status }),
      ...(wire.retryAfterMs === undefined ? {} : { retryAfterMs: wire.retryAfterMs }),
      ...(wire.attempts === undefined ? {} : { attempts: wire.attempts }),
    });
  }
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.code) (error as { code?: string }).code = wire.code;
  return error;
}

import { FaucetError } from "./errors.js";
import type { Sink } from "./sink.js";
import { sinkName } from "./sink.js";
import type { FetchContext, Source, StreamPage } from "./source.js";
import { sourceName } from "./source.js";

/** One timed call into a connector. */
export interface CallEvent {
  role: "source" | "sink";
  /** E.g. `source-csv`. */
  connector: string;
  /** `read` (one page from the source), `write`, `flush`, `check`, … */
  operation: string;
  durationMs: number;
  /** Records read or written by the call, when it moves records. */
  records?: number;
  /** Set when the call failed. */
  error?: FaucetError;
}

/** A span handle, shaped so an OpenTelemetry span fits behind it. */
export interface SpanHandle {
  end(error?: FaucetError): void;
}

/**
 * What observability plugs into: every connector call is reported once it settles, and may be
 * wrapped in a span. The CLI implements it with prom-client and `@opentelemetry/api`; library
 * users can implement it with anything.
 */
export interface Instrumentation {
  onCall?(event: CallEvent): void;
  startSpan?(name: string, attributes: Record<string, string | number>): SpanHandle;
}

/** Methods that move records, with how to count the records of a result. */
const SINK_OPERATIONS: Record<string, string> = {
  writeBatch: "write",
  writeBatchPartial: "write",
  writeBatchIdempotent: "write",
  writeSerialized: "write",
  writeNative: "write",
  writeNativeIdempotent: "write",
  acceptNative: "accept_native",
  flush: "flush",
  resume: "resume",
  lastCommittedToken: "read_token",
  currentSchema: "schema",
  evolveSchema: "evolve_schema",
  beginOverwrite: "begin_overwrite",
  commitOverwrite: "commit_overwrite",
  abortOverwrite: "abort_overwrite",
  check: "check",
  close: "close",
};

const SOURCE_OPERATIONS: Record<string, string> = {
  fetchWithContext: "fetch",
  applyStartBookmark: "apply_bookmark",
  discover: "discover",
  nativeFormat: "native_format",
  check: "check",
  close: "close",
};

const PLAIN_METHODS = ["connectorName", "configSchema", "stateKey", "capabilities"] as const;
/** A sink's `serializer` names a worker module: nothing to time, but it must be forwarded. */
const PLAIN_SINK_METHODS = [...PLAIN_METHODS, "serializer"] as const;

/**
 * Wraps a source so every call and every page it streams is timed and reported. Every method
 * of the inner source is forwarded (and only those it has), so native streaming is kept.
 *
 * @example
 * const source = instrumentSource(inner, { onCall: (e) => histogram.observe(e.durationMs) });
 */
export function instrumentSource(inner: Source, instrumentation: Instrumentation): Source {
  const connector = sourceName(inner);
  const wrapped = forward(inner, PLAIN_METHODS) as Source & Record<string, unknown>;
  for (const [method, operation] of Object.entries(SOURCE_OPERATIONS)) {
    const fn = (inner as unknown as Record<string, unknown>)[method];
    if (typeof fn !== "function") continue;
    wrapped[method] = (...args: unknown[]) =>
      timed(instrumentation, "source", connector, operation, () => fn.apply(inner, args), countRecords);
  }
  if (inner.streamPages) {
    const stream = inner.streamPages.bind(inner);
    wrapped.streamPages = (ctx: FetchContext, batchSize: number, signal?: AbortSignal) =>
      timedPages(instrumentation, connector, stream(ctx, batchSize, signal));
  }
  if (inner.nativePages) {
    const native = inner.nativePages.bind(inner);
    wrapped.nativePages = (ctx: FetchContext, batchSize: number, signal?: AbortSignal) =>
      timedPages(instrumentation, connector, native(ctx, batchSize, signal), (page) => page.count);
  }
  if (inner.parallelChunks) {
    const split = inner.parallelChunks.bind(inner);
    wrapped.parallelChunks = (ctx: FetchContext, batchSize: number, signal?: AbortSignal) => {
      const chunks = split(ctx, batchSize, signal);
      return chunks && timedPages(instrumentation, connector, chunks, (chunk) => chunk.records ?? 0);
    };
  }
  return wrapped;
}

/**
 * Wraps a sink so every call is timed and reported, forwarding every method the inner sink has.
 *
 * @example
 * const sink = instrumentSink(inner, { onCall: (e) => console.log(e.operation, e.durationMs) });
 */
export function instrumentSink(inner: Sink, instrumentation: Instrumentation): Sink {
  const connector = sinkName(inner);
  const wrapped = forward(inner, PLAIN_SINK_METHODS) as Sink & Record<string, unknown>;
  for (const [method, operation] of Object.entries(SINK_OPERATIONS)) {
    const fn = (inner as unknown as Record<string, unknown>)[method];
    if (typeof fn !== "function") continue;
    const counter = method.startsWith("writeBatch")
      ? (_: unknown, args: unknown[]) => lengthOf(args[0])
      : method === "writeSerialized" || method.startsWith("writeNative")
        ? (_: unknown, args: unknown[]) => (typeof args[1] === "number" ? args[1] : undefined)
        : undefined;
    wrapped[method] = (...args: unknown[]) =>
      timed(instrumentation, "sink", connector, operation, () => fn.apply(inner, args), counter, args);
  }
  return wrapped as Sink;
}

function forward(inner: object, methods: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const method of methods) {
    const fn = (inner as Record<string, unknown>)[method];
    if (typeof fn === "function") out[method] = fn.bind(inner);
  }
  return out;
}

function lengthOf(value: unknown): number | undefined {
  return Array.isArray(value) ? value.length : undefined;
}

function countRecords(result: unknown): number | undefined {
  return lengthOf(result);
}

async function timed<T>(
  instrumentation: Instrumentation,
  role: "source" | "sink",
  connector: string,
  operation: string,
  call: () => T | Promise<T>,
  count?: (result: unknown, args: unknown[]) => number | undefined,
  args: unknown[] = [],
): Promise<T> {
  const span = instrumentation.startSpan?.(`${role}.${operation}`, { "faucet.connector": connector });
  const started = performance.now();
  try {
    const result = await call();
    const records = count?.(result, args);
    instrumentation.onCall?.({
      role,
      connector,
      operation,
      durationMs: performance.now() - started,
      ...(records === undefined ? {} : { records }),
    });
    span?.end();
    return result;
  } catch (error) {
    const failure = FaucetError.wrap(error, role, { connector });
    instrumentation.onCall?.({ role, connector, operation, durationMs: performance.now() - started, error: failure });
    span?.end(failure);
    throw error;
  }
}

async function* timedPages<T = StreamPage>(
  instrumentation: Instrumentation,
  connector: string,
  pages: AsyncIterable<T>,
  recordsOf: (item: T) => number = (page) => (page as StreamPage).records.length,
): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await timed(
        instrumentation,
        "source",
        connector,
        "read",
        () => iterator.next(),
        (r) => ((r as IteratorResult<T>).done ? 0 : recordsOf((r as IteratorResult<T>).value as T)),
      );
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await iterator.return?.();
  }
}

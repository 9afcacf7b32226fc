import { createHook } from "node:async_hooks";
import {
  type ErrorKind,
  type FetchContext,
  Pipeline,
  type PipelineResult,
  type Sink,
  type Source,
  type StreamPage,
  silentLogger,
  streamPagesOf,
  type Value,
} from "faucet-core";
import { describeError, type Reporter, reporter, safeJson } from "./failure.js";
import {
  type Connector,
  conformanceRecords,
  connectorLabel,
  countRows,
  type DestinationOptions,
  idOf,
  isFaucetErrorLike,
  isSink,
} from "./fixtures.js";

/** Options of {@link assertErrorsNotCrashes}. */
export interface ErrorsOptions {
  /** The kind the FaucetError must have, e.g. `connection` for an unreachable server. */
  kind?: ErrorKind;
  /** Passed to the source's read methods. Default `{}`. */
  context?: FetchContext;
}

/**
 * Check 6: a connector set up to fail (an unreachable server, wrong credentials, a missing
 * table) fails properly: `fetchWithContext`, `streamPages` (a source) or `writeBatch` / `flush`
 * (a sink) reject with a `FaucetError` (of `kind`, when given). It must not resolve silently
 * (for a source: with no records), and nothing may escape as an uncaught exception or an
 * unhandled rejection while it fails. Given a factory instead of a connector, the check also
 * accepts a factory that refuses to build with a FaucetError, and closes what it built.
 *
 * @example
 * await assertErrorsNotCrashes(new PostgresSource({ url: "postgres://127.0.0.1:1/x", table: "t" }), {
 *   kind: "connection",
 * });
 */
export async function assertErrorsNotCrashes(
  subject: Connector | (() => Connector | Promise<Connector>),
  options: ErrorsOptions = {},
): Promise<void> {
  let connector: Connector;
  if (typeof subject === "function") {
    const built = await observe(subject);
    const report: Reporter = reporter("assertErrorsNotCrashes", "connector");
    report.ensure(
      built.escaped.length === 0,
      () => `building the connector let ${describeError(built.escaped[0])} escape`,
    );
    // Refusing to build (e.g. a config the constructor rejects) is a proper failure too.
    if (!built.ok) return checkFaucetError(report, "building the connector", built.error, options.kind);
    connector = built.value;
  } else {
    connector = subject;
  }
  const report: Reporter = reporter("assertErrorsNotCrashes", connectorLabel(connector));
  try {
    const attempts: [string, () => Promise<string>][] = isSink(connector)
      ? [["writeBatch and flush", () => writeOnePage(connector)]]
      : sourceAttempts(connector, options.context ?? {});
    for (const [what, attempt] of attempts) {
      const outcome = await observe(attempt);
      report.ensure(
        outcome.escaped.length === 0,
        () => `${what}: ${describeError(outcome.escaped[0])} escaped as an uncaught exception or unhandled rejection`,
      );
      if (outcome.ok)
        return report.fail(`${what} succeeded (${outcome.value}) although the connector was set up to fail`);
      checkFaucetError(report, what, outcome.error, options.kind);
    }
  } finally {
    if (typeof subject === "function") await connector.close?.();
  }
}

type Observed<T> = { escaped: unknown[] } & ({ ok: true; value: T } | { ok: false; error: unknown });

/** Runs `attempt` while collecting anything that escapes as an uncaught exception or rejection. */
async function observe<T>(attempt: () => T | Promise<T>): Promise<Observed<T>> {
  const escaped: unknown[] = [];
  const release = captureProcessErrors(escaped);
  try {
    return { escaped, ok: true, value: await attempt() };
  } catch (error) {
    return { escaped, ok: false, error };
  } finally {
    await settle();
    release();
  }
}

function sourceAttempts(source: Source, context: FetchContext): [string, () => Promise<string>][] {
  const attempts: [string, () => Promise<string>][] = [
    [
      "fetchWithContext",
      async () => {
        const records = await source.fetchWithContext(context);
        return `with ${Array.isArray(records) ? records.length : safeJson(records)} records`;
      },
    ],
  ];
  if (source.streamPages) {
    attempts.push([
      "streamPages",
      async () => {
        let records = 0;
        for await (const page of source.streamPages?.(context, 100) ?? []) records += page.records.length;
        return `with ${records} records`;
      },
    ]);
  }
  return attempts;
}

async function writeOnePage(sink: Sink): Promise<string> {
  const written = await sink.writeBatch(conformanceRecords(2));
  await sink.flush?.();
  return `writeBatch resolved to ${safeJson(written)}`;
}

function checkFaucetError(report: Reporter, what: string, error: unknown, kind: ErrorKind | undefined): void {
  report.ensure(
    isFaucetErrorLike(error),
    () =>
      `${what} rejected with ${describeError(error)}, not a FaucetError; ` +
      "map failures with new FaucetError(kind, message, { cause, hint }) or FaucetError.wrap",
  );
  report.ensure(
    kind === undefined || error.kind === kind,
    () => `${what} rejected with a FaucetError of kind ${error.kind}, expected ${kind}: ${error.message}`,
  );
}

/**
 * Collects uncaught exceptions and unhandled rejections into `into` until the returned
 * function is called. The test runner's own listeners are set aside meanwhile, so a connector
 * that crashes fails this check with a clear message instead of failing the whole run.
 */
function captureProcessErrors(into: unknown[]): () => void {
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const saved = events.map((event) => [event, process.listeners(event as "uncaughtException")] as const);
  const record = (error: unknown) => {
    into.push(error);
  };
  for (const event of events) {
    process.removeAllListeners(event);
    process.on(event, record);
  }
  return () => {
    for (const [event, listeners] of saved) {
      process.removeListener(event, record);
      for (const listener of listeners)
        process.on(event as "uncaughtException", listener as NodeJS.UncaughtExceptionListener);
    }
  };
}

/** Lets pending callbacks, timers and rejection tracking run. */
async function settle(ms = 25): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, ms));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Options of {@link assertCancellationFlushes}. */
export interface CancellationOptions extends DestinationOptions {
  /** Records per page. Default 3. */
  pageSize?: number;
  /** Pages the run would write if it were not cancelled. Default 5. */
  pages?: number;
}

/**
 * Check 13: a real `Pipeline` (faucet-core) into `sink`, cancelled through its AbortSignal as soon as
 * its first page commits (`onProgress`), resolves with `cancelled: true`, and every row it
 * counts in `recordsWritten` is durable in the destination when the run returns — the
 * cancel path flushed. The run uses `closeConnectors: false`; the caller closes the sink.
 *
 * @example
 * await assertCancellationFlushes(sink, { count: () => countRows("events") });
 */
export async function assertCancellationFlushes(sink: Sink, options: CancellationOptions): Promise<void> {
  const report: Reporter = reporter("assertCancellationFlushes", connectorLabel(sink));
  const pageSize = options.pageSize ?? 3;
  const total = pageSize * (options.pages ?? 5);
  const controller = new AbortController();
  const source = pagedSource(conformanceRecords(total, options.firstId ?? 1), pageSize);
  const before = await countRows(report, options.count, "before the run");
  let result: PipelineResult;
  try {
    result = await new Pipeline(source, sink, {
      name: "faucet-conformance-cancel",
      batchSize: pageSize,
      signal: controller.signal,
      closeConnectors: false,
      retry: false,
      logger: silentLogger,
      onProgress: (progress) => {
        if (progress.pages >= 1) controller.abort();
      },
    }).run();
  } catch (error) {
    return report.fail(
      `a cancelled run must resolve with cancelled: true, but it rejected: ${describeError(error)}`,
      error,
    );
  }
  report.ensure(result.cancelled, "the run ignored the abort and returned cancelled: false");
  report.ensure(
    result.recordsWritten > 0 && result.recordsWritten < total,
    () =>
      `the cancelled run counted ${result.recordsWritten} of ${total} rows written, expected at least one page and not all`,
  );
  const after = await countRows(report, options.count, "after the cancelled run");
  report.ensure(
    after - before === result.recordsWritten,
    () =>
      `the run counted ${result.recordsWritten} rows written but ${after - before} are in the destination: ` +
      "the cancel path did not make every counted row durable",
  );
  if (options.read) {
    const stored = new Set((await report.step("read()", options.read)).map((row) => idOf(row)));
    const first = options.firstId ?? 1;
    const missing: number[] = [];
    for (let id = first; id < first + result.recordsWritten; id++) if (!stored.has(String(id))) missing.push(id);
    report.ensure(
      missing.length === 0,
      () => `rows counted as written are missing from read(): ids ${missing.join(", ")}`,
    );
  }
}

/** A source that streams `records` in pages of `pageSize` and stops when aborted. */
function pagedSource(records: Value[], pageSize: number): Source {
  return {
    connectorName: () => "source-conformance",
    fetchWithContext: async () => records,
    async *streamPages(_ctx, _batchSize, signal): AsyncGenerator<StreamPage> {
      for (let start = 0; start < records.length; start += pageSize) {
        if (signal?.aborted) return;
        yield { records: records.slice(start, start + pageSize) };
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

/** Options of {@link assertResourcesReleased}. */
export interface ResourcesOptions {
  /**
   * Makes the connector open whatever it opens (connections, files, timers). Default: a
   * source is read to the end in pages of 100; a sink writes one page and flushes.
   */
  use?: (connector: Connector) => unknown | Promise<unknown>;
  /** How long teardown may take to finish after `close()` resolves. Default 2000 ms. */
  settleMs?: number;
}

/**
 * Check 14: after `close()` nothing the connector opened remains — no sockets, servers,
 * timers, file handles or child processes — and a second `close()` is harmless. It compares
 * `process.getActiveResourcesInfo()` before `open()` with after `close()` as multisets, so
 * handles that were already there (the test runner's own) never count, and it also follows
 * every handle and ref'd timer created in between (`node:async_hooks`), so a leak cannot hide
 * behind a runner timer that happened to end meanwhile. Teardown may take up to `settleMs`.
 *
 * @example
 * await assertResourcesReleased(() => new PostgresSource(config));
 */
export async function assertResourcesReleased(
  open: () => Connector | Promise<Connector>,
  options: ResourcesOptions = {},
): Promise<void> {
  await settle(5);
  const before = activeResources();
  const created = trackCreatedResources();
  let report: Reporter = reporter("assertResourcesReleased", "connector");
  try {
    const connector = await report.step("open()", open);
    report = reporter("assertResourcesReleased", connectorLabel(connector));
    await report.step("using the connector", () => (options.use ?? useConnector)(connector));
    await report.step("close()", () => connector.close?.());
    await report.step("a second close()", () => connector.close?.());
    const deadline = Date.now() + (options.settleMs ?? 2000);
    let left = leftovers(before, activeResources(), created.alive());
    while (left.length > 0 && Date.now() < deadline) {
      await settle(20);
      left = leftovers(before, activeResources(), created.alive());
    }
    report.ensure(left.length === 0, () => `after close() these remain open: ${left.join(", ")}`);
  } finally {
    created.stop();
  }
}

async function useConnector(connector: Connector): Promise<void> {
  if (isSink(connector)) {
    await connector.writeBatch(conformanceRecords(1, 900_001));
    await connector.flush?.();
    return;
  }
  for await (const _page of streamPagesOf(connector, {}, 100)) {
    // reading is all that is needed
  }
}

function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** What `after` holds beyond `before`, plus what was created and is still alive, e.g. `["TCPSocketWrap ×2"]`. */
function leftovers(before: Map<string, number>, after: Map<string, number>, alive: Map<string, number>): string[] {
  const extra = new Map<string, number>();
  for (const [name, count] of after) {
    const more = count - (before.get(name) ?? 0);
    if (more > 0) extra.set(name, more);
  }
  for (const [type, count] of alive) {
    const name = RESOURCE_NAMES[type] ?? type;
    extra.set(name, Math.max(extra.get(name) ?? 0, count));
  }
  return [...extra].map(([name, count]) => (count === 1 ? name : `${name} ×${count}`));
}

/** async_hooks resource types that hold the event loop or a descriptor, and their names in getActiveResourcesInfo. */
const RESOURCE_NAMES: Readonly<Record<string, string>> = {
  Timeout: "Timeout",
  TCPWRAP: "TCPSocketWrap",
  TCPSERVERWRAP: "TCPServerWrap",
  PIPEWRAP: "PipeWrap",
  PIPESERVERWRAP: "PipeServerWrap",
  UDPWRAP: "UDPWrap",
  TLSWRAP: "TLSWrap",
  PROCESSWRAP: "ProcessWrap",
  SIGNALWRAP: "SignalWrap",
  FSEVENTWRAP: "FSEventWrap",
  STATWATCHER: "StatWatcher",
  FILEHANDLE: "FileHandle",
  WORKER: "Worker",
  MESSAGEPORT: "MessagePort",
};

/** Follows every resource of a RESOURCE_NAMES type created from now until `stop()`. */
function trackCreatedResources(): { alive(): Map<string, number>; stop(): void } {
  const live = new Map<number, { type: string; resource: object }>();
  const hook = createHook({
    init(asyncId, type, _trigger, resource) {
      if (type in RESOURCE_NAMES) live.set(asyncId, { type, resource });
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    alive() {
      const counts = new Map<string, number>();
      for (const { type, resource } of live.values()) {
        // An unref'd timer does not keep the process alive (libraries keep shared ones).
        const hasRef = (resource as { hasRef?: () => boolean }).hasRef;
        if (type === "Timeout" && typeof hasRef === "function" && !hasRef.call(resource)) continue;
        // A closed file handle is only destroyed when collected; its fd turns negative on close.
        if (type === "FILEHANDLE" && !((resource as { fd?: number }).fd! >= 0)) continue;
        counts.set(type, (counts.get(type) ?? 0) + 1);
      }
      return counts;
    },
    stop() {
      hook.disable();
    },
  };
}

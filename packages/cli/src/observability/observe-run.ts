/**
 * Observability of one `faucet run`: Prometheus metrics (when `observability.prometheus.listen`
 * is set), OpenTelemetry spans (when an SDK is registered) and the run's lifecycle log lines.
 * Metrics and spans hook in by wrapping the source and sink with faucet-core's
 * `instrumentSource` / `instrumentSink`, so no connector carries metrics code, and nothing is
 * wrapped when nothing observes. prom-client and `@opentelemetry/api` are imported only when used.
 */
import { readFileSync } from "node:fs";
import {
  FaucetError,
  type Instrumentation,
  instrumentSink,
  instrumentSource,
  type LogFields,
  type Logger,
  Pipeline,
  type PipelineProgress,
  type PipelineResult,
  sinkName,
  sourceName,
} from "faucet-core";
import type { ParsedDocument } from "../config/grammar.js";
import type { RunMetrics } from "./metrics.js";
import type { MetricsServer } from "./server.js";
import { type RunTracing, startTracing } from "./tracing.js";

/** The `observability` block of a document, as the run uses it. */
export interface ObservabilitySettings {
  listen?: string;
  buckets?: number[];
  level?: string;
}

/** Reads `observability` from a parsed document. */
export function observabilitySettings(document: ParsedDocument): ObservabilitySettings {
  const o = document.observability;
  return {
    ...(o?.prometheus?.listen ? { listen: o.prometheus.listen } : {}),
    ...(o?.prometheus?.buckets ? { buckets: o.prometheus.buckets } : {}),
    ...(o?.tracing?.level ? { level: o.tracing.level } : {}),
  };
}

/** What to observe. */
export interface ObserveRunOptions {
  pipeline: Pipeline;
  name: string;
  runId: string;
  logger: Logger;
  settings: ObservabilitySettings;
  /** The dead-letter sink, whose name labels the dead-letter counter. */
  deadLetterSink?: { connectorName?(): string };
  /** `info` when logs are explicitly JSON (operators ship them), else `debug`. */
  lifecycleLevel: "info" | "debug";
}

/** The observed run. */
export interface RunObservation {
  /** The pipeline to run: the given one, with its source and sink instrumented when observed. */
  readonly pipeline: Pipeline;
  /** True while `/metrics` is served. */
  readonly serving: boolean;
  /** Feed every committed page's progress here. */
  onProgress(progress: PipelineProgress): void;
  /** Runs the pipeline inside the run span and records how it ended. */
  run(): Promise<PipelineResult>;
  /** Stops serving metrics, after `lingerSeconds` (ended early by SIGINT/SIGTERM). */
  close(lingerSeconds?: number): Promise<void>;
}

/**
 * Sets up whatever observability the run asked for and returns the pipeline to run.
 *
 * @example
 * const observation = await observeRun({ pipeline, name, runId, logger, settings, lifecycleLevel: "debug" });
 * const result = await observation.run();
 * await observation.close();
 */
export async function observeRun(options: ObserveRunOptions): Promise<RunObservation> {
  const { logger, runId, settings } = options;
  const source = sourceName(options.pipeline.source);
  const sink = sinkName(options.pipeline.sink);
  const version = cliVersion();
  let metrics: RunMetrics | undefined;
  let server: MetricsServer | undefined;
  if (settings.listen) {
    const [{ RunMetrics }, { serveMetrics }] = await Promise.all([import("./metrics.js"), import("./server.js")]);
    const deadLetter = options.deadLetterSink?.connectorName?.();
    metrics = new RunMetrics(
      { pipeline: options.name, source, sink, version, ...(deadLetter ? { deadLetter } : {}) },
      settings.buckets,
    );
    server = await serveMetrics(settings.listen, metrics.registry);
    // Said at info only when the port was picked here (":0"): otherwise the config already says
    // it, and a JSON line at info would load pino (tens of ms of CPU) in a run that logs nothing else.
    logger[/:0+$/.test(settings.listen) ? "info" : "debug"]("serving Prometheus metrics", { url: server.url });
  }
  const tracing = await startTracing({ pipeline: options.name, runId, source, sink, version });
  const pipeline = instrumented(options.pipeline, metrics, tracing);
  const lifecycle = (message: string, fields: LogFields) => logger[options.lifecycleLevel](message, fields);

  return {
    pipeline,
    serving: server !== undefined,
    onProgress: (progress) => metrics?.onProgress(progress),
    async run() {
      lifecycle("run started", { pipeline: options.name, source, sink });
      try {
        const result = tracing ? await tracing.within(() => pipeline.run()) : await pipeline.run();
        metrics?.finish({ result });
        tracing?.end({ result });
        lifecycle("run finished", {
          pipeline: options.name,
          status: result.cancelled ? "cancelled" : "ok",
          records_read: result.recordsRead,
          records_written: result.recordsWritten,
          pages: result.pages,
          dead_lettered: result.deadLettered,
          duration_ms: result.durationMs,
        });
        return result;
      } catch (error) {
        metrics?.finish({ error });
        tracing?.end({ error });
        const failure = FaucetError.wrap(error, "custom");
        logger[options.lifecycleLevel === "info" ? "error" : "debug"]("run failed", {
          pipeline: options.name,
          kind: failure.kind,
          error: failure.message,
          ...(failure.connector ? { connector: failure.connector } : {}),
        });
        throw error;
      }
    },
    async close(lingerSeconds = 0) {
      if (!server) return;
      if (lingerSeconds > 0) {
        logger.info("run over; still serving Prometheus metrics", { url: server.url, seconds: lingerSeconds });
        await lingerFor(lingerSeconds * 1000);
      }
      await server.close();
    },
  };
}

function instrumented(pipeline: Pipeline, metrics: RunMetrics | undefined, tracing: RunTracing | undefined): Pipeline {
  if (!metrics && !tracing) return pipeline;
  const instrumentation: Instrumentation = {
    onCall: (event) => {
      metrics?.onCall(event);
      tracing?.onCall(event);
    },
    ...(tracing ? { startSpan: (name, attributes) => tracing.startSpan(name, attributes) } : {}),
  };
  return new Pipeline(
    instrumentSource(pipeline.source, instrumentation),
    instrumentSink(pipeline.sink, instrumentation),
    pipeline.options,
  );
}

/** Waits `ms`, or until SIGINT/SIGTERM. */
function lingerFor(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

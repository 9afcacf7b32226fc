/**
 * The Prometheus metrics of one run, in a Registry of its own (never prom-client's global one).
 * Names and labels follow the Rust faucet-stream's so one dashboard serves both. Counts of
 * records and pages move once per committed page (from the Pipeline's progress), so they agree
 * with the run summary; durations and errors come from the instrumentation wrapped around the
 * connectors, once per call. Nothing here runs per record. Label values are bounded: pipeline
 * and connector names, an operation name, an error kind.
 */
import type { CallEvent, PipelineProgress, PipelineResult } from "faucet-core";
import { FaucetError } from "faucet-core";
import { registerProcessMetrics } from "./process-metrics.js";
import { Counter, Gauge, Histogram, Registry } from "./prom.js";

/** Who the run is: the values of its labels. */
export interface RunLabels {
  pipeline: string;
  source: string;
  sink: string;
  /** The dead-letter sink's name, when the pipeline has one. */
  deadLetter?: string;
  version: string;
}

type Child = { inc(value?: number): void };
type Timer = { observe(value: number): void };

const TOTALS = { pages: 0, recordsRead: 0, recordsWritten: 0, deadLettered: 0 };

/** The metrics of one run and the hooks that move them. */
export class RunMetrics {
  readonly registry = new Registry();
  readonly #labels: RunLabels;
  readonly #sourceRecords: Child;
  readonly #sourcePages: Child;
  readonly #sinkRecords: Child;
  readonly #sinkWrites: Child;
  readonly #deadLettered: Child | undefined;
  readonly #pageDuration: Timer;
  readonly #writeDuration: Timer;
  readonly #flushDuration: Timer;
  readonly #errors = new Map<string, Child>();
  readonly #sourceErrors: Counter<"pipeline" | "connector" | "operation" | "kind">;
  readonly #sinkErrors: Counter<"pipeline" | "connector" | "operation" | "kind">;
  readonly #runs: Counter<"pipeline" | "source" | "sink" | "status" | "kind">;
  readonly #runDuration: Histogram<"pipeline">;
  readonly #inFlight: Gauge<"pipeline">;
  readonly #lastCommit: { set(value: number): void };
  readonly #started = performance.now();
  #seen = { ...TOTALS };
  #finished = false;

  constructor(labels: RunLabels, buckets?: readonly number[]) {
    this.#labels = labels;
    const registers = [this.registry];
    const on = ["pipeline", "connector"] as const;
    const p = labels.pipeline;
    // Every series is created at 0 so dashboards and rate() see it before the first event.
    const counter = (name: string, help: string, connector: string) => {
      const child = new Counter({ name, help, labelNames: on, registers }).labels(p, connector);
      child.inc(0);
      return child;
    };
    const histogram = (name: string, help: string, connector: string) => {
      const metric = new Histogram({
        name,
        help,
        labelNames: on,
        registers,
        ...(buckets ? { buckets: [...buckets] } : {}),
      });
      metric.zero({ pipeline: p, connector });
      return metric.labels(p, connector);
    };
    const errors = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ["pipeline", "connector", "operation", "kind"] as const, registers });

    this.#sourceRecords = counter(
      "faucet_source_records_total",
      "Records read from the source (counted per committed page).",
      labels.source,
    );
    this.#sourcePages = counter(
      "faucet_source_pages_total",
      "Pages read from the source and committed to the sink.",
      labels.source,
    );
    this.#pageDuration = histogram(
      "faucet_source_page_duration_seconds",
      "Time to read one page from the source.",
      labels.source,
    );
    this.#sourceErrors = errors("faucet_source_errors_total", "Failed source calls, by operation and error kind.");
    this.#sinkRecords = counter("faucet_sink_records_total", "Records written by the sink.", labels.sink);
    this.#sinkWrites = counter("faucet_sink_writes_total", "Successful page writes (one per page).", labels.sink);
    this.#writeDuration = histogram(
      "faucet_sink_write_duration_seconds",
      "Time to write one page to the sink.",
      labels.sink,
    );
    this.#flushDuration = histogram(
      "faucet_sink_flush_duration_seconds",
      "Time to flush the sink before a bookmark is saved.",
      labels.sink,
    );
    this.#sinkErrors = errors(
      "faucet_sink_errors_total",
      "Failed sink calls (each failed attempt, retried or not), by operation and error kind.",
    );
    this.#deadLettered = labels.deadLetter
      ? counter(
          "faucet_sink_dlq_records_total",
          "Records sent to the dead-letter sink instead of the sink.",
          labels.deadLetter,
        )
      : undefined;
    this.#runs = new Counter({
      name: "faucet_pipeline_runs_total",
      help: "Finished runs by status (ok, err, cancelled); kind is the error kind of a failed run.",
      labelNames: ["pipeline", "source", "sink", "status", "kind"] as const,
      registers,
    });
    this.#runDuration = new Histogram({
      name: "faucet_pipeline_run_duration_seconds",
      help: "Wall time of finished runs.",
      labelNames: ["pipeline"] as const,
      buckets: [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 10800],
      registers,
    });
    this.#inFlight = new Gauge({
      name: "faucet_pipeline_in_flight",
      help: "1 while the run is in progress.",
      labelNames: ["pipeline"] as const,
      registers,
    });
    this.#lastCommit = new Gauge({
      name: "faucet_pipeline_last_commit_unix_seconds",
      help: "When the last page was committed (Unix time); alert on time() minus this.",
      labelNames: ["pipeline"] as const,
      registers,
    }).labels(p);
    new Gauge({
      name: "faucet_pipeline_start_time_unix_seconds",
      help: "When the run started (Unix time).",
      labelNames: ["pipeline"] as const,
      registers,
    })
      .labels(p)
      .set(Date.now() / 1000);
    new Gauge({
      name: "faucet_build_info",
      help: "Always 1; the version label says which faucet-cli runs.",
      labelNames: ["version"] as const,
      registers,
    })
      .labels(labels.version)
      .set(1);
    this.#inFlight.labels(p).set(1);
    registerProcessMetrics(this.registry);
  }

  /** Called once per connector call by the instrumentation. */
  onCall(event: CallEvent): void {
    if (event.error) {
      this.#countError(event);
      return;
    }
    const seconds = event.durationMs / 1000;
    if (event.role === "source") {
      // A read that brought no records is the end-of-stream poll (or an empty page): not a page's time.
      if ((event.operation === "read" || event.operation === "fetch") && event.records !== 0) {
        this.#pageDuration.observe(seconds);
      }
    } else if (event.operation === "write") {
      this.#writeDuration.observe(seconds);
      this.#sinkWrites.inc();
    } else if (event.operation === "flush") {
      this.#flushDuration.observe(seconds);
    }
  }

  /** Called after every committed page: moves the counters by what the page added. */
  onProgress(progress: PipelineProgress): void {
    this.#advance(progress);
    this.#lastCommit.set(Date.now() / 1000);
  }

  /** Called once when the run ends: settles the counters on the final totals and counts the run. */
  finish(outcome: { result: PipelineResult } | { error: unknown }): void {
    if (this.#finished) return;
    this.#finished = true;
    const { pipeline, source, sink } = this.#labels;
    let status: string;
    let kind = "";
    if ("result" in outcome) {
      this.#advance(outcome.result);
      status = outcome.result.cancelled ? "cancelled" : "ok";
    } else {
      status = FaucetError.is(outcome.error, "cancelled") ? "cancelled" : "err";
      if (status === "err") kind = outcome.error instanceof FaucetError ? outcome.error.kind : "custom";
    }
    this.#runs.labels(pipeline, source, sink, status, kind).inc();
    this.#runDuration.labels(pipeline).observe((performance.now() - this.#started) / 1000);
    this.#inFlight.labels(pipeline).set(0);
  }

  #advance(now: typeof TOTALS): void {
    const seen = this.#seen;
    if (now.recordsRead > seen.recordsRead) this.#sourceRecords.inc(now.recordsRead - seen.recordsRead);
    if (now.pages > seen.pages) this.#sourcePages.inc(now.pages - seen.pages);
    if (now.recordsWritten > seen.recordsWritten) this.#sinkRecords.inc(now.recordsWritten - seen.recordsWritten);
    if (now.deadLettered > seen.deadLettered) this.#deadLettered?.inc(now.deadLettered - seen.deadLettered);
    this.#seen = {
      pages: Math.max(seen.pages, now.pages),
      recordsRead: Math.max(seen.recordsRead, now.recordsRead),
      recordsWritten: Math.max(seen.recordsWritten, now.recordsWritten),
      deadLettered: Math.max(seen.deadLettered, now.deadLettered),
    };
  }

  #countError(event: CallEvent): void {
    const kind = event.error?.kind ?? "custom";
    const key = `${event.role}\u0000${event.connector}\u0000${event.operation}\u0000${kind}`;
    let child = this.#errors.get(key);
    if (!child) {
      const counter = event.role === "source" ? this.#sourceErrors : this.#sinkErrors;
      child = counter.labels(this.#labels.pipeline, event.connector, event.operation, kind);
      this.#errors.set(key, child);
    }
    child.inc();
  }
}

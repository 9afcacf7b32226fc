/**
 * The Prometheus metrics of one run, in a Registry of its own (never prom-client's global one).
 * Names and labels follow the Rust faucet-stream's so one dashboard serves both. Counts of
 * records and pages follow the Pipeline's progress (once per committed page), so they agree with
 * the run summary; durations and errors come from the instrumentation wrapped around the
 * connectors, once per call. Nothing runs per record, and even per page the run only stores
 * numbers: prom-client receives them when `/metrics` is scraped (its `collect` hooks), which
 * measurably costs less than calling it three or four times a page. Label values are bounded:
 * pipeline and connector names, an operation name, an error kind.
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

/** Durations kept until the next scrape (or until this many), then observed in one loop. */
const PENDING_DURATIONS = 512;

interface Totals {
  pages: number;
  recordsRead: number;
  recordsWritten: number;
  deadLettered: number;
  writes: number;
}

/** The metrics of one run and the hooks that move them. */
export class RunMetrics {
  readonly registry = new Registry();
  readonly #labels: RunLabels;
  readonly #totals: Totals = { pages: 0, recordsRead: 0, recordsWritten: 0, deadLettered: 0, writes: 0 };
  readonly #pageDuration: (seconds: number) => void;
  readonly #writeDuration: (seconds: number) => void;
  readonly #flushDuration: (seconds: number) => void;
  readonly #sourceErrors: Counter<"pipeline" | "connector" | "operation" | "kind">;
  readonly #sinkErrors: Counter<"pipeline" | "connector" | "operation" | "kind">;
  readonly #runs: Counter<"pipeline" | "source" | "sink" | "status" | "kind">;
  readonly #runDuration: Histogram<"pipeline">;
  readonly #inFlight: Gauge<"pipeline">;
  readonly #started = performance.now();
  #lastCommit = 0;
  #finished = false;

  constructor(labels: RunLabels, buckets?: readonly number[]) {
    this.#labels = labels;
    const registers = [this.registry];
    const on = ["pipeline", "connector"] as const;
    const p = labels.pipeline;
    const totals = this.#totals;
    // A counter that reads its total when scraped; created at 0 so rate() sees it from the start.
    const total = (name: string, help: string, connector: string, read: () => number) => {
      let pushed = 0;
      new Counter({
        name,
        help,
        labelNames: on,
        registers,
        collect() {
          const now = read();
          this.labels(p, connector).inc(Math.max(0, now - pushed));
          pushed = Math.max(pushed, now);
        },
      });
    };
    // A histogram fed from a small buffer of durations, emptied when scraped or full.
    const durations = (name: string, help: string, connector: string) => {
      const pending = new Float64Array(PENDING_DURATIONS);
      let size = 0;
      const metric = new Histogram({
        name,
        help,
        labelNames: on,
        registers,
        ...(buckets ? { buckets: [...buckets] } : {}),
        collect: () => flush(),
      });
      metric.zero({ pipeline: p, connector });
      const child = metric.labels(p, connector);
      const flush = () => {
        for (let i = 0; i < size; i++) child.observe(pending[i] as number);
        size = 0;
      };
      return (seconds: number) => {
        pending[size++] = seconds;
        if (size === PENDING_DURATIONS) flush();
      };
    };
    const errors = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ["pipeline", "connector", "operation", "kind"] as const, registers });
    const gauge = (name: string, help: string, collect?: (this: Gauge<"pipeline">) => void) =>
      new Gauge({ name, help, labelNames: ["pipeline"] as const, registers, ...(collect ? { collect } : {}) });

    total(
      "faucet_source_records_total",
      "Records read from the source (counted per committed page).",
      labels.source,
      () => totals.recordsRead,
    );
    total(
      "faucet_source_pages_total",
      "Pages read from the source and committed to the sink.",
      labels.source,
      () => totals.pages,
    );
    this.#pageDuration = durations(
      "faucet_source_page_duration_seconds",
      "Time to read one page from the source.",
      labels.source,
    );
    this.#sourceErrors = errors("faucet_source_errors_total", "Failed source calls, by operation and error kind.");
    total("faucet_sink_records_total", "Records written by the sink.", labels.sink, () => totals.recordsWritten);
    total("faucet_sink_writes_total", "Successful page writes (one per page).", labels.sink, () => totals.writes);
    this.#writeDuration = durations(
      "faucet_sink_write_duration_seconds",
      "Time to write one page to the sink.",
      labels.sink,
    );
    this.#flushDuration = durations(
      "faucet_sink_flush_duration_seconds",
      "Time to flush the sink before a bookmark is saved.",
      labels.sink,
    );
    this.#sinkErrors = errors(
      "faucet_sink_errors_total",
      "Failed sink calls (each failed attempt, retried or not), by operation and error kind.",
    );
    if (labels.deadLetter) {
      total(
        "faucet_sink_dlq_records_total",
        "Records sent to the dead-letter sink instead of the sink.",
        labels.deadLetter,
        () => totals.deadLettered,
      );
    }
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
    this.#inFlight = gauge("faucet_pipeline_in_flight", "1 while the run is in progress.");
    const metrics = this;
    gauge(
      "faucet_pipeline_last_commit_unix_seconds",
      "When the last page was committed (Unix time); alert on time() minus this.",
      function () {
        if (metrics.#lastCommit > 0) this.labels(p).set(metrics.#lastCommit);
      },
    );
    gauge("faucet_pipeline_start_time_unix_seconds", "When the run started (Unix time).")
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
        this.#pageDuration(seconds);
      }
    } else if (event.operation === "write") {
      this.#writeDuration(seconds);
      this.#totals.writes++;
    } else if (event.operation === "flush") {
      this.#flushDuration(seconds);
    }
  }

  /** Called after every committed page. */
  onProgress(progress: PipelineProgress): void {
    this.#advance(progress);
    this.#lastCommit = Date.now() / 1000;
  }

  /** Called once when the run ends: settles the totals on the result and counts the run. */
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

  #advance(now: Omit<Totals, "writes">): void {
    const t = this.#totals;
    if (now.pages > t.pages) t.pages = now.pages;
    if (now.recordsRead > t.recordsRead) t.recordsRead = now.recordsRead;
    if (now.recordsWritten > t.recordsWritten) t.recordsWritten = now.recordsWritten;
    if (now.deadLettered > t.deadLettered) t.deadLettered = now.deadLettered;
  }

  #countError(event: CallEvent): void {
    const counter = event.role === "source" ? this.#sourceErrors : this.#sinkErrors;
    counter.labels(this.#labels.pipeline, event.connector, event.operation, event.error?.kind ?? "custom").inc();
  }
}

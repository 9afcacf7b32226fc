// Observability of `faucet run`: the Prometheus endpoint and its agreement with the run summary,
// the observability config block, and which modules a run loads.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { BIN, faucet, startFaucet, TICKER_SOURCE, tempDir, waitFor, write } from "./helpers.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/observability/", import.meta.url));
const CHATTY_SINK = join(FIXTURES, "chatty-sink.mjs");
const RECORD_LOADS = fileURLToPath(new URL("./fixtures/record-loads.mjs", import.meta.url));
const RECORD_REQUIRED = join(FIXTURES, "record-required.cjs");

/** A ticker → chatty pipeline with a JSON Lines dead-letter sink; `extra` goes at the top level. */
function project(options: { source?: string; sink?: string; extra?: string } = {}): string {
  const dir = tempDir();
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: ticks
plugins: [${TICKER_SOURCE}, ${CHATTY_SINK}]
${options.extra ?? ""}
pipeline:
  source: { type: ticker, config: { ${options.source ?? "page_size: 10, pages: 5"} } }
  sink: { type: chatty, config: { path: out.jsonl, ${options.sink ?? "reject_every: 7"} } }
  dlq:
    sink: { type: jsonl, config: { path: dlq.jsonl } }
  state: { type: memory }
`,
  );
  return dir;
}

const PROMETHEUS = `observability:\n  prometheus:\n    listen: "127.0.0.1:0"`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (the subset prom-client writes). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k as string] = v as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The one sample of `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name}`);
  return found[0]?.value;
}

/** The metrics URL a run logged (JSON log lines, as off a terminal). */
function metricsUrl(stderr: string): string | undefined {
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === "serving Prometheus metrics") return entry.url;
  }
  return undefined;
}

async function scrape(url: string): Promise<{ status: number; type: string | null; samples: Sample[] }> {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    samples: parseMetrics(await response.text()),
  };
}

/** Runs with --metrics-linger, scrapes once the summary is out, then ends the linger with SIGTERM. */
async function runAndScrape(dir: string, args: string[] = []) {
  const run = startFaucet(["run", "--output", "json", "--metrics-linger", "60", ...args], { cwd: dir });
  await waitFor(() => run.output().stdout.includes("\n") && metricsUrl(run.output().stderr) !== undefined, 30_000);
  const url = metricsUrl(run.output().stderr) as string;
  const scraped = await scrape(url);
  run.child.kill("SIGTERM");
  const done = await run.done;
  return { ...done, url, ...scraped, summary: JSON.parse(done.stdout) as Record<string, unknown> };
}

describe("Prometheus metrics", () => {
  test("after the run, /metrics agrees with the --output json summary on every count", async () => {
    const dir = project({ extra: PROMETHEUS });
    const run = await runAndScrape(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.status).toBe(200);
    expect(run.type).toContain("text/plain");
    const { summary, samples } = run;
    expect(summary).toMatchObject({ records_read: 50, records_written: 43, pages: 5, dead_lettered: 7 });

    const source = { pipeline: "ticks", connector: "source-ticker" };
    const sink = { pipeline: "ticks", connector: "sink-chatty" };
    expect(value(samples, "faucet_source_records_total", source)).toBe(summary.records_read);
    expect(value(samples, "faucet_source_pages_total", source)).toBe(summary.pages);
    expect(value(samples, "faucet_sink_records_total", sink)).toBe(summary.records_written);
    expect(value(samples, "faucet_sink_dlq_records_total", { pipeline: "ticks", connector: "sink-jsonl" })).toBe(
      summary.dead_lettered,
    );
    // One write per page; a flush per bookmarked page plus the final one; a page read per page.
    expect(value(samples, "faucet_sink_writes_total", sink)).toBe(5);
    expect(value(samples, "faucet_sink_write_duration_seconds_count", sink)).toBe(5);
    expect(value(samples, "faucet_sink_flush_duration_seconds_count", sink)).toBe(6);
    expect(value(samples, "faucet_source_page_duration_seconds_count", source)).toBe(5);
    expect(
      value(samples, "faucet_pipeline_runs_total", {
        pipeline: "ticks",
        source: "source-ticker",
        sink: "sink-chatty",
        status: "ok",
      }),
    ).toBe(1);
    expect(value(samples, "faucet_pipeline_in_flight", { pipeline: "ticks" })).toBe(0);
    expect(value(samples, "faucet_build_info")).toBe(1);
    expect(samples.some((s) => s.name === "process_cpu_seconds_total")).toBe(true);
    // Bounded labels only: nothing per record or per run on any faucet metric.
    const allowed = ["connector", "kind", "le", "operation", "pipeline", "sink", "source", "status", "version"];
    const keys = samples.filter((s) => s.name.startsWith("faucet_")).flatMap((s) => Object.keys(s.labels));
    expect(keys.filter((k) => !allowed.includes(k))).toEqual([]);
    // SIGTERM ended the linger: the endpoint is gone.
    await expect(fetch(run.url)).rejects.toThrow();
  });

  test("while the run is in progress the endpoint is up, in flight, and counting", async () => {
    const dir = project({ extra: PROMETHEUS, source: "page_size: 5, pages: 0, delay_ms: 40" });
    const run = startFaucet(["run"], { cwd: dir });
    await waitFor(() => metricsUrl(run.output().stderr) !== undefined, 30_000);
    const url = metricsUrl(run.output().stderr) as string;
    let samples: Sample[] = [];
    for (let i = 0; i < 200; i++) {
      samples = (await scrape(url)).samples;
      if ((value(samples, "faucet_source_pages_total") ?? 0) >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(value(samples, "faucet_pipeline_in_flight", { pipeline: "ticks" })).toBe(1);
    expect(value(samples, "faucet_source_pages_total")).toBeGreaterThanOrEqual(3);
    expect((await fetch(url.replace("/metrics", "/other"))).status).toBe(404);
    run.child.kill("SIGINT");
    const done = await run.done;
    expect(done.code).toBe(130);
    // Without --metrics-linger the endpoint closes with the run.
    await expect(fetch(url)).rejects.toThrow();
  });

  test("a failed run counts its errors by kind and operation, and its failure", async () => {
    const dir = project({ extra: PROMETHEUS, sink: 'fail_with: "disk full"' });
    const run = await runAndScrape(dir);
    expect(run.code).toBe(1);
    expect(run.summary).toMatchObject({ status: "failed", error: { kind: "sink" } });
    const errors = run.samples.filter((s) => s.name === "faucet_sink_errors_total");
    expect(errors.map((s) => s.labels)).toEqual([
      { pipeline: "ticks", connector: "sink-chatty", operation: "write", kind: "sink" },
    ]);
    expect(errors[0]?.value).toBeGreaterThanOrEqual(1);
    expect(value(run.samples, "faucet_pipeline_runs_total", { pipeline: "ticks", status: "err", kind: "sink" })).toBe(
      1,
    );
    expect(value(run.samples, "faucet_sink_records_total")).toBe(0);
    // The failure was printed before the linger, not after it.
    expect(run.stderr).toContain("write refused: disk full");
  });

  test("observability.prometheus.buckets sets the duration histograms' buckets", async () => {
    const dir = project({
      extra: `observability:\n  prometheus:\n    listen: "127.0.0.1:0"\n    buckets: [0.5, 2]`,
    });
    const run = await runAndScrape(dir);
    const les = run.samples
      .filter((s) => s.name === "faucet_sink_write_duration_seconds_bucket")
      .map((s) => s.labels.le);
    expect(les).toEqual(["0.5", "2", "+Inf"]);
  });
});

describe("the observability config block", () => {
  test("a bad listen address, a taken port and an unsupported otel block are config errors", async () => {
    const bad = project({ extra: `observability:\n  prometheus:\n    listen: "localhost"` });
    const badRun = faucet(["run"], { cwd: bad });
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toContain("observability.prometheus.listen");
    expect(badRun.stderr).toContain('expected "host:port"');

    const unsorted = project({
      extra: `observability:\n  prometheus:\n    listen: "127.0.0.1:0"\n    buckets: [1, 0.5]`,
    });
    expect(faucet(["validate"], { cwd: unsorted }).stderr).toContain("strictly increasing");

    const otel = project({ extra: `observability:\n  otel:\n    endpoint: http://127.0.0.1:4317` });
    const otelRun = faucet(["run"], { cwd: otel });
    expect(otelRun.code).toBe(2);
    expect(otelRun.stderr).toContain("`observability.otel`: not supported by this version of faucet");

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const dir = project({ extra: `observability:\n  prometheus:\n    listen: "127.0.0.1:${port}"` });
      const run = faucet(["run"], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`cannot serve metrics on 127.0.0.1:${port}: the address is already in use`);
      // Nothing was written: the endpoint is set up before the first page.
      expect(() => readFileSync(join(dir, "out.jsonl"))).toThrow();
    } finally {
      taken.close();
    }
  });

  test("--metrics-linger without a listen address warns and changes nothing", () => {
    const dir = project();
    const run = faucet(["run", "--metrics-linger", "30"], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("--metrics-linger has no effect without observability.prometheus.listen");
  });
});

describe("lazy loading", () => {
  /** Packages among pino, prom-client and @opentelemetry/* that `faucet run` loaded, ESM or CommonJS. */
  function observabilityPackages(dir: string, args: string[] = []): string[] {
    const loads = join(tempDir(), "loads.txt");
    const required = join(tempDir(), "required.txt");
    const result = spawnSync(
      process.execPath,
      ["--import", RECORD_LOADS, "--require", RECORD_REQUIRED, BIN, "run", ...args],
      { cwd: dir, env: { ...process.env, LOADS_FILE: loads, REQUIRED_FILE: required }, encoding: "utf8" },
    );
    expect(result.status, result.stderr).toBe(0);
    const paths = [...readFileSync(loads, "utf8").split("\n"), ...readFileSync(required, "utf8").split("\n")];
    const found = new Set<string>();
    for (const path of paths) {
      const match = /\/node_modules\/(pino|prom-client|@opentelemetry\/[^/]+)\//.exec(path);
      if (match) found.add(match[1] as string);
    }
    return [...found].sort();
  }

  test("a plain CSV run loads neither prom-client, pino nor @opentelemetry/api; metrics load prom-client", () => {
    const dir = tempDir();
    write(dir, "in.csv", "id\n1\n2\n");
    const config = `pipeline:\n  source: { type: csv, config: { path: in.csv } }\n  sink: { type: jsonl, config: { path: out.jsonl } }\n  state: { type: memory }\n`;
    write(dir, "faucet.yaml", `version: 1\n${config}`);
    expect(observabilityPackages(dir)).toEqual([]);
    expect(observabilityPackages(dir, ["--log-format", "json"])).toEqual(["pino"]);
    write(dir, "faucet.yaml", `version: 1\nobservability: { prometheus: { listen: "127.0.0.1:0" } }\n${config}`);
    expect(observabilityPackages(dir)).toEqual(["pino", "prom-client"]);
  });
});

// OpenTelemetry spans of `faucet run`, received by a real SDK (sdk-trace-base with an in-memory
// exporter) registered with `node --import`, exactly as docs/observability.md tells users to.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { BIN, TICKER_SOURCE, tempDir, write } from "./helpers.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/observability/", import.meta.url));
const CHATTY_SINK = join(FIXTURES, "chatty-sink.mjs");
const REGISTER_SDK = join(FIXTURES, "otel-register.mjs");
const SECRET = "tr4ce-Secret-Value-77";

interface ExportedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, string | number | boolean>;
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
}

/** Runs `faucet run --output json` with the SDK registered; returns the exit code, outputs and spans. */
function tracedRun(sinkConfig: string) {
  const dir = tempDir();
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: traced
plugins: [${TICKER_SOURCE}, ${CHATTY_SINK}]
pipeline:
  source: { type: ticker, config: { page_size: 4, pages: 3 } }
  sink: { type: chatty, config: { path: out.jsonl, token: "\${env:TOKEN}", ${sinkConfig} } }
  state: { type: memory }
`,
  );
  const spansFile = join(dir, "spans.json");
  const result = spawnSync(
    process.execPath,
    ["--import", REGISTER_SDK, BIN, "run", "--output", "json", "--log-format", "json"],
    { cwd: dir, env: { ...process.env, SPANS_FILE: spansFile, TOKEN: SECRET }, encoding: "utf8", timeout: 60_000 },
  );
  const spans = existsSync(spansFile) ? (JSON.parse(readFileSync(spansFile, "utf8")) as ExportedSpan[]) : [];
  const runId = result.stderr
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => (JSON.parse(l) as { run_id?: string }).run_id)[0];
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    spans,
    runId,
    spansText: JSON.stringify(spans),
  };
}

describe("OpenTelemetry spans", () => {
  test("a run span, and a child span per page read, page write and flush, with names and attributes", () => {
    const run = tracedRun("delay_ms: 0");
    expect(run.code, run.stderr).toBe(0);
    const root = run.spans.filter((s) => s.name === "faucet.run");
    expect(root).toHaveLength(1);
    const runSpan = root[0] as ExportedSpan;
    expect(runSpan.parentSpanId).toBeUndefined();
    expect(runSpan.attributes).toEqual({
      "faucet.pipeline": "traced",
      "faucet.run_id": run.runId,
      "faucet.source": "source-ticker",
      "faucet.sink": "sink-chatty",
      "faucet.records_read": 12,
      "faucet.records_written": 12,
      "faucet.pages": 3,
      "faucet.dead_lettered": 0,
      "faucet.cancelled": false,
    });
    expect(runSpan.status.code).toBe(0);
    expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);

    const children = run.spans.filter((s) => s !== runSpan);
    for (const span of children) {
      expect(span.traceId).toBe(runSpan.traceId);
      expect(span.parentSpanId).toBe(runSpan.spanId);
      expect(span.attributes["faucet.pipeline"]).toBe("traced");
      expect(span.attributes["faucet.run_id"]).toBe(run.runId);
    }
    const writes = children.filter((s) => s.name === "faucet.sink.write");
    expect(writes.map((s) => [s.attributes["faucet.connector"], s.attributes["faucet.records"]])).toEqual([
      ["sink-chatty", 4],
      ["sink-chatty", 4],
      ["sink-chatty", 4],
    ]);
    // Three pages and the end-of-stream read; a flush per bookmarked page and one at the end.
    const reads = children.filter((s) => s.name === "faucet.source.page");
    expect(reads.map((s) => s.attributes["faucet.records"])).toEqual([4, 4, 4, 0]);
    expect(reads.every((s) => s.attributes["faucet.connector"] === "source-ticker")).toBe(true);
    expect(children.filter((s) => s.name === "faucet.sink.flush")).toHaveLength(4);
    expect(new Set(children.map((s) => s.name))).toEqual(
      new Set(["faucet.source.page", "faucet.sink.write", "faucet.sink.flush"]),
    );
  });

  test("a failed write: error status on the write span and the run span, with the secret redacted", () => {
    const run = tracedRun(`fail_with: "rejected for \${env:TOKEN}"`);
    expect(run.code).toBe(1);
    const failed = run.spans.filter((s) => s.status.code === 2);
    expect(failed.map((s) => s.name).sort()).toEqual(["faucet.run", "faucet.sink.write"]);
    for (const span of failed) {
      expect(span.status.message).toContain("write refused: rejected for ***");
      expect(span.attributes["faucet.error.kind"]).toBe("sink");
      expect(span.events[0]).toMatchObject({
        name: "exception",
        attributes: { "exception.message": span.status.message },
      });
    }
    expect(run.spansText).not.toContain(SECRET);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });
});

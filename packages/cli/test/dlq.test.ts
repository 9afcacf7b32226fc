// The dead-letter path through the real binary: per-row rejections from SQLite constraints,
// failure budgets, `faucet dlq inspect` and `faucet dlq replay` round trips.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Database from "libsql";
import { describe, expect, test } from "vitest";
import { faucet, startFaucet, TICKER_SOURCE, tempDir, waitFor, write } from "./helpers.js";

/** A SQLite table whose CHECK refuses the given values of `n`. */
function table(dir: string, refuse: number[]): void {
  const db = new Database(join(dir, "out.db"));
  db.exec("DROP TABLE IF EXISTS t");
  const check = refuse.length ? ` CHECK (n NOT IN (${refuse.join(", ")}))` : "";
  db.exec(`CREATE TABLE t (n INTEGER NOT NULL${check})`);
  db.close();
}

/** Swaps the table for one without the CHECK, keeping its rows: the destination was fixed. */
function fixTable(dir: string): void {
  const db = new Database(join(dir, "out.db"));
  db.exec(
    "CREATE TABLE t2 (n INTEGER NOT NULL); INSERT INTO t2 SELECT n FROM t; DROP TABLE t; ALTER TABLE t2 RENAME TO t",
  );
  db.close();
}

function rows(dir: string): { count: number; distinct: number; sum: number } {
  const db = new Database(join(dir, "out.db"));
  const row = db
    .prepare("SELECT count(*) AS count, count(DISTINCT n) AS dist, coalesce(sum(n), 0) AS total FROM t")
    .get() as {
    count: number;
    dist: number;
    total: number;
  };
  db.close();
  return { count: row.count, distinct: row.dist, sum: row.total };
}

const jsonLines = (file: string) =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

function pipeline(
  dir: string,
  options: { pageSize?: number; pages?: number; dlq?: string; execution?: string; append?: boolean } = {},
) {
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: ticks
plugins: [${TICKER_SOURCE}]
pipeline:
  source:
    type: ticker
    config: { page_size: ${options.pageSize ?? 1000}, pages: ${options.pages ?? 1} }
  sink:
    type: sqlite
    config: { database_url: out.db, table_name: t, column_mapping: auto_map }
  dlq:
    sink: { type: jsonl, config: { path: dlq.jsonl${options.append === false ? "" : ", append: true"} } }
${options.dlq ?? ""}${options.execution ?? ""}`,
  );
}

const bookmark = (dir: string) => {
  const got = faucet(["state", "get", "-o", "json"], { cwd: dir });
  expect(got.code, got.stderr).toBe(0);
  return JSON.parse(got.stdout).value;
};

describe("dead letters from a run", () => {
  test("a page with 3 bad rows out of 1000 writes 997, dead-letters 3, and the bookmark moves", () => {
    const dir = tempDir();
    table(dir, [333, 666, 999]);
    pipeline(dir);
    const run = faucet(["run", "-o", "json"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      records_read: 1000,
      records_written: 997,
      dead_lettered: 3,
      bookmark: { n: 1000 },
    });
    expect(rows(dir)).toEqual({ count: 997, distinct: 997, sum: 500500 - 1998 });
    expect(bookmark(dir)).toEqual({ n: 1000 });
    const envelopes = jsonLines(join(dir, "dlq.jsonl"));
    expect(envelopes.map((e) => e.payload)).toEqual([{ n: 333 }, { n: 666 }, { n: 999 }]);
    for (const e of envelopes) {
      expect(Object.keys(e).sort()).toEqual(["error", "payload", "pipeline", "reason", "record_index", "ts"]);
      expect(e).toMatchObject({ reason: "sink_rejected", pipeline: "ticks", error: { kind: "sink" } });
      expect((e.error as { message: string }).message).toContain("CHECK constraint failed");
    }
    expect(envelopes.map((e) => e.record_index)).toEqual([332, 665, 998]);
  });

  test("dead letters of successive runs accumulate, even in a jsonl DLQ sink without append: true", () => {
    const dir = tempDir();
    table(dir, [333, 1332]);
    pipeline(dir, { append: false });
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    expect(jsonLines(join(dir, "dlq.jsonl")).map((e) => e.payload)).toEqual([{ n: 333 }, { n: 1332 }]);
    expect(rows(dir).count).toBe(1998);
  });

  test("max_failures_per_page exceeded: exit 1 after the page's good rows and its bookmark are committed", () => {
    const dir = tempDir();
    table(dir, [333, 666, 999]);
    pipeline(dir, { pageSize: 500, pages: 2, dlq: "    max_failures_per_page: 1\n" });
    const run = faucet(["run"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("page 2: 2 records failed, more than the allowed 1");
    // Page 1 (333 refused) was within budget, page 2 (666, 999) over it: both are committed.
    expect(rows(dir).count).toBe(997);
    expect(jsonLines(join(dir, "dlq.jsonl"))).toHaveLength(3);
    expect(bookmark(dir)).toEqual({ n: 1000 });
  });

  test("max_failures_total exceeded: the run stops at the page that crossed it, with that page committed", () => {
    const dir = tempDir();
    table(dir, [333, 666, 999]);
    pipeline(dir, { pageSize: 250, pages: 4, dlq: "    max_failures_total: 1\n" });
    const run = faucet(["run"], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the run: 2 records failed, more than the allowed 1");
    expect(rows(dir)).toEqual({ count: 748, distinct: 748, sum: (750 * 751) / 2 - 333 - 666 });
    expect(jsonLines(join(dir, "dlq.jsonl")).map((e) => e.payload)).toEqual([{ n: 333 }, { n: 666 }]);
    expect(bookmark(dir)).toEqual({ n: 750 });
    // The next run resumes after page 3: nothing committed is written twice.
    fixTable(dir);
    const next = faucet(["run", "-o", "json"], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    // (the ticker emits `pages` more pages after its bookmark: 751 … 1750)
    expect(JSON.parse(next.stdout).records_written).toBe(1000);
    expect(rows(dir)).toEqual({ count: 1748, distinct: 1748, sum: (1750 * 1751) / 2 - 333 - 666 });
  });
});

describe("faucet dlq inspect", () => {
  test("summarizes by reason, error kind and pipeline, with samples, timestamps and malformed lines", () => {
    const dir = tempDir();
    table(dir, [333, 666, 999]);
    pipeline(dir);
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    const file = join(dir, "dlq.jsonl");
    writeFileSync(file, `${readFileSync(file, "utf8")}not json\n\n{"no":"payload"}\n`);
    const text = faucet(["dlq", "inspect", "dlq.jsonl", "--samples", "2"], { cwd: dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("dlq.jsonl: 3 dead-lettered records");
    expect(text.stdout).toMatch(/by reason:\n\s+sink_rejected\s+3/);
    expect(text.stdout).toMatch(/by error kind:\n\s+sink\s+3/);
    expect(text.stdout).toMatch(/by pipeline:\n\s+ticks\s+3/);
    expect(text.stdout).toContain("samples (first 2):");
    expect(text.stdout).toContain('payload {"n":333}');
    expect(text.stdout).toContain("malformed lines: 2");
    expect(text.stdout).toContain("line 4: not JSON");
    expect(text.stdout).toContain('line 6: not a dead-letter envelope (no "payload")');

    const json = faucet(["dlq", "inspect", file, "-o", "json"], { cwd: dir });
    const summary = JSON.parse(json.stdout);
    expect(summary).toMatchObject({
      file,
      lines: 6,
      envelopes: 3,
      by_reason: { sink_rejected: 3 },
      by_error_kind: { sink: 3 },
      by_pipeline: { ticks: 3 },
      malformed: 2,
    });
    expect(summary.malformed_lines.map((m: { line: number }) => m.line)).toEqual([4, 6]);
    expect(summary.samples).toHaveLength(3);
    expect(summary.first_ts <= summary.last_ts).toBe(true);
  });

  test("streams a big file (200,000 envelopes) and counts every one", () => {
    const dir = tempDir();
    const reasons = ["sink_rejected", "transform_rejected", "poison", "batch_failed"];
    const parts: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const ts = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString();
      parts.push(
        JSON.stringify({
          error: { kind: i % 2 ? "sink" : "transform", message: `row ${i} refused` },
          reason: reasons[i % 4],
          payload: { id: i, name: `name ${i}` },
          ts,
          pipeline: i % 10 === 0 ? "a" : "b",
          record_index: i % 1000,
        }),
      );
    }
    writeFileSync(join(dir, "big.jsonl"), `${parts.join("\n")}\n`);
    const started = performance.now();
    const json = faucet(["dlq", "inspect", "big.jsonl", "-o", "json"], { cwd: dir });
    console.log(`dlq inspect: 200,000 envelopes in ${Math.round(performance.now() - started)} ms (process included)`);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary).toMatchObject({
      envelopes: 200_000,
      malformed: 0,
      by_reason: { sink_rejected: 50_000, transform_rejected: 50_000, poison: 50_000, batch_failed: 50_000 },
      by_error_kind: { sink: 100_000, transform: 100_000 },
      by_pipeline: { a: 20_000, b: 180_000 },
      first_ts: "2026-01-01T00:00:00.000Z",
      last_ts: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 199_999)).toISOString(),
    });
  });

  test("CRLF line ends, no final newline, multi-byte text across read chunks, and .gz files", () => {
    const dir = tempDir();
    const envelope = (i: number) =>
      JSON.stringify({
        error: { kind: "sink", message: "refusé" },
        reason: "sink_rejected",
        payload: { id: i, text: "é😀".repeat(10_000 + i) },
        ts: "2026-01-01T00:00:00.000Z",
        pipeline: "p",
        record_index: i,
      });
    const text = Array.from({ length: 5 }, (_, i) => envelope(i)).join("\r\n");
    writeFileSync(join(dir, "crlf.jsonl"), text);
    writeFileSync(join(dir, "crlf.jsonl.gz"), gzipSync(text));
    for (const file of ["crlf.jsonl", "crlf.jsonl.gz"]) {
      const run = faucet(["dlq", "inspect", file, "--samples", "5", "-o", "json"], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary).toMatchObject({ lines: 5, envelopes: 5, malformed: 0 });
      expect(summary.samples.map((s: { payload: { text: string } }) => s.payload.text.length)).toEqual(
        [0, 1, 2, 3, 4].map((i) => 3 * (10_000 + i)),
      );
    }
  });

  test("a missing file or a missing argument is a command-line error (exit 2)", () => {
    const dir = tempDir();
    const missing = faucet(["dlq", "inspect", "nope.jsonl"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("dead-letter file not found");
    expect(faucet(["dlq", "inspect"], { cwd: dir }).code).toBe(2);
    const unknown = faucet(["dlq", "inpsect", "x"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean `inspect`?");
  });
});

describe("faucet dlq replay", () => {
  test("round trip: the 3 dead letters reach the fixed table, nothing lost or duplicated, a second replay re-sends nothing", () => {
    const dir = tempDir();
    table(dir, [333, 666, 999]);
    pipeline(dir);
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    const dlqFile = join(dir, "dlq.jsonl");
    const before = readFileSync(dlqFile, "utf8");

    const dry = faucet(["dlq", "replay", "--dry-run", "-o", "json"], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, resent: 3, written: 3, failed_again: 0 });
    expect(rows(dir).count).toBe(997);

    fixTable(dir);
    const replay = faucet(["dlq", "replay", "-o", "json"], { cwd: dir });
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      status: "ok",
      envelopes: 3,
      resent: 3,
      written: 3,
      failed_again: 0,
      already_replayed: 0,
      state_key: `ticks:dlq-replay:dlq.jsonl#${createHash("sha256").update(join(dir, "dlq.jsonl")).digest("hex").slice(0, 8)}`,
    });
    expect(rows(dir)).toEqual({ count: 1000, distinct: 1000, sum: 500500 });
    expect(readFileSync(dlqFile, "utf8")).toBe(before);
    expect(existsSync(join(dir, "dlq.replay-failed.jsonl"))).toBe(false);
    // The pipeline's own bookmark is untouched.
    expect(bookmark(dir)).toEqual({ n: 1000 });

    const again = faucet(["dlq", "replay"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("0 of 3 dead-lettered records re-sent");
    expect(again.stderr).toContain("skipped 3 records an earlier replay already sent");
    expect(rows(dir).count).toBe(1000);
  });

  test("rows that fail again go to a new file; a replay stopped by a budget resumes; the failed file replays too", () => {
    const dir = tempDir();
    // The destination holds every row but 333, 666 and 999, and still refuses 666.
    table(dir, [666]);
    const db = new Database(join(dir, "out.db"));
    db.exec(
      "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) INSERT INTO t SELECT n FROM s WHERE n NOT IN (333, 666, 999)",
    );
    db.close();
    writeFileSync(
      join(dir, "dlq.jsonl"),
      ["333", "666", "999"]
        .map((n) =>
          JSON.stringify({
            error: { kind: "sink", message: "refused" },
            reason: "sink_rejected",
            payload: { n: Number(n) },
            ts: "2026-01-01T00:00:00.000Z",
            pipeline: "ticks",
            record_index: 0,
          }),
        )
        .join("\n")
        .concat("\n"),
    );
    pipeline(dir, { dlq: "    max_failures_per_page: 0\n", execution: "execution: { batch_size: 1 }\n" });
    const stopped = faucet(["dlq", "replay"], { cwd: dir });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain("more than the allowed 0");
    const failedFile = join(dir, "dlq.replay-failed.jsonl");
    const failed = jsonLines(failedFile);
    expect(failed.map((e) => e.payload)).toEqual([{ n: 666 }]);
    expect(failed[0]).toMatchObject({ reason: "sink_rejected", pipeline: "ticks" });
    expect(rows(dir).count).toBe(998); // 333 landed, 666 failed again, 999 not reached yet

    fixTable(dir);
    const rest = faucet(["dlq", "replay", "-o", "json"], { cwd: dir });
    expect(rest.code, rest.stderr).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ already_replayed: 2, resent: 1, written: 1, failed_again: 0 });
    const fromFailed = faucet(["dlq", "replay", "--from", "dlq.replay-failed.jsonl", "-o", "json"], { cwd: dir });
    expect(fromFailed.code, fromFailed.stderr).toBe(0);
    expect(JSON.parse(fromFailed.stdout)).toMatchObject({ resent: 1, written: 1, failed_again: 0 });
    expect(rows(dir)).toEqual({ count: 1000, distinct: 1000, sum: 500500 });
  });

  test("transform-rejected rows go through the (fixed) transforms again; a file sink is appended to, not replaced", () => {
    const dir = tempDir();
    write(dir, "in.jsonl", '{"id":1,"amount":"12"}\n{"id":2,"amount":"12.5"}\n{"id":3,"amount":"7"}\n');
    const config = (type: string) => `version: 1
name: amounts
pipeline:
  source: { type: jsonl, config: { path: in.jsonl } }
  transforms:
    - type: rename_field
      config: { fields: { amount: total } }
    - type: cast
      config: { fields: { total: ${type} }, on_error: dlq }
  sink: { type: jsonl, config: { path: out.jsonl } }
  dlq:
    sink: { type: jsonl, config: { path: rejected.jsonl, append: true } }
`;
    write(dir, "faucet.yaml", config("int"));
    const run = faucet(["run", "-o", "json"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ records_written: 2, dead_lettered: 1 });
    const [rejected] = jsonLines(join(dir, "rejected.jsonl"));
    expect(rejected).toMatchObject({ reason: "transform_rejected", payload: { id: 2, total: "12.5" } });

    // --transforms none sends the payload as it is.
    const none = faucet(["dlq", "replay", "--transforms", "none", "--dry-run", "-o", "json"], {
      cwd: dir,
    });
    expect(JSON.parse(none.stdout)).toMatchObject({ resent: 1, retransformed: 0, written: 1 });
    // Still int: the row is rejected by the cast again and goes to the new file.
    const again = faucet(["dlq", "replay", "-o", "json"], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ resent: 1, retransformed: 1, written: 0, failed_again: 1 });
    expect(jsonLines(join(dir, "rejected.replay-failed.jsonl"))).toMatchObject([
      { reason: "transform_rejected", payload: { id: 2, total: "12.5" } },
    ]);

    // The config is fixed (float); the failed file is replayed through it.
    write(dir, "faucet.yaml", config("float"));
    const fixed = faucet(["dlq", "replay", "--from", "rejected.replay-failed.jsonl", "-o", "json"], { cwd: dir });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ resent: 1, retransformed: 1, written: 1, failed_again: 0 });
    expect(jsonLines(join(dir, "out.jsonl"))).toEqual([
      { id: 1, total: 12 },
      { id: 3, total: 7 },
      { id: 2, total: 12.5 },
    ]);
  });

  test("Ctrl-C stops a replay after the page in flight; the next replay resumes there, sending every row once", async () => {
    const dir = tempDir();
    const received: number[] = [];
    let delayMs = 40;
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        for (const record of JSON.parse(body) as { n: number }[]) received.push(record.n);
        setTimeout(() => res.writeHead(200).end("{}"), delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      write(
        dir,
        "faucet.yaml",
        `version: 1
name: events
plugins: [${TICKER_SOURCE}]
pipeline:
  source: { type: ticker, config: { pages: 0 } }
  sink: { type: http, config: { url: "http://127.0.0.1:${port}/", batch_mode: array, batch_size: 0, concurrency: 1 } }
execution: { batch_size: 10 }
`,
      );
      const envelopes = Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({
          error: { kind: "http_status", message: "503" },
          reason: "sink_rejected",
          payload: { n: i + 1 },
        }),
      );
      write(dir, "dead.jsonl", `${envelopes.join("\n")}\n`);
      const first = startFaucet(["dlq", "replay", "--from", "dead.jsonl", "-o", "json"], { cwd: dir });
      await waitFor(() => received.length >= 50);
      first.child.kill("SIGINT");
      const stopped = await first.done;
      expect(stopped.code, stopped.stderr).toBe(130);
      const partial = JSON.parse(stopped.stdout);
      expect(partial.status).toBe("cancelled");
      expect(partial.written).toBe(received.length);
      expect(partial.line).toBe(received.length);
      delayMs = 0;
      const rest = await startFaucet(["dlq", "replay", "--from", "dead.jsonl", "-o", "json"], { cwd: dir }).done;
      expect(rest.code, rest.stderr).toBe(0);
      expect(JSON.parse(rest.stdout)).toMatchObject({ already_replayed: partial.line, written: 200 - partial.line });
      expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("refuses malformed files before sending anything, and bad arguments", () => {
    const dir = tempDir();
    table(dir, []);
    pipeline(dir);
    write(dir, "dlq.jsonl", '{"reason":"sink_rejected","payload":{"n":1}}\n{oops\n');
    const bad = faucet(["dlq", "replay"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("1 malformed line (line 2); nothing was replayed");
    expect(rows(dir).count).toBe(0);
    expect(faucet(["dlq", "replay", "--transforms", "some"], { cwd: dir }).code).toBe(2);
    const self = faucet(["dlq", "replay", "--failed-dlq", "dlq.jsonl"], { cwd: dir });
    expect(self.code).toBe(2);
    expect(self.stderr).toContain("--failed-dlq is the file being replayed");
    const none = tempDir();
    table(none, []);
    pipeline(none);
    const nothing = faucet(["dlq", "replay"], { cwd: none });
    expect(nothing.code).toBe(0);
    expect(nothing.stderr).toContain("nothing to replay");
  });
});

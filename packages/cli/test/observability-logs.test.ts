// Logs of `faucet run`: JSON lines (pino) or human lines, levels, a run id on every line, and
// secrets redacted from connector log lines and errors alike.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { BIN, faucet, TICKER_SOURCE, tempDir, write } from "./helpers.js";

const CHATTY_SINK = fileURLToPath(new URL("./fixtures/observability/chatty-sink.mjs", import.meta.url));
const SECRET = "l0g-Secret-Value-31";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function project(options: { sink?: string; extra?: string } = {}): string {
  const dir = tempDir();
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: logged
plugins: [${TICKER_SOURCE}, ${CHATTY_SINK}]
${options.extra ?? ""}
pipeline:
  source: { type: ticker, config: { page_size: 3, pages: 2 } }
  sink: { type: chatty, config: { path: out.jsonl, token: "\${env:TOKEN}"${options.sink ? `, ${options.sink}` : ""} } }
  state: { type: memory }
`,
  );
  return dir;
}

interface LogLine {
  level: string;
  time: string;
  run_id: string;
  msg: string;
  [field: string]: unknown;
}

/** Every stderr line, parsed as JSON (throws on a line that is not). */
function jsonLines(stderr: string): LogLine[] {
  return stderr
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as LogLine);
}

const env = { TOKEN: SECRET };
const FAIL_WITH_SECRET = `fail_with: "bad token \${env:TOKEN}"`;

describe("--log-format json", () => {
  test("one pino JSON object per line, each with the run's id, and the run's lifecycle at info", () => {
    const dir = project();
    const run = faucet(["run", "--log-format", "json", "--log-level", "debug"], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    // The text summary stays on stderr after the log lines; everything before it is JSON.
    const [logs, summary] = run.stderr.split("done: logged");
    expect(summary).toContain("read 6 records, wrote 6 in 2 pages");
    const lines = jsonLines(logs as string);
    const ids = new Set(lines.map((l) => l.run_id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(UUID);
    for (const line of lines) {
      expect(["debug", "info", "warn", "error"]).toContain(line.level);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    // (The pipeline may add debug lines of its own; these are the ones this test is about.)
    const ours = ["connecting with token ***", "run started", "page committed", "run finished"];
    expect(lines.map((l) => l.msg).filter((m) => ours.includes(m))).toEqual([
      "connecting with token ***",
      "run started",
      "page committed",
      "page committed",
      "run finished",
    ]);
    const line = (msg: string) => lines.find((l) => l.msg === msg);
    expect(line("run started")).toMatchObject({
      level: "info",
      pipeline: "logged",
      source: "source-ticker",
      sink: "sink-chatty",
    });
    expect(line("page committed")).toMatchObject({ level: "debug", pipeline: "logged", page: 0, records: 3 });
    expect(line("run finished")).toMatchObject({
      level: "info",
      status: "ok",
      records_read: 6,
      records_written: 6,
      pages: 2,
    });

    // Two runs, two ids.
    const again = faucet(["run", "--log-format", "json"], { cwd: dir, env });
    const second = jsonLines(again.stderr.split("done: logged")[0] as string)[0]?.run_id;
    expect(second).toMatch(UUID);
    expect(second).not.toBe([...ids][0]);
  });

  test("--log-level warn keeps only warnings and errors; a failed run logs its error", () => {
    const dir = project({ sink: 'fail_with: "quota"' });
    const run = faucet(["run", "--log-format", "json", "--log-level", "warn"], { cwd: dir, env });
    expect(run.code).toBe(1);
    const [logs, last] = [run.stderr.split("\n").slice(0, -2).join("\n"), run.stderr.split("\n").at(-2)];
    const lines = jsonLines(logs);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([["error", "run failed"]]);
    expect(lines[0]).toMatchObject({ kind: "sink", connector: "sink-chatty", pipeline: "logged" });
    expect(last).toBe("[faucet] [sink-chatty] write refused: quota");
  });
});

describe("human lines", () => {
  test("--log-format text writes level: message key=value … run_id=<id>", () => {
    const dir = project();
    const run = faucet(["run", "--log-format", "text", "--log-level", "debug"], { cwd: dir, env });
    expect(run.code).toBe(0);
    const logs = run.stderr
      .split("\n")
      .filter((l) => /^(info: connecting|debug: run started|debug: page committed|debug: run finished)/.test(l));
    // Off JSON the run's lifecycle is at debug: the summary already says it.
    expect(logs.map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual([
      "info: connecting with",
      "debug: run started",
      "debug: page committed",
      "debug: page committed",
      "debug: run finished",
    ]);
    expect(
      run.stderr
        .split("\n")
        .filter((l) => /^(debug|info|warn|error): /.test(l))
        .every((l) => l.includes(" run_id=")),
    ).toBe(true);
    expect(logs[0]).toMatch(/^info: connecting with token \*\*\* token=\*\*\* run_id=[0-9a-f-]{36}$/);
    expect(logs[2]).toMatch(
      /^debug: page committed pipeline=logged page=0 records=3 dead_lettered=0 bookmark=\{"n":3\} run_id=/,
    );
    expect(new Set(logs.map((l) => l.split("run_id=")[1])).size).toBe(1);
    expect(run.stderr).not.toContain('{"level"');
  });

  test.skipIf(!existsSync("/usr/bin/script"))("auto is human lines on a terminal", () => {
    const dir = project();
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run --log-level debug 2>&1`;
    const result = spawnSync("script", ["-qec", command, "/dev/null"], {
      cwd: dir,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/debug: page committed pipeline=logged page=0 records=3 .* run_id=[0-9a-f-]{36}/);
    expect(result.stdout).not.toContain('{"level"');
    expect(result.stdout).not.toContain(SECRET);
  });
});

describe("levels and formats", () => {
  test("observability.tracing.level sets the default level; --log-level wins; bad values are config errors", () => {
    const dir = project({ extra: "observability:\n  tracing:\n    level: warn,faucet=debug" });
    const debug = faucet(["run"], { cwd: dir, env });
    expect(debug.stderr).toContain('"msg":"page committed"');
    const quiet = faucet(["run", "--log-level", "info"], { cwd: dir, env });
    expect(quiet.stderr).not.toContain("page committed");

    const badFormat = faucet(["run", "--log-format", "xml"], { cwd: dir, env });
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('unknown log format "xml"');
    const badLevel = faucet(["validate", "--log-level", "loud"], { cwd: dir, env });
    expect(badLevel.code).toBe(2);
  });
});

describe("secrets", () => {
  test(`an \${env:…} secret in a connector's log line and in an error is redacted in every format`, () => {
    const outputs: string[] = [];
    for (const format of ["json", "text", "auto"]) {
      const ok = faucet(["run", "--log-format", format, "--log-level", "debug"], { cwd: project(), env });
      expect(ok.code).toBe(0);
      const failing = project({ sink: FAIL_WITH_SECRET });
      const failed = faucet(["run", "--log-format", format, "--output", "json"], { cwd: failing, env });
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain("write refused: bad token ***");
      expect(ok.stderr).toContain("connecting with token ***");
      outputs.push(ok.stdout, ok.stderr, failed.stdout, failed.stderr);
    }
    const json = faucet(["run", "--log-format", "json"], {
      cwd: project({ sink: FAIL_WITH_SECRET }),
      env,
    });
    const failure = jsonLines(json.stderr.split("\n").slice(0, -2).join("\n")).find((l) => l.msg === "run failed");
    expect(failure?.error).toBe("[faucet] [sink-chatty] write refused: bad token ***");
    outputs.push(json.stdout, json.stderr);
    for (const output of outputs) expect(output).not.toContain(SECRET);
    expect(outputs.join("")).toContain("***");
  });
});

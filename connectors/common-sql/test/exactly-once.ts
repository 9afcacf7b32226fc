// The exactly-once battery of the transactional SQL sinks: the kill test (SIGKILL at random
// moments, then a run to completion, and the destination holds exactly the source rows — none
// lost, none twice) through a library child and through `faucet run`, and the sink ahead of the
// state store. Each sink's test file supplies its tables and how to compare them.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FileStateStore, Pipeline, type Sink, type Source } from "faucet-core";
import { expect, test } from "vitest";

const CHILD = fileURLToPath(new URL("./fixtures/exactly-once-child.mjs", import.meta.url));
const CLI = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url));

/** A connector as the child builds it: its package, exported class and config. */
export interface ChildConnector {
  package: string;
  className: string;
  /** The YAML `type` `faucet run` knows it by. */
  type: string;
  config: Record<string, string | number>;
}

/** What {@link killTests} needs from a sink's test file. */
export interface KillTestOptions {
  /** Names the sink in the log line and the temporary directories, e.g. `mysql`. */
  name: string;
  rows: number;
  kills: number;
  /** Upper bounds of the random kill moments after the first page and after start, in ms. */
  killWindowMs: { afterPage: number; afterStart: number };
  timeoutMs: number;
  source: ChildConnector;
  /** The sink writing to table `to`. */
  sink: (to: string) => ChildConnector;
  /** Creates destination `to` without a primary key, so a duplicate would land and be counted. */
  createDestination: (to: string) => Promise<void>;
  count: (to: string) => Promise<number>;
  /** Asserts that `to` holds exactly the rows of the source table. */
  assertExactCopy: (to: string) => Promise<void>;
  /** The rows of the sink's commit-token table. */
  tokens: () => Promise<{ scope: unknown; token: unknown }[]>;
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  pages: number;
  output: string;
}

/** Runs a pipeline process; kills it `afterMs` after its first committed page (or after start). */
function runChild(argv: string[], kill?: { afterMs: number; waitForPage: boolean }): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let pages = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer ??= setTimeout(() => child.kill("SIGKILL"), kill?.afterMs ?? 0);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      pages = (output.match(/^page |page committed/gm) ?? []).length;
      if (kill?.waitForPage && pages > 0) arm();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    if (kill && !kill.waitForPage) arm();
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, pages, output });
    });
  });
}

/** The library child's arguments. */
function childArgv(source: ChildConnector, sink: ChildConnector, stateDir: string): string[] {
  const part = (c: ChildConnector) => [c.package, c.className, JSON.stringify(c.config)];
  return [CHILD, ...part(source), ...part(sink), stateDir];
}

/** The same pipeline as `faucet run` YAML. */
function pipelineYaml(source: ChildConnector, sink: ChildConnector, stateDir: string): string {
  const block = (name: string, c: ChildConnector) => [
    `  ${name}:`,
    `    type: ${c.type}`,
    "    config:",
    ...Object.entries(c.config).map(([key, value]) => `      ${key}: ${value}`),
  ];
  return [
    "version: 1",
    "name: kill-test-cli",
    "delivery: exactly_once",
    "pipeline:",
    ...block("source", source),
    ...block("sink", sink),
    "  state:",
    "    type: file",
    "    config:",
    `      path: ${JSON.stringify(stateDir)}`,
    "",
  ].join("\n");
}

/**
 * Registers the kill test through a library child (writing `dst`, scope `kill-test`) and through
 * `faucet run` (writing `dst_cli`; skipped when the CLI is not built): `kills` SIGKILLs at random
 * moments, most while pages commit, then a run to completion; the destination must hold every
 * source row exactly once and the commit token must name the last one.
 */
export function killTests(options: KillTestOptions): void {
  const runners: [string, (stateDir: string) => { argv: string[]; to: string }][] = [
    ["a library child", (stateDir) => ({ argv: childArgv(options.source, options.sink("dst"), stateDir), to: "dst" })],
    [
      "`faucet run`",
      (stateDir) => {
        const config = `${stateDir}.yaml`;
        writeFileSync(config, pipelineYaml(options.source, options.sink("dst_cli"), join(stateDir, "state")));
        return { argv: [CLI, "run", config, "--log-level", "debug"], to: "dst_cli" };
      },
    ],
  ];
  for (const [label, makeRunner] of runners) {
    const skip = label.includes("faucet run") && !existsSync(CLI);
    test.skipIf(skip)(
      `the kill test through ${label}: ${options.rows} rows, SIGKILL at ${options.kills} random moments, then a full run: every row exactly once`,
      async () => {
        const stateDir = mkdtempSync(join(tmpdir(), `faucet-kill-${options.name}-`));
        const runner = makeRunner(stateDir);
        await options.createDestination(runner.to);
        try {
          const kills: string[] = [];
          let midRun = 0;
          for (let i = 0; i < options.kills; i++) {
            // Four kills in five while pages are committing, the rest during start-up; the moments are random.
            const waitForPage = i % 5 !== 4;
            const window = waitForPage ? options.killWindowMs.afterPage : options.killWindowMs.afterStart;
            const afterMs = Math.floor(Math.random() * window);
            const outcome = await runChild(runner.argv, { afterMs, waitForPage });
            const rows = await options.count(runner.to);
            kills.push(
              `${waitForPage ? "after first page" : "after start"} +${afterMs}ms: ${outcome.signal ?? `exit ${outcome.code}`}, ${rows} rows`,
            );
            if (outcome.signal === "SIGKILL" && outcome.pages > 0) midRun++;
            if (outcome.code === 0) break; // it finished before the kill: nothing left to interrupt
            expect(outcome.signal, outcome.output).toBe("SIGKILL");
          }
          console.log(`kill test (${options.name} sink) through ${label}: ${kills.join("; ")}`);
          expect(midRun).toBeGreaterThanOrEqual(5);
          const final = await runChild(runner.argv);
          expect(final.code, final.output).toBe(0);
          await options.assertExactCopy(runner.to);
          const tokens = await options.tokens();
          const token = tokens.find(
            (t) =>
              String(t.token).endsWith(`#${options.rows}`) &&
              (label.includes("faucet") ? t.scope !== "kill-test" : t.scope === "kill-test"),
          );
          expect(token, JSON.stringify(tokens)).toBeDefined();
        } finally {
          rmSync(stateDir, { recursive: true, force: true });
          rmSync(`${stateDir}.yaml`, { force: true });
        }
      },
      options.timeoutMs,
    );
  }
}

/** What {@link sinkAheadTest} needs: 5,000 source rows read in pages of 500, and the sink. */
export interface SinkAheadOptions {
  name: string;
  /** Creates the 5,000-row source table and the empty destination. */
  createTables: () => Promise<void>;
  source: () => Source;
  sink: () => Sink;
  /** Asserts that the destination holds exactly the source's 5,000 rows. */
  assertExactCopy: () => Promise<void>;
}

/**
 * Registers the case the kill test can only hit by chance: a crash between the sink's commit and
 * the state write leaves the state behind the sink, and the next run resumes from the sink's
 * commit token (writing each row once).
 */
export function sinkAheadTest(options: SinkAheadOptions): void {
  test("a sink ahead of the state store wins: the run resumes from the sink's commit token", async () => {
    await options.createTables();
    const state = new FileStateStore(mkdtempSync(join(tmpdir(), `faucet-ahead-${options.name}-`)));
    const run = (limitPages?: number) => {
      const controller = new AbortController();
      return new Pipeline(options.source(), options.sink(), {
        stateKey: "ahead",
        stateStore: state,
        delivery: "exactly_once",
        signal: controller.signal,
        onProgress: (p) => {
          if (limitPages !== undefined && p.pages >= limitPages) controller.abort();
        },
      }).run();
    };
    try {
      await run(4); // 2,000 rows, state { bookmark: 2000, seq: 4 }
      expect(await state.get("ahead")).toEqual({ bookmark: 2000, seq: 4 });
      await state.put("ahead", { bookmark: 500, seq: 1 });
      const result = await run();
      expect(result.recordsWritten).toBe(3000);
      await options.assertExactCopy();
      expect(await state.get("ahead")).toEqual({ bookmark: 5000, seq: 10 });
    } finally {
      rmSync(state.directory, { recursive: true, force: true });
    }
  });
}

// What happens around a run: signals, and which modules a command loads.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { BIN, faucet, LINES_SINK, ROOT, startFaucet, TICKER_SOURCE, tempDir, waitFor, write } from "./helpers.js";

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);

function endless(dir: string, sinkDelay = 0): void {
  // The sink touches started.flag when a write begins, so a test can signal mid-write.
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: endless
plugins: [${TICKER_SOURCE}, ${LINES_SINK}]
pipeline:
  source:
    type: ticker
    config: { page_size: 5, pages: 0, delay_ms: 30 }
  sink:
    type: lines
    config: { path: out.jsonl, delay_ms: ${sinkDelay}, started_path: started.flag }
`,
  );
}

describe("signals", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} cancels gracefully: flush, save the bookmark, print what was done, exit 130`, async () => {
      const dir = tempDir();
      endless(dir);
      const run = startFaucet(["run", "--output", "json"], { cwd: dir });
      await waitFor(() => lines(join(dir, "out.jsonl")).length >= 10);
      run.child.kill(signal);
      const result = await run.done;
      expect(result.code).toBe(130);
      const summary = JSON.parse(result.stdout);
      expect(summary.status).toBe("cancelled");
      expect(summary.cancelled).toBe(true);
      const written = lines(join(dir, "out.jsonl")).length;
      expect(summary.records_written).toBe(written);
      // State is never ahead of the sink: the saved bookmark is the last record written.
      const state = JSON.parse(readFileSync(join(dir, ".faucet/state/endless.json"), "utf8"));
      expect(state.value).toEqual({ n: written });
      expect(result.stderr).toContain(`${signal}: cancelling`);
    });
  }

  test("a second signal exits at once, without waiting for the page in flight", async () => {
    const dir = tempDir();
    endless(dir, 30_000);
    const run = startFaucet(["run"], { cwd: dir });
    // The first page's write takes 30 s: signal once it is in flight, however slow the start.
    await waitFor(() => existsSync(join(dir, "started.flag")), 20_000);
    run.child.kill("SIGINT");
    await waitFor(() => run.output().stderr.includes("SIGINT: cancelling"), 10_000);
    const second = Date.now();
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.code).toBe(130);
    // Far less than the 30 s the page in flight would take.
    expect(Date.now() - second).toBeLessThan(10_000);
    expect(result.stderr).toContain("second SIGINT: exiting now");
  });
});

describe("stray failures", () => {
  test("a connector's unhandled rejection is one redacted line and exit 1, not a stack", () => {
    const dir = tempDir();
    const core = JSON.stringify(new URL("../../core/dist/index.js", import.meta.url).href);
    write(
      dir,
      "stray.mjs",
      `import { defineSink, z } from ${core};
export const definition = defineSink({
  type: "stray",
  description: "Fails outside the pipeline's await",
  config: z.strictObject({ token: z.string() }),
  create: (config) => ({
    writeBatch: async (records) => {
      Promise.reject(new Error("background failure with " + config.token));
      await new Promise((r) => setTimeout(r, 200));
      return records.length;
    },
  }),
});
`,
    );
    write(
      dir,
      "faucet.yaml",
      `version: 1\nplugins: [./stray.mjs, ${TICKER_SOURCE}]\npipeline:\n  source: { type: ticker }\n  sink: { type: stray, config: { token: "\${env:STRAY_TOKEN}" } }\n`,
    );
    const result = faucet(["run"], { cwd: dir, env: { STRAY_TOKEN: "stray-secret-99" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("[faucet] background failure with ***\n");
  });
});

const HOOK = fileURLToPath(new URL("./fixtures/record-loads.mjs", import.meta.url));
const DRIVERS = [
  "pg",
  "pg-cursor",
  "pg-copy-streams",
  "libsql",
  "@libsql",
  "hyparquet",
  "hyparquet-writer",
  "hyparquet-compressors",
  "@duckdb",
  "mysql2",
  "ioredis",
  "undici",
  "typescript",
];

/** The module URLs `faucet …args` loaded. */
function loadsOf(args: string[], cwd: string): string[] {
  const file = join(tempDir(), "loads.txt");
  const result = spawnSync(process.execPath, ["--import", HOOK, BIN, ...args], {
    cwd,
    env: { ...process.env, LOADS_FILE: file },
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  return readFileSync(file, "utf8").trim().split("\n");
}

function drivers(urls: string[]): string[] {
  return urls.filter((u) => DRIVERS.some((d) => u.includes(`/node_modules/${d}/`)));
}

describe("lazy loading", () => {
  test("faucet --help and --version load no connector, no driver, not even faucet-core", () => {
    for (const args of [["--help"], ["--version"]]) {
      const urls = loadsOf(args, ROOT);
      expect(drivers(urls)).toEqual([]);
      expect(
        urls.filter((u) => u.includes("/connectors/") || u.includes("/packages/core/") || u.includes("/zod/")),
      ).toEqual([]);
    }
  });

  test("faucet list reads the generated registry without importing any connector", () => {
    const urls = loadsOf(["list"], ROOT);
    expect(urls.filter((u) => u.includes("/connectors/"))).toEqual([]);
    expect(drivers(urls)).toEqual([]);
  });

  test("a CSV run imports the CSV connector and no database driver", () => {
    const dir = tempDir();
    write(dir, "in.csv", "id\n1\n2\n");
    write(
      dir,
      "faucet.yaml",
      `version: 1\nplugins: [${LINES_SINK}]\npipeline:\n  source: { type: csv, config: { path: in.csv } }\n  sink: { type: lines, config: { path: out.jsonl } }\n`,
    );
    const urls = loadsOf(["run"], dir);
    expect(lines(join(dir, "out.jsonl"))).toHaveLength(2);
    expect(urls.some((u) => u.includes("/connectors/source-csv/"))).toBe(true);
    expect(drivers(urls)).toEqual([]);
    const connectors = new Set(urls.flatMap((u) => /\/connectors\/([^/]+)\//.exec(u)?.[1] ?? []));
    expect([...connectors].sort()).toEqual(["common-file", "source-csv"]);
  });

  test("faucet help <command> prints that command's help", () => {
    expect(faucet(["help", "run"]).stdout).toContain("Usage: faucet run");
  });
});

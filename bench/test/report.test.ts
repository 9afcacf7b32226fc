// The harness writes docs/benchmarks.md, which the repository's linter checks: a generated
// section must already be formatted as Biome prints it, whatever the tools report.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { expect, it } from "vitest";
import { markdownSection } from "../dist/harness/report.js";

const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");

it("a generated section is what Biome's formatter prints (padded versions, pipes in cells)", () => {
  const runs = [1.5, 1.25, 2].map((wallSeconds) => ({
    wallSeconds,
    peakRssBytes: 100 * 1024 * 1024,
    exitCode: 0,
    signal: null,
  }));
  const verification = { rows: 1000, contentHash: "0e5653469a65aa" };
  const section = markdownSection(
    {
      id: "X",
      title: "CSV → JSONL",
      description: "A test scenario with `code`, a | pipe and _emphasis_.",
      rows: 1000,
      options: { warmups: 1, runs: 3 },
      expected: verification,
      load: { start: 1.5, end: 2 },
      tools: [
        {
          name: "faucet",
          version: "faucet 0.1.0",
          status: "ok",
          runs,
          medianSeconds: 1.5,
          minSeconds: 1.25,
          maxSeconds: 2,
          peakRssBytes: 100 * 1024 * 1024,
          verification,
        },
        {
          name: "psql | mysql",
          version: "mysql  Ver 15.1 Distrib 10.11.19-MariaDB, using  EditLine wrapper",
          status: "ok",
          runs,
          medianSeconds: 1.25,
          minSeconds: 1,
          maxSeconds: 2,
          peakRssBytes: 20 * 1024 * 1024,
          verification,
        },
        { name: "miller", version: undefined, status: "unavailable", reason: "not installed: mlr", runs: [] },
      ],
    },
    "AMD EPYC, 2 cores",
  );
  const text = `# Benchmarks\n\n${section}\n`;
  const formatted = spawnSync(process.execPath, [biome, "format", "--stdin-file-path=benchmarks.md"], {
    input: text,
    encoding: "utf8",
  });
  expect(formatted.status, formatted.stderr).toBe(0);
  expect(formatted.stdout).toBe(text);
});

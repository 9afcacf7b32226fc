// The 2-GB-equivalent streaming proof: 5M generated CSV rows (~540 MB) through csv → jsonl in a
// child process keep peak RSS under 150 MiB, so memory does not depend on the input's size.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);
const script = fileURLToPath(new URL("./fixtures/stream-csv-to-jsonl.mjs", import.meta.url));

test("5M rows stream through csv → jsonl with peak RSS under 150 MiB", { timeout: 300_000 }, async () => {
  const { stdout } = await run(process.execPath, [script, "5000000"], { maxBuffer: 1 << 20 });
  const report = JSON.parse(stdout) as { rows: number; pages: number; maxRssKiB: number; ms: number };
  console.log(
    `streaming proof: ${report.rows} rows in ${Math.round(report.ms)} ms, peak RSS ${(report.maxRssKiB / 1024).toFixed(1)} MiB`,
  );
  expect(report.rows).toBe(5_000_000);
  expect(report.pages).toBe(5_000);
  expect(report.maxRssKiB / 1024).toBeLessThan(150);
});

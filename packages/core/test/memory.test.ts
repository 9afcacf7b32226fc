import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, test } from "vitest";

const run = promisify(execFile);

test("2,000,000 records stream through with heap growth under 64 MiB", async () => {
  const script = fileURLToPath(new URL("./fixtures/bounded-memory.mjs", import.meta.url));
  const { stdout } = await run(process.execPath, ["--expose-gc", script], { maxBuffer: 1 << 20 });
  const report = JSON.parse(stdout) as { written: number; counted: number; peakGrowth: number };
  expect(report.written).toBe(2_000_000);
  expect(report.counted).toBe(2_000_000);
  expect(report.peakGrowth).toBeLessThan(64 * 1024 * 1024);
}, 120_000);

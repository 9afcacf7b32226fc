// faucet run with execution.workers: csv → transforms → jsonl on worker threads writes the same
// bytes as a single-threaded run, and says which it did at debug level.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { faucet, tempDir, write } from "./helpers.js";

function rows(n: number): string {
  let text = "id,first_name,amount,active,attributes\r\n";
  for (let i = 1; i <= n; i++) {
    text += `${i},Name ${i % 17},${(i * 1.25).toFixed(2)},${i % 3 === 0},"{""tier"":""t${i % 4}"",""n"":${i}}"\r\n`;
  }
  return text;
}

function config(workers: number | undefined, out: string): string {
  return `version: 1
name: csv_transforms_jsonl
pipeline:
  source: { type: csv, config: { path: in.csv } }
  transforms:
    - { type: keys_case, config: { mode: camel } }
    - { type: cast, config: { fields: { amount: float, active: bool } } }
    - { type: json_parse, config: { fields: [attributes] } }
    - { type: set, config: { values: { page: "\${page.index}" } } }
    - { type: filter, config: { path: amount, op: gt, value: 10 } }
  sink: { type: jsonl, config: { path: ${out} } }
  state: { type: memory }
${workers === undefined ? "" : `execution: { workers: ${workers}, batch_size: 250 }`}
`;
}

describe("faucet run with execution.workers", () => {
  test("two workers and none write the same bytes; the debug log says which ran", () => {
    const dir = tempDir();
    write(dir, "in.csv", rows(20_000));
    write(dir, "parallel.yaml", config(2, "parallel.jsonl"));
    write(dir, "single.yaml", config(0, "single.jsonl"));
    const parallel = faucet(["run", "parallel.yaml", "--log-level", "debug", "--output", "json"], { cwd: dir });
    const single = faucet(["run", "single.yaml", "--log-level", "debug", "--output", "json"], { cwd: dir });
    expect(parallel.code, parallel.stderr).toBe(0);
    expect(single.code, single.stderr).toBe(0);
    expect(parallel.stderr).toContain("parallel pages on");
    expect(single.stderr).toContain("parallel pages off");
    const bytes = readFileSync(join(dir, "parallel.jsonl"), "utf8");
    expect(bytes).toBe(readFileSync(join(dir, "single.jsonl"), "utf8"));
    const lines = bytes.trim().split("\n");
    expect(lines).toHaveLength(19_992);
    expect(JSON.parse(lines.at(-1) as string)).toEqual({
      id: "20000",
      firstName: "Name 8",
      amount: 25_000,
      active: false,
      attributes: { tier: "t0", n: 20_000 },
      page: 79,
    });
    const summary = (run: typeof parallel) => {
      const { duration_ms: _, ...rest } = JSON.parse(run.stdout) as Record<string, unknown>;
      return rest;
    };
    expect(summary(parallel)).toEqual(summary(single));
  });

  test("a ragged row fails both ways with the same message", () => {
    const dir = tempDir();
    write(dir, "in.csv", `${rows(3_000)}3001,too,few\r\n`);
    write(dir, "parallel.yaml", config(2, "parallel.jsonl"));
    write(dir, "single.yaml", config(0, "single.jsonl"));
    const parallel = faucet(["run", "parallel.yaml"], { cwd: dir });
    const single = faucet(["run", "single.yaml"], { cwd: dir });
    expect(parallel.code).toBe(1);
    expect(parallel.stderr).toContain("in.csv line 3002: expected 5 fields, found 3");
    expect(parallel.stderr).toBe(single.stderr);
  });

  test("execution.workers must be a whole number from 0", () => {
    const dir = tempDir();
    write(dir, "in.csv", rows(1));
    write(dir, "bad.yaml", config(-1, "out.jsonl"));
    const run = faucet(["run", "bad.yaml"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("execution.workers");
  });
});

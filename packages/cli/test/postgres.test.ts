// A real database behind the CLI: PostgreSQL to PostgreSQL with exactly-once delivery, seeded by
// faucet itself, its password passed with ${env:…} and never printed.
import { spawnSync } from "node:child_process";
import { describeWithService } from "faucet-conformance";
import { afterAll, expect, test } from "vitest";
import { faucet, TICKER_SOURCE, tempDir, write } from "./helpers.js";

const PASSWORD = "pg-Secret-Passw0rd";
const URL = `postgres://postgres:\${env:PG_PASSWORD}@127.0.0.1:5432/test`;
const env = { PG_PASSWORD: PASSWORD };
const suffix = `${process.pid}_${Date.now()}`;
const source = `faucet_cli_src_${suffix}`;
const target = `faucet_cli_dst_${suffix}`;

afterAll(() => {
  // Best effort: the tables are uniquely named, so a leftover never disturbs another run.
  spawnSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "test", "-c", `DROP TABLE IF EXISTS ${source}, ${target}`], {
    stdio: "ignore",
  });
});

await describeWithService({ name: "PostgreSQL", port: 5432 }, "faucet-cli against PostgreSQL", () => {
  test("seeds a table, then copies it exactly once, resumably, with the password redacted", () => {
    const dir = tempDir();
    write(
      dir,
      "seed.yaml",
      `version: 1
name: seed
plugins: [${TICKER_SOURCE}]
pipeline:
  source: { type: ticker, config: { page_size: 5, pages: 4 } }
  sink:
    type: postgres
    config: { connection_url: "${URL}", table_name: ${source}, write_mode: overwrite, column_mapping: auto_map }
  state: { type: memory }
`,
    );
    const seeded = faucet(["run", "seed.yaml"], { cwd: dir, env });
    expect(seeded.code, seeded.stderr).toBe(0);

    write(
      dir,
      "faucet.yaml",
      `version: 1
name: copy_${suffix}
delivery: exactly_once
pipeline:
  source:
    type: postgres
    config:
      connection_url: "${URL}"
      query: SELECT n FROM ${source}
      replication_key: n
      batch_size: 6
  sink:
    type: postgres
    config: { connection_url: "${URL}", table_name: ${target}, column_mapping: auto_map }
`,
    );
    const outputs: string[] = [];
    const run = (args: string[]) => {
      const result = faucet(args, { cwd: dir, env });
      outputs.push(result.stdout, result.stderr);
      return result;
    };
    const validated = run(["validate"]);
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toMatch(/delivery guarantee: exactly_once \((atomic_watermark|keyed_upsert)\)/);
    expect(validated.stdout).toContain('connection_url: "***"');
    const doctor = run(["doctor"]);
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toContain("✓ pass");
    const first = JSON.parse(run(["run", "--output", "json"]).stdout);
    expect(first).toMatchObject({ status: "ok", records_written: 20, delivery: "exactly_once" });
    const second = JSON.parse(run(["run", "--output", "json"]).stdout);
    expect(second.records_written).toBe(0);
    const preview = run(["preview", "--limit", "2"]);
    expect(
      preview.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([{ n: 1 }, { n: 2 }]);

    const wrong = faucet(["doctor"], { cwd: dir, env: { PG_PASSWORD: "wrong-password-123" } });
    outputs.push(wrong.stdout, wrong.stderr);
    for (const text of outputs) expect(text).not.toContain(PASSWORD);
  });
});

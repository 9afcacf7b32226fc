// biome-ignore-all lint/suspicious/noTemplateCurlyInString: tests write faucet config syntax
// The commands, through the real binary.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";
import { BIN, faucet, filesIn, LINES_SINK, ROOT, TICKER_SOURCE, tempDir, write } from "./helpers.js";

function ticker(dir: string, extra = "", source = "page_size: 2\n      pages: 3"): string {
  return write(
    dir,
    "faucet.yaml",
    `version: 1
name: ticks
plugins: [${TICKER_SOURCE}, ${LINES_SINK}]
pipeline:
  source:
    type: ticker
    config:
      ${source}
  sink:
    type: lines
    config:
      path: out.jsonl
${extra}`,
  );
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);

describe("faucet run", () => {
  test("runs, saves the bookmark under .faucet/state next to the config, and resumes from it", () => {
    const dir = tempDir();
    ticker(dir);
    const first = faucet(["run", "--output", "json"], { cwd: dir });
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ status: "ok", name: "ticks", records_written: 6, pages: 3, bookmark: { n: 6 } });
    expect(summary.delivery).toBe("at_least_once");
    expect(filesIn(join(dir, ".faucet/state"))).toEqual(["ticks.json"]);
    const second = JSON.parse(faucet(["run", "--output", "json"], { cwd: dir }).stdout);
    expect(second.bookmark).toEqual({ n: 12 });
    expect(lines(join(dir, "out.jsonl")).map((l) => JSON.parse(l).n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test("a config path in another directory: relative paths resolve against the config's directory", () => {
    const dir = tempDir();
    ticker(dir);
    const elsewhere = tempDir();
    expect(faucet(["run", join(dir, "faucet.yaml")], { cwd: elsewhere }).code).toBe(0);
    expect(lines(join(dir, "out.jsonl"))).toHaveLength(6);
    expect(filesIn(elsewhere)).toEqual([]);
  });

  test("JSON configs work, and faucet.yml / faucet.json are found in the working directory", () => {
    const dir = tempDir();
    const doc = {
      version: 1,
      name: "from-json",
      plugins: [TICKER_SOURCE, LINES_SINK],
      pipeline: {
        source: { type: "ticker", config: { pages: 1 } },
        sink: { type: "lines", config: { path: "out.jsonl" } },
      },
    };
    write(dir, "faucet.json", JSON.stringify(doc));
    expect(JSON.parse(faucet(["run", "--output", "json"], { cwd: dir }).stdout).name).toBe("from-json");
    const yml = tempDir();
    write(yml, "faucet.yml", readFileSync(ticker(tempDir()), "utf8").replace("name: ticks", "name: from-yml"));
    expect(JSON.parse(faucet(["run", "--output", "json"], { cwd: yml }).stdout).name).toBe("from-yml");
  });

  test("text output: a summary on stderr, nothing on stdout", () => {
    const dir = tempDir();
    ticker(dir);
    const result = faucet(["run"], { cwd: dir });
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^done: ticks: read 6 records, wrote 6 in 3 pages/);
    expect(result.stderr).toContain('bookmark: {"n":6}');
  });

  test("--dry-run reads and transforms but writes nothing and saves no state", () => {
    const dir = tempDir();
    ticker(dir);
    const result = faucet(["run", "--dry-run"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("would write 6");
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
    expect(existsSync(join(dir, ".faucet"))).toBe(false);
  });

  test("--limit stops after N records; a cut page does not advance the bookmark", () => {
    const dir = tempDir();
    ticker(dir);
    const summary = JSON.parse(faucet(["run", "--limit", "3", "--output", "json"], { cwd: dir }).stdout);
    expect(summary.records_written).toBe(3);
    expect(summary.bookmark).toEqual({ n: 2 });
    expect(lines(join(dir, "out.jsonl"))).toHaveLength(3);
  });

  test("--state-path keeps bookmarks where it says", () => {
    const dir = tempDir();
    ticker(dir);
    expect(faucet(["run", "--state-path", "elsewhere"], { cwd: dir }).code).toBe(0);
    expect(filesIn(join(dir, "elsewhere"))).toEqual(["ticks.json"]);
    expect(existsSync(join(dir, ".faucet"))).toBe(false);
  });

  test("pipeline.state: memory keeps nothing between runs", () => {
    const dir = tempDir();
    ticker(dir, "", "page_size: 2\n      pages: 1");
    const yaml = readFileSync(join(dir, "faucet.yaml"), "utf8").replace(
      "  sink:",
      "  state:\n    type: memory\n  sink:",
    );
    write(dir, "faucet.yaml", yaml);
    faucet(["run"], { cwd: dir });
    faucet(["run"], { cwd: dir });
    expect(lines(join(dir, "out.jsonl")).map((l) => JSON.parse(l).n)).toEqual([1, 2, 1, 2]);
    expect(existsSync(join(dir, ".faucet"))).toBe(false);
  });

  test("debug logging off a terminal: one structured JSON line per page", () => {
    const dir = tempDir();
    ticker(dir);
    const result = faucet(["run", "--log-level", "debug"], { cwd: dir });
    const pages = result.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l))
      .filter((l) => l.msg === "page committed");
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatchObject({ level: "debug", pipeline: "ticks", page: 0, records: 2 });
    const quiet = faucet(["run"], { cwd: dir });
    expect(quiet.stderr).not.toContain("page committed");
  });

  test("vars, $${ escapes and run-time references", () => {
    const dir = tempDir();
    ticker(
      dir,
      `  transforms:
    - type: set
      config:
        values:
          size: \${vars.size}
          label: "\${vars.prefix}-x"
          literal: "$\${vars.size}"
          at: "\${now.iso}"
vars:
  size: 2
  prefix: tick
`,
      "page_size: ${vars.size}\n      pages: 1",
    );
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    const first = JSON.parse(lines(join(dir, "out.jsonl"))[0] as string);
    expect(first.size).toBe(2);
    expect(first.label).toBe("tick-x");
    expect(first.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(typeof first.literal).toBe("string");
    expect(first.literal).not.toBe("2");
  });
});

describe("faucet validate", () => {
  test("prints the resolved pipeline and the delivery guarantee", () => {
    const dir = tempDir();
    ticker(dir);
    const result = faucet(["validate"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("delivery guarantee: at_least_once");
    const yaml = parse(result.stdout.slice(result.stdout.indexOf("# resolved")));
    expect(yaml.pipeline.source).toEqual({ type: "ticker", config: { page_size: 2, pages: 3, delay_ms: 0 } });
    expect(yaml.pipeline.state).toEqual({ type: "file", config: { path: ".faucet/state" } });
    expect(existsSync(join(dir, ".faucet"))).toBe(false);
    const json = JSON.parse(faucet(["validate", "--output", "json"], { cwd: dir }).stdout);
    expect(json.status).toBe("valid");
  });

  test("refuses delivery: exactly_once when the pipeline cannot have it (exit 2)", () => {
    const dir = tempDir();
    ticker(dir, "delivery: exactly_once\n");
    const result = faucet(["validate"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("delivery: exactly_once is not possible for this pipeline");
    expect(result.stderr).toContain("sink-lines cannot commit a page and its watermark atomically");
    expect(faucet(["run"], { cwd: dir }).code).toBe(2);
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
  });

  test("maps dlq, schema, execution and resilience onto the pipeline", () => {
    const dir = tempDir();
    ticker(
      dir,
      `  dlq:
    sink:
      type: lines
      config:
        path: dlq.jsonl
    on_batch_error: dlq_all
    max_failures_total: 10
  schema:
    on_drift: fail
execution:
  batch_size: 500
  prefetch: 2
  max_concurrent: 4
resilience:
  retry:
    max_attempts: 2
  retry_on: [connection, timeout]
  circuit_breaker: { consecutive_failures: 3, cooldown_secs: 1 }
`,
    );
    const json = JSON.parse(faucet(["validate", "--output", "json"], { cwd: dir }).stdout);
    expect(json.pipeline.resilience).toMatchObject({ retry_on: ["connection", "timeout"] });
    expect(json.pipeline.pipeline.dlq).toMatchObject({ on_batch_error: "dlq_all", max_failures_total: 10 });
    expect(json.pipeline.pipeline.schema).toEqual({ on_drift: "fail" });
    expect(json.pipeline.execution).toMatchObject({ batch_size: 500, prefetch: 2 });
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    // Poison-row isolation reaches the Pipeline, which refuses it for a sink that cannot isolate rows.
    const yaml = readFileSync(join(dir, "faucet.yaml"), "utf8");
    write(dir, "faucet.yaml", `${yaml}  poison: { max_row_attempts: 2, action: drop }\n`);
    const poisoned = faucet(["run"], { cwd: dir });
    expect(poisoned.code).toBe(2);
    expect(poisoned.stderr).toContain("resilience.poison needs a sink that reports per-row outcomes");
  });
});

describe("faucet preview", () => {
  test("prints the first N records after transforms as JSON Lines and writes nothing", () => {
    const dir = tempDir();
    ticker(dir, "  transforms:\n    - type: set\n      config:\n        values:\n          seen: true\n");
    const result = faucet(["preview", "--limit", "3"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { n: 1, seen: true },
      { n: 2, seen: true },
      { n: 3, seen: true },
    ]);
    expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
    expect(existsSync(join(dir, ".faucet"))).toBe(false);
  });
});

describe("pipes", () => {
  test("a reader that stops early (faucet preview | head -1) is not an error", () => {
    const dir = tempDir();
    ticker(dir, "", "page_size: 500\n      pages: 40");
    const result = spawnSync(
      "sh",
      ["-c", `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} preview --limit 20000 | head -1`],
      {
        cwd: dir,
        encoding: "utf8",
      },
    );
    expect(result.stdout).toBe('{"n":1}\n');
    expect(result.stderr).toBe("");
  });
});

describe("faucet doctor", () => {
  test("reports pass, fail and skip with reasons, and exits 1 on a failure", () => {
    const dir = tempDir();
    ticker(dir);
    const ok = faucet(["doctor"], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("✓ pass  directory writable");
    expect(ok.stdout).toContain("- skip  table exists: created on first write");
    expect(ok.stdout).toContain("source ticker\n  - skip  checks: the connector has no pre-flight checks");
    expect(ok.stdout).toContain("all checks passed");
    const yaml = readFileSync(join(dir, "faucet.yaml"), "utf8").replace(
      "path: out.jsonl",
      "path: out.jsonl\n      check_fails: true",
    );
    write(dir, "faucet.yaml", yaml);
    const failed = faucet(["doctor", "--output", "json"], { cwd: dir });
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.failures).toBe(1);
    expect(report.connectors[1].probes[1]).toMatchObject({
      name: "remote reachable",
      status: "fail",
      hint: "start the server",
    });
    write(dir, "faucet.yaml", yaml.replace("type: ticker", "type: tickr"));
    expect(faucet(["doctor"], { cwd: dir }).code).toBe(2);
  });
});

describe("faucet list and schema", () => {
  test("list shows every kind with one line each; --json is machine-readable", () => {
    const text = faucet(["list"]);
    expect(text.code).toBe(0);
    for (const title of ["Sources:", "Sinks:", "Transforms:", "State stores:"]) expect(text.stdout).toContain(title);
    expect(text.stdout).toMatch(/\n {2}csv +\S/);
    const rows = JSON.parse(faucet(["list", "--json"]).stdout) as { kind: string; type: string; origin: string }[];
    expect(rows.find((r) => r.kind === "source" && r.type === "csv")?.origin).toBe("builtin");
    expect(rows.filter((r) => r.kind === "state").map((r) => r.type)).toEqual(
      expect.arrayContaining(["file", "memory"]),
    );
  });

  test("schema config is the whole-document schema; schema source <type> one connector's", () => {
    const doc = JSON.parse(faucet(["schema", "config"]).stdout);
    expect(doc.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(doc.$defs["source.csv"].properties.path).toBeDefined();
    const csv = JSON.parse(faucet(["schema", "source", "csv"]).stdout);
    expect(csv.properties.path.type).toBe("string");
    expect(csv.additionalProperties).toBe(false);
    const state = JSON.parse(faucet(["schema", "state", "file"]).stdout);
    expect(state.properties.path.default).toBe(".faucet/state");
    const unknown = faucet(["schema", "source", "cvs"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean `csv`?");
    expect(faucet(["schema", "bogus"]).code).toBe(2);
  });
});

describe("faucet init", () => {
  test("writes a commented YAML from the two schemas that parses and names every required field", () => {
    const dir = tempDir();
    const result = faucet(["init", "orders", "--source", "csv", "--sink", "parquet"], { cwd: dir });
    expect(result.code).toBe(0);
    const text = readFileSync(join(dir, "faucet.yaml"), "utf8");
    expect(text).toContain('name: "orders"');
    expect(text).toMatch(/ {6}path: "<path>" # REQUIRED \(string\)/);
    expect(text).toMatch(/# has_headers: true # .*default: true/);
    expect(text).toMatch(/one of: "auto", /);
    const doc = parse(text);
    expect(doc.pipeline.source.type).toBe("csv");
    expect(doc.pipeline.sink.type).toBe("parquet");
    expect(faucet(["init", "--source", "csv", "--sink", "parquet"], { cwd: dir }).code).toBe(2);
    // Filled in, the written file is a valid pipeline; a connector without required settings
    // gets `config:` with its optional keys commented out below it.
    write(dir, "in.csv", "id\n1\n");
    const filled = faucet(["init", "--source", "csv", "--sink", "stdout", "--file", "-"], { cwd: dir }).stdout.replace(
      '"<path>"',
      "in.csv",
    );
    expect(filled).toMatch(/ {2}sink:\n {4}type: stdout\n {4}config:\n {6}# /);
    write(dir, "filled.yaml", filled);
    const validated = faucet(["validate", "filled.yaml"], { cwd: dir });
    expect(validated.code, validated.stderr).toBe(0);
    expect(faucet(["init", "--source", "csv", "--sink", "parquet", "--force"], { cwd: dir }).code).toBe(0);
    expect(faucet(["init", "--source", "csv"], { cwd: dir }).code).toBe(2);
  });
});

describe("faucet test", () => {
  test("runs a transform spec, reading transforms from a pipeline file; a failing case exits 1", () => {
    const dir = tempDir();
    ticker(dir, "  transforms:\n    - type: set\n      config:\n        values:\n          seen: true\n");
    write(
      dir,
      "ok.spec.yaml",
      "pipeline: faucet.yaml\ncases:\n  - name: stamps\n    input: [{ n: 1 }]\n    expect:\n      records: [{ n: 1, seen: true }]\n",
    );
    const ok = faucet(["test", "ok.spec.yaml"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("✓ stamps\n1 passed, 0 failed");
    write(
      dir,
      "bad.spec.yaml",
      "pipeline: faucet.yaml\ncases:\n  - name: wrong\n    input: [{ n: 1 }]\n    expect: { record_count: 2 }\n",
    );
    const failed = faucet(["test", "bad.spec.yaml", "--output", "json"], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ passed: false, failedCount: 1 });
    write(dir, "invalid.spec.yaml", "cases: []\nbogus: 1\n");
    expect(faucet(["test", "invalid.spec.yaml"], { cwd: dir }).code).toBe(2);
  });

  test("the example spec passes", () => {
    const result = faucet(["test", "examples/transform-tests/orders.spec.yaml"]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});

/** Every command `faucet --help` lists and docs/cli.md documents. */
const COMMANDS = ["run", "validate", "schema", "init", "list", "preview", "doctor", "test", "new", "dlq", "state"];

describe("help and version", () => {
  test("every command has --help; the version is the package's", () => {
    const version = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
    expect(faucet(["--version"]).stdout.trim()).toBe(version);
    const help = faucet(["--help"]);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) {
      expect(help.stdout).toContain(`  ${command} `);
      const sub = faucet([command, "--help"]);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain(`Usage: faucet ${command}`);
    }
  });

  test("docs/cli.md documents every command and every exit code", () => {
    const docs = readFileSync(join(ROOT, "docs/cli.md"), "utf8");
    for (const command of COMMANDS) {
      expect(docs).toContain(`### faucet ${command}\n`);
    }
    for (const code of ["0", "1", "2", "130"]) expect(docs).toMatch(new RegExp(`\\n\\| ${code} +\\| `));
    expect(docs).toContain("yaml-language-server: $schema=");
  });
});

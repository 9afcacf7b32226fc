// biome-ignore-all lint/suspicious/noTemplateCurlyInString: tests write faucet config syntax
// Every bad input of the issue, through the real binary: one clear error, the right exit code,
// nothing written and no state saved.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { faucet, filesIn, LINES_SINK, tempDir, write } from "./helpers.js";

/** A working CSV → lines pipeline in a fresh directory, with `patch` applied to its YAML. */
function project(yaml: string): string {
  const dir = tempDir();
  write(dir, "in.csv", "id,name\n1,a\n2,b\n");
  write(dir, "faucet.yaml", yaml.replaceAll("LINES_SINK", LINES_SINK));
  return dir;
}

const GOOD = `version: 1
name: bad-input
plugins: [LINES_SINK]
pipeline:
  source:
    type: csv
    config:
      path: in.csv
  sink:
    type: lines
    config:
      path: out.jsonl
`;

/** Runs `run` in `dir` and checks the common promises: the exit code, one error, nothing written. */
function expectRefused(dir: string, code: number, ...fragments: string[]): string {
  const result = faucet(["run"], { cwd: dir });
  expect(result.code).toBe(code);
  expect(result.stdout).toBe("");
  for (const fragment of fragments) expect(result.stderr).toContain(fragment);
  expect(result.stderr.trim().split("\n")[0]).toMatch(/^\[faucet\] /);
  expect(result.stderr).toContain("(hint: ");
  expect(existsSync(join(dir, "out.jsonl"))).toBe(false);
  expect(filesIn(join(dir, ".faucet"))).toEqual([]);
  return result.stderr;
}

describe("bad input through the binary", () => {
  test("the happy path works, so the failures below are the bad input's", () => {
    const dir = project(GOOD);
    const result = faucet(["run"], { cwd: dir });
    expect(result.stderr).toContain("wrote 2");
    expect(result.code).toBe(0);
  });

  test("a missing config file: exit 2", () => {
    const dir = tempDir();
    const result = faucet(["run", "nope.yaml"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("config file not found: nope.yaml");
    const none = faucet(["run"], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no config file given and none of faucet.yaml");
  });

  test("a YAML syntax error names the line and column: exit 2", () => {
    const dir = project(GOOD.replace("    type: csv", "    type: csv\n   config: [oops"));
    expectRefused(dir, 2, "faucet.yaml:", "YAML syntax error");
    const stderr = faucet(["validate"], { cwd: dir }).stderr;
    expect(stderr).toMatch(/faucet\.yaml:\d+:\d+: YAML syntax error/);
  });

  test("a JSON syntax error names the line and column: exit 2", () => {
    const dir = tempDir();
    write(dir, "faucet.json", '{\n  "version": 1,\n  "pipeline": {,\n}');
    const result = faucet(["validate"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/faucet\.json:3:\d+: JSON syntax error/);
  });

  test("an unknown key in a connector config says where and what was meant: exit 2", () => {
    const dir = project(GOOD.replace("      path: out.jsonl", "      pathh: out.jsonl"));
    expectRefused(dir, 2, "`pipeline.sink.config.pathh`: unknown key; did you mean `path`?");
  });

  test("an unknown key in the document itself: exit 2", () => {
    const dir = project(GOOD.replace("name: bad-input", "nmae: bad-input"));
    expectRefused(dir, 2, "`nmae`: unknown key; did you mean `name`?");
  });

  test("a wrong value type: exit 2", () => {
    const dir = project(GOOD.replace("      path: in.csv", "      path: in.csv\n      has_headers: maybe"));
    expectRefused(dir, 2, "`pipeline.source.config.has_headers`", "expected boolean");
  });

  test("an unknown connector type lists the available ones: exit 2", () => {
    const dir = project(GOOD.replace("type: csv", "type: cvs"));
    const stderr = expectRefused(dir, 2, "`pipeline.source.type`: unknown source type `cvs`; did you mean `csv`?");
    expect(stderr).toMatch(/available: [a-z, ]*csv/);
  });

  test("an unresolved ${env:…}: exit 2", () => {
    const dir = project(GOOD.replace("path: in.csv", "path: ${env:FAUCET_TEST_NOT_SET}"));
    expectRefused(dir, 2, "`pipeline.source.config.path`: environment variable FAUCET_TEST_NOT_SET is not set");
  });

  test("an input file that does not exist: exit 1, nothing written", () => {
    const dir = project(GOOD.replace("path: in.csv", "path: missing.csv"));
    expectRefused(dir, 1, "missing.csv");
  });

  test("a Rust key this version does not implement is named as such: exit 2", () => {
    const dir = project(`${GOOD}matrix:\n  - id: a\n`);
    expectRefused(dir, 2, "`matrix`: not supported by this version of faucet");
    const drift = project(GOOD.replace("pipeline:\n", "pipeline:\n  schema:\n    on_drift: quarantine\n"));
    expectRefused(drift, 2, '`pipeline.schema.on_drift`: "quarantine" is not supported by this version');
  });

  test("several problems are reported together", () => {
    const dir = project(GOOD.replace("type: csv", "type: cvs").replace("path: out.jsonl", "pathh: out.jsonl"));
    const stderr = expectRefused(dir, 2, "3 problems");
    expect(stderr).toContain("unknown source type `cvs`");
    expect(stderr).toContain("`pipeline.sink.config.pathh`");
  });

  test("bad options: exit 2", () => {
    const dir = project(GOOD);
    expect(faucet(["run", "--limit", "ten"], { cwd: dir }).stderr).toContain("--limit must be a non-negative integer");
    expect(faucet(["run", "--limit", "ten"], { cwd: dir }).code).toBe(2);
    expect(faucet(["run", "--output", "xml"], { cwd: dir }).code).toBe(2);
    expect(faucet(["run", "--nope"], { cwd: dir }).code).toBe(2);
    const unknown = faucet(["runn"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean `run`?");
  });
});

describe("secrets", () => {
  const SECRET = "s3cr3t-Token-Value-42";

  test("a secret passed with ${env:…} appears in no output, including errors", () => {
    const dir = project(GOOD.replace("      path: out.jsonl", "      path: out.jsonl\n      token: ${env:API_TOKEN}"));
    const env = { API_TOKEN: SECRET };
    const outputs: string[] = [];
    const collect = (args: string[], extra: Record<string, string> = {}) => {
      const r = faucet(args, { cwd: dir, env: { ...env, ...extra } });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    expect(collect(["validate"]).stdout).toContain('token: "***"');
    expect(collect(["validate", "--output", "json"]).code).toBe(0);
    expect(collect(["run", "--log-level", "debug"]).code).toBe(0);
    expect(collect(["run", "--output", "json"]).code).toBe(0);
    expect(collect(["preview"]).code).toBe(0);

    // The secret inside an error message, and inside a failing check's reason.
    write(
      dir,
      "fail.yaml",
      GOOD.replace("LINES_SINK", LINES_SINK).replace(
        "      path: out.jsonl",
        "      path: out2.jsonl\n      token: ${env:API_TOKEN}\n      fail_with: bad token ${env:API_TOKEN}\n      check_fails: true",
      ),
    );
    const failed = collect(["run", "fail.yaml", "--output", "json"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("write refused: bad token ***");
    const doctor = collect(["doctor", "fail.yaml"]);
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toContain("cannot reach the server with token ***");

    // A secret in a missing-variable neighbour's error, and in a bad value.
    write(dir, "bad.yaml", `${GOOD.replace("LINES_SINK", LINES_SINK)}delivery: \${env:API_TOKEN}\n`);
    const bad = collect(["validate", "bad.yaml"]);
    expect(bad.code).toBe(2);
    for (const text of outputs) expect(text).not.toContain(SECRET);
  });

  test("a .env file beside the config is read, and the process environment wins", () => {
    const dir = project(GOOD.replace("path: in.csv", "path: ${env:INPUT_FILE}"));
    write(dir, ".env", "INPUT_FILE=in.csv\n");
    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    const overridden = faucet(["run"], { cwd: dir, env: { INPUT_FILE: "other.csv" } });
    expect(overridden.code).toBe(1);
    // Every value read from the environment is treated as a secret, file names included.
    expect(overridden.stderr).toContain("could not read");
    expect(overridden.stderr).toContain("***");
  });
});

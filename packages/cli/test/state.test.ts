// `faucet state get|set|delete|list` through the binary, on the file store and on Redis.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { describeWithService } from "faucet-conformance";
import { afterAll, describe, expect, test } from "vitest";
import { faucet, startFaucet, TICKER_SOURCE, tempDir, waitFor, write } from "./helpers.js";

const namespace = `faucet-cli-state-${process.pid}-${Date.now()}`;

type StateBlock = string | ((dir: string) => string);

function config(dir: string, state: StateBlock, source = "{ page_size: 2, pages: 3 }"): void {
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: ticks
plugins: [${TICKER_SOURCE}]
pipeline:
  source: { type: ticker, config: ${source} }
  sink: { type: jsonl, config: { path: out.jsonl } }
${typeof state === "function" ? state(dir) : state}`,
  );
}

const json = (run: { code: number | null; stdout: string; stderr: string }) => {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

/** The same checks against whichever store `state` configures. */
function stateCommands(storeName: string, state: StateBlock) {
  test(`${storeName}: get, set, delete and list the pipeline's own key (as a run computes it)`, () => {
    const dir = tempDir();
    config(dir, state);
    expect(json(faucet(["state", "get", "-o", "json"], { cwd: dir }))).toEqual({
      store: storeName,
      key: "ticks",
      found: false,
      value: null,
    });
    const empty = faucet(["state", "get"], { cwd: dir });
    expect(empty.stdout).toBe("");
    expect(empty.stderr).toContain('no state under key "ticks"');

    expect(faucet(["run"], { cwd: dir }).code).toBe(0);
    const got = faucet(["state", "get"], { cwd: dir });
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual({ n: 6 });

    // Rewind the bookmark: the next run starts after n = 2.
    const set = json(faucet(["state", "set", '{"n":2}', "-o", "json"], { cwd: dir }));
    expect(set).toMatchObject({ key: "ticks", previous: { n: 6 }, value: { n: 2 } });
    const rerun = json(faucet(["run", "-o", "json"], { cwd: dir }));
    expect(rerun.bookmark).toEqual({ n: 8 });

    // An explicit config path and --key; a string bookmark.
    const other = faucet(["state", "set", "faucet.yaml", '"2024-05-01"', "--key", "other"], { cwd: dir });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain('state "other": nothing -> "2024-05-01"');
    expect(json(faucet(["state", "get", "faucet.yaml", "--key", "other", "-o", "json"], { cwd: dir })).value).toBe(
      "2024-05-01",
    );
    const list = faucet(["state", "list"], { cwd: dir });
    expect(list.stdout.trim().split("\n")).toEqual(["other", "ticks"]);
    expect(json(faucet(["state", "list", "-o", "json"], { cwd: dir }))).toMatchObject({
      keys: ["other", "ticks"],
      pipeline_key: "ticks",
    });

    const deleted = json(faucet(["state", "delete", "-o", "json"], { cwd: dir }));
    expect(deleted).toMatchObject({ key: "ticks", deleted: true, previous: { n: 8 } });
    expect(json(faucet(["state", "delete", "-o", "json"], { cwd: dir }))).toMatchObject({ deleted: false });
    expect(faucet(["state", "delete", "--key", "other"], { cwd: dir }).code).toBe(0);
    expect(faucet(["state", "list"], { cwd: dir }).stdout).toBe("");
    // With no bookmark the run starts from the beginning again.
    expect(json(faucet(["run", "-o", "json"], { cwd: dir })).bookmark).toEqual({ n: 6 });
  });

  test(`${storeName}: set and delete are refused while a run holds the key, and change nothing`, async () => {
    const dir = tempDir();
    // An endless run, stopped with Ctrl-C once the checks are done, so it cannot end before them.
    config(dir, state, "{ page_size: 2, pages: 0, delay_ms: 100 }");
    expect(faucet(["state", "set", '{"n":100}'], { cwd: dir }).code).toBe(0);
    const run = startFaucet(["run", "-o", "json"], { cwd: dir });
    await waitFor(() => existsSync(join(dir, "out.jsonl")));
    for (const args of [
      ["state", "set", '{"n":1}'],
      ["state", "delete"],
    ]) {
      const refused = faucet(args, { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toHaveLength(1);
      expect(refused.stderr).toMatch(/^\[faucet\] already running: state key "ticks" is held by /);
    }
    // Reading does not need the lease.
    expect(faucet(["state", "get"], { cwd: dir }).code).toBe(0);
    run.child.kill("SIGINT");
    const done = await run.done;
    expect(done.code, done.stderr).toBe(130);
    const bookmark = JSON.parse(done.stdout).bookmark as { n: number };
    expect(bookmark.n).toBeGreaterThan(100);
    expect(JSON.parse(faucet(["state", "get"], { cwd: dir }).stdout)).toEqual(bookmark);
    // Free again once the run is over.
    expect(faucet(["state", "set", '{"n":1}'], { cwd: dir }).code).toBe(0);
  });
}

describe("faucet state", () => {
  stateCommands("file", "");

  test("--state-path points the commands at a directory of files, like faucet run", () => {
    const dir = tempDir();
    config(dir, "");
    expect(faucet(["run", "--state-path", "elsewhere"], { cwd: dir }).code).toBe(0);
    expect(existsSync(join(dir, "elsewhere", "ticks.json"))).toBe(true);
    expect(faucet(["state", "get"], { cwd: dir }).stdout).toBe("");
    expect(JSON.parse(faucet(["state", "get", "--state-path", "elsewhere"], { cwd: dir }).stdout)).toEqual({ n: 6 });
  });

  test("the default key is the source's own state key when it has one, as in a run", () => {
    const dir = tempDir();
    write(
      dir,
      "faucet.yaml",
      `version: 1
name: issues
pipeline:
  source: { type: rest, config: { base_url: "http://127.0.0.1:9", path: /issues, state_key: github-issues } }
  sink: { type: jsonl, config: { path: out.jsonl } }
`,
    );
    expect(faucet(["state", "set", '{"since":"2024-05-01"}'], { cwd: dir }).code).toBe(0);
    expect(faucet(["state", "list"], { cwd: dir }).stdout).toBe("github-issues\n");
    expect(json(faucet(["state", "get", "-o", "json"], { cwd: dir }))).toMatchObject({
      key: "github-issues",
      value: { since: "2024-05-01" },
    });
  });

  test("reading leaves no state directory behind", () => {
    const dir = tempDir();
    config(dir, "");
    expect(faucet(["state", "get"], { cwd: dir }).code).toBe(0);
    expect(faucet(["state", "delete"], { cwd: dir }).code).toBe(0);
    expect(existsSync(join(dir, ".faucet"))).toBe(false);
  });

  test("bad input: no action, unknown action, a value that is not JSON, extra arguments, the memory store", () => {
    const dir = tempDir();
    config(dir, "");
    const cases: [string[], string][] = [
      [["state"], "faucet state needs an action"],
      [["state", "gte"], "unknown state action `gte`; did you mean `get`?"],
      [["state", "set"], "needs the new value as JSON"],
      [["state", "set", "{n:1}"], "the new state value is not JSON"],
      [["state", "get", "faucet.yaml", "extra"], 'unexpected argument "extra"'],
      [["state", "get", "missing.yaml"], "config file not found: missing.yaml"],
    ];
    for (const [args, message] of cases) {
      const run = faucet(args, { cwd: dir });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toContain(message);
    }
    config(dir, "  state: { type: memory }\n");
    const memory = faucet(["state", "get"], { cwd: dir });
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain("pipeline.state is `memory`");
  });
});

afterAll(() => {
  spawnSync("sh", ["-c", `redis-cli --scan --pattern '${namespace}*' | xargs -r redis-cli del`], { stdio: "ignore" });
});

await describeWithService({ name: "Redis", port: 6379 }, "faucet state on Redis", () => {
  stateCommands(
    "redis",
    (dir) =>
      `  state: { type: redis, config: { url: "redis://127.0.0.1:6379", namespace: ${namespace}-${basename(dir)} } }\n`,
  );
});

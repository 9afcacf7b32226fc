// Two real `faucet run` processes on one config and one state store: the second is refused with
// "already running" (exit 1, one line) and the first completes. On the file store and on Redis,
// and `execution.lease_ttl_secs` after a holder is killed.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describeWithService } from "faucet-conformance";
import { afterAll, describe, expect, test } from "vitest";
import { faucet, startFaucet, TICKER_SOURCE, tempDir, waitFor, write } from "./helpers.js";

const namespace = `faucet-cli-lease-${process.pid}-${Date.now()}`;

function config(dir: string, state: string, execution = ""): void {
  write(
    dir,
    "faucet.yaml",
    `version: 1
name: slow
plugins: [${TICKER_SOURCE}]
pipeline:
  source: { type: ticker, config: { page_size: 3, pages: 16, delay_ms: 250 } }
  sink: { type: jsonl, config: { path: out.jsonl } }
${state}${execution}`,
  );
}

const records = (dir: string) =>
  existsSync(join(dir, "out.jsonl"))
    ? readFileSync(join(dir, "out.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).n as number)
    : [];

async function secondRunIsRefused(dir: string): Promise<void> {
  const first = startFaucet(["run", "-o", "json"], { cwd: dir });
  // The lease is taken before the first page is read, so once a page landed it is held.
  await waitFor(() => records(dir).length > 0);
  const second = faucet(["run", "-o", "json"], { cwd: dir });
  expect(second.code).toBe(1);
  const lines = second.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /^\[faucet\] already running: state key "slow" is held by .+ \(hint: wait for the other run/,
  );
  expect(JSON.parse(second.stdout)).toMatchObject({ status: "failed", error: { kind: "state" } });
  const done = await first.done;
  expect(done.code, done.stderr).toBe(0);
  expect(JSON.parse(done.stdout)).toMatchObject({ records_written: 48, bookmark: { n: 48 } });
  expect(records(dir)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
  // The lease was released: a third run resumes from the bookmark.
  const third = faucet(["run", "-o", "json"], { cwd: dir });
  expect(third.code, third.stderr).toBe(0);
  expect(JSON.parse(third.stdout).bookmark).toEqual({ n: 96 });
}

describe("one run per state key (file store)", () => {
  test("a second faucet run on the same config exits 1 with one 'already running' line; the first completes", async () => {
    const dir = tempDir();
    config(dir, "");
    await secondRunIsRefused(dir);
    expect(existsSync(join(dir, ".faucet", "state", "slow.json.lock"))).toBe(false);
  });

  test("a holder killed with SIGKILL does not block the key: its pid is gone, so the lock is stale", async () => {
    const dir = tempDir();
    config(dir, "");
    const first = startFaucet(["run"], { cwd: dir });
    await waitFor(() => records(dir).length > 0);
    first.child.kill("SIGKILL");
    await first.done;
    expect(existsSync(join(dir, ".faucet", "state", "slow.json.lock"))).toBe(true);
    const next = faucet(["run", "-o", "json"], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
  });

  test("execution.lease_ttl_secs is validated", () => {
    const dir = tempDir();
    config(dir, "", "execution: { lease_ttl_secs: 0 }\n");
    const run = faucet(["validate"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("execution.lease_ttl_secs");
  });
});

afterAll(() => {
  spawnSync("sh", ["-c", `redis-cli --scan --pattern '${namespace}*' | xargs -r redis-cli del`], { stdio: "ignore" });
});

await describeWithService({ name: "Redis", port: 6379 }, "one run per state key (Redis)", () => {
  const redis = (dir: string) =>
    `  state: { type: redis, config: { url: "redis://127.0.0.1:6379", namespace: ${namespace}-${basename(dir)} } }\n`;

  test("a second faucet run on the same config exits 1 with one 'already running' line; the first completes", async () => {
    const dir = tempDir();
    config(dir, redis(dir));
    await secondRunIsRefused(dir);
  });

  test("a SIGKILLed holder keeps the key until its lease expires after execution.lease_ttl_secs", async () => {
    const dir = tempDir();
    config(dir, redis(dir), "execution: { lease_ttl_secs: 2 }\n");
    const first = startFaucet(["run"], { cwd: dir });
    await waitFor(() => records(dir).length > 0);
    first.child.kill("SIGKILL");
    await first.done;
    const killedAt = Date.now();
    const blocked = faucet(["run"], { cwd: dir });
    // Only meaningful while the lease can still be alive.
    if (Date.now() - killedAt < 1200) {
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain("already running");
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 2300 - (Date.now() - killedAt))));
    const next = faucet(["run", "-o", "json"], { cwd: dir });
    expect(next.code, next.stderr).toBe(0);
    // It resumes from the killed run's last saved bookmark: no committed page is written twice.
    const bookmark = JSON.parse(next.stdout).bookmark as { n: number };
    expect(bookmark.n % 3).toBe(0);
    expect(bookmark.n).toBeGreaterThanOrEqual(48);
  });
});

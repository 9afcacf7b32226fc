import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Source, StreamPage } from "faucet-core";
import { FileStateStore, Pipeline, silentLogger } from "faucet-core";
import { afterAll, expect, test } from "vitest";
import { CountingSource, RecordingSink } from "./helpers.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "faucet-lease-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test("a second run on the same state key fails with 'already running' and the first finishes", async () => {
  const store = new FileStateStore(await tempDir());
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slow: Source = {
    fetchWithContext: async () => [],
    async *streamPages(): AsyncIterable<StreamPage> {
      yield { records: [{ id: 1 }], bookmark: 1 };
      await gate;
      yield { records: [{ id: 2 }], bookmark: 2 };
    },
  };
  const options = { stateStore: store, stateKey: "orders", logger: silentLogger };
  const first = new Pipeline(slow, new RecordingSink(), options).run();
  await new Promise((r) => setTimeout(r, 50));
  const second = new RecordingSink();
  await expect(new Pipeline(new CountingSource(5), second, options).run()).rejects.toMatchObject({
    kind: "state",
    message: expect.stringContaining(`already running: state key "orders" is held by pid ${process.pid}`),
  });
  expect(second.writes).toBe(0);
  release();
  expect((await first).bookmark).toBe(2);
  // Released on exit: the next run goes ahead.
  const third = await new Pipeline(new CountingSource(5), new RecordingSink(), options).run();
  expect(third.recordsWritten).toBe(3);
});

test("a lease held by another live process blocks; once that process dies, the key is free", async () => {
  const dir = await tempDir();
  const holder = fileURLToPath(new URL("./fixtures/lease-holder.mjs", import.meta.url));
  const child = spawn(process.execPath, [holder, dir, "orders"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  const store = new FileStateStore(dir);
  await expect(store.acquireLease("orders")).rejects.toMatchObject({
    message: expect.stringContaining(`held by pid ${child.pid}`),
  });
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const lease = await store.acquireLease("orders");
  await lease.release();
});

test("a lock that nobody renewed for longer than the lease lifetime is stale", async () => {
  const dir = await tempDir();
  const store = new FileStateStore(dir);
  const lock = `${store.pathFor("k")}.lock`;
  await writeFile(lock, JSON.stringify({ pid: 1, host: "another-host", acquired_at: "2020-01-01T00:00:00Z" }));
  await expect(store.acquireLease("k", { ttlMs: 60_000 })).rejects.toMatchObject({ kind: "state" });
  const old = new Date(Date.now() - 120_000);
  await utimes(lock, old, old);
  const lease = await store.acquireLease("k", { ttlMs: 60_000 });
  await lease.release();
  await lease.release();
});

test("lease: false opts out", async () => {
  const store = new FileStateStore(await tempDir());
  const held = await store.acquireLease("k");
  const result = await new Pipeline(new CountingSource(2), new RecordingSink(), {
    stateStore: store,
    stateKey: "k",
    lease: false,
    logger: silentLogger,
  }).run();
  expect(result.recordsWritten).toBe(2);
  await held.release();
});

test("a run whose lease is taken over stops and fails instead of writing on", async () => {
  const store = new FileStateStore(await tempDir());
  const sink = new RecordingSink();
  const slow: Source = {
    fetchWithContext: async () => [],
    async *streamPages(_ctx, _size, signal): AsyncIterable<StreamPage> {
      for (let i = 1; i <= 100 && !signal?.aborted; i++) {
        await new Promise((r) => setTimeout(r, 20));
        yield { records: [{ id: i }], bookmark: i };
      }
    },
  };
  const run = new Pipeline(slow, sink, {
    stateStore: store,
    stateKey: "k",
    lease: { ttlMs: 150 },
    logger: silentLogger,
  }).run();
  await new Promise((r) => setTimeout(r, 120));
  // Another run (on another host) took the key over.
  await writeFile(`${store.pathFor("k")}.lock`, JSON.stringify({ pid: 1, host: "elsewhere", acquired_at: "now" }));
  await expect(run).rejects.toMatchObject({ kind: "state", message: expect.stringContaining("was lost") });
  expect(sink.rows.length).toBeLessThan(20);
  const saved = (await store.get("k")) as number;
  expect(sink.rows).toHaveLength(saved);
});

test("two stores in one process taking one key at once: one holds it, the other is told 'already running'", async () => {
  for (let round = 0; round < 20; round++) {
    const dir = await tempDir();
    await new FileStateStore(dir).put("warm", 1); // the directory exists, so both reach the lock at once
    const settled = await Promise.allSettled([1, 2].map(() => new FileStateStore(dir).acquireLease("k")));
    const refused = settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as Error).message] : []));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/already running/);
    for (const s of settled) if (s.status === "fulfilled") await s.value.release();
  }
});

test("a dead holder's lock broken by several processes at once leaves exactly one holder", async () => {
  const core = JSON.stringify(new URL("../dist/index.js", import.meta.url).href);
  const child = `
    import { FileStateStore } from ${core};
    const [dir, at] = process.argv.slice(1);
    while (Date.now() < Number(at)) {}
    try { await new FileStateStore(dir).acquireLease("k"); console.log("held"); setInterval(() => {}, 1000); }
    catch { console.log("refused"); }`;
  for (let round = 0; round < 8; round++) {
    const dir = await tempDir();
    const dead = spawn(process.execPath, ["-e", "0"]);
    await new Promise((resolve) => dead.once("exit", resolve));
    await writeFile(
      `${new FileStateStore(dir).pathFor("k")}.lock`,
      JSON.stringify({ pid: dead.pid, host: hostname(), acquired_at: "then", token: "dead" }),
    );
    const at = String(Date.now() + 700);
    // The holder keeps its lease until every taker has answered: on a loaded machine a taker may
    // start late, and a holder that had exited by then would rightly count as dead.
    const takers = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ["--input-type=module", "-e", child, dir, at]),
    );
    const outcomes = await Promise.all(
      takers.map((taker) => {
        let out = "";
        return new Promise<string>((resolve) => {
          taker.stdout.on("data", (d) => {
            out += String(d);
            if (out.includes("\n")) resolve(out.trim());
          });
          taker.on("exit", () => resolve(out.trim()));
        });
      }),
    );
    for (const taker of takers) taker.kill();
    await Promise.all(
      takers.map((taker) => (taker.exitCode === null && taker.signalCode === null ? once(taker, "exit") : undefined)),
    );
    expect(outcomes.filter((o) => o === "held")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "refused")).toHaveLength(5);
  }
}, 120_000);

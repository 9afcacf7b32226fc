// Leases of the Postgres state store against the local server: exclusivity, a SIGKILLed holder,
// a session the server ends, two Pipeline runs and two `faucet run` processes on one key.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeWithService } from "faucet-conformance";
import { FaucetError, type Logger, Pipeline, type Source, type StreamPage, type Value } from "faucet-core";
import { PostgresStateStore } from "faucet-state-postgres";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";

const PG_URL = process.env.FAUCET_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const SCHEMA = "faucet_test_state_postgres_lease";
const HOLDER = fileURLToPath(new URL("./fixtures/hold-lease.mjs", import.meta.url));
const CLI = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

async function rejection(promise: Promise<unknown>): Promise<FaucetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(FaucetError.is(error), String(error)).toBe(true);
  return error as FaucetError;
}

/** Retries `take` until it succeeds or `ms` passed. */
async function eventually<T>(take: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await take();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** A logger that keeps what was logged. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

await describeWithService({ name: "PostgreSQL", port: 5432 }, "state-postgres leases", () => {
  const children: ChildProcess[] = [];
  const stores: PostgresStateStore[] = [];
  const store = (table: string, logger?: Logger) => {
    const s = new PostgresStateStore({ connection_url: PG_URL, schema: SCHEMA, table }, logger ? { logger } : {});
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    await sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all(stores.map((s) => s.close()));
    await sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  test("a lease is exclusive between two stores and says who holds it; release hands it over", async () => {
    const [a, b] = [store("excl"), store("excl")];
    const lease = await a.acquireLease("orders", { ttlMs: 10_000 });
    expect(lease.key).toBe("orders");
    const { rows } = await sql(`SELECT holder, backend_pid FROM ${SCHEMA}.excl_lease WHERE key = 'orders'`);
    expect(rows[0].holder).toMatchObject({ pid: process.pid, host: hostname() });
    const locks = await sql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [
      rows[0].backend_pid,
    ]);
    expect(locks.rows[0].n).toBe(1);

    const error = await rejection(b.acquireLease("orders", { ttlMs: 10_000 }));
    expect(error.kind).toBe("state");
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      new RegExp(`already running: state key "orders" is held by pid ${process.pid} on .+ since \\d{4}-\\d\\d-\\d\\dT`),
    );
    // The same store cannot take it twice either; another key, and the same key in another table, are free.
    expect((await rejection(a.acquireLease("orders"))).message).toMatch(/already running/);
    const other = await b.acquireLease("users");
    const elsewhere = await store("excl_other").acquireLease("orders");

    await lease.release();
    await lease.release(); // idempotent
    expect((await sql(`SELECT count(*)::int AS n FROM ${SCHEMA}.excl_lease WHERE key = 'orders'`)).rows[0].n).toBe(0);
    const taken = await b.acquireLease("orders", { ttlMs: 10_000 });
    await Promise.all([taken.release(), other.release(), elsewhere.release()]);
  });

  test("a holder killed with SIGKILL frees the key as soon as its connection drops", async () => {
    const child = spawn(process.execPath, [HOLDER, PG_URL, SCHEMA, "kill", "orders"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    const [line] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
    expect(line.toString()).toBe("held\n");
    const b = store("kill");
    expect((await rejection(b.acquireLease("orders"))).message).toMatch(new RegExp(`held by pid ${child.pid} on `));

    child.kill("SIGKILL");
    await once(child, "exit");
    const started = Date.now();
    const lease = await eventually(() => b.acquireLease("orders"));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(lease.key).toBe("orders");
    await lease.release();
  });

  test("a session the server ends aborts the lease's signal; puts under it fail; the key is free again", async () => {
    const logger = recordingLogger();
    const [a, b] = [store("ended", logger), store("ended")];
    const lease = await a.acquireLease("orders", { ttlMs: 600 });
    await a.put("orders", { id: 1 });
    const { rows } = await sql(`SELECT backend_pid FROM ${SCHEMA}.ended_lease WHERE key = 'orders'`);
    await sql("SELECT pg_terminate_backend($1)", [rows[0].backend_pid]);
    await eventually(async () => expect(lease.signal?.aborted).toBe(true), 5_000);
    const reason = lease.signal?.reason as FaucetError;
    expect(FaucetError.is(reason, "state")).toBe(true);
    expect(reason.message).toMatch(/the lease on state key "orders" was lost/);
    expect(logger.lines.some((l) => l.startsWith("error: the state lease was lost"))).toBe(true);

    const taken = await b.acquireLease("orders");
    await b.put("orders", { id: 2 });
    await lease.release(); // idempotent after the loss, and it leaves the successor alone
    expect(await a.get("orders")).toEqual({ id: 2 });
    await rejection(store("ended").acquireLease("orders"));
    await taken.release();

    // A put fenced by a lease whose session is gone fails instead of writing.
    const again = await a.acquireLease("users", { ttlMs: 60_000 });
    const holder = await sql(`SELECT backend_pid FROM ${SCHEMA}.ended_lease WHERE key = 'users'`);
    await sql("SELECT pg_terminate_backend($1)", [holder.rows[0].backend_pid]);
    await sleep(200);
    expect((await rejection(a.put("users", 1))).message).toMatch(/was lost/);
    expect(await a.get("users")).toBeUndefined();
    await again.release();
  });

  test("close() releases held leases; close() while a lease is being taken keeps nothing", async () => {
    const a = store("closing");
    await a.acquireLease("k");
    await a.close();
    const b = store("closing");
    await (await b.acquireLease("k")).release();

    const c = store("closing");
    await c.get("warm-up");
    const taking = c.acquireLease("k");
    const closing = c.close();
    expect((await rejection(taking)).message).toMatch(/closed/);
    await closing;
    await (await b.acquireLease("k")).release();
  });

  test("Pipeline: a second run on the same key fails with 'already running' and writes nothing", async () => {
    let unblock!: () => void;
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const source = (gate?: Promise<void>): Source => {
      let after = 0;
      return {
        connectorName: () => "numbers",
        capabilities: () => ({ incremental: true, deterministicReplay: true, discover: false }),
        applyStartBookmark: (bookmark) => {
          after = bookmark as number;
        },
        fetchWithContext: async () => [],
        async *streamPages(): AsyncGenerator<StreamPage> {
          for (let id = after + 1; id <= 4; id++) {
            if (id === 3 && gate) await gate;
            yield { records: [{ id }], bookmark: id };
          }
        },
      };
    };
    const sink = () => {
      const written: Value[] = [];
      return {
        written,
        writeBatch: async (records: readonly Value[]) => {
          written.push(...records);
          return records.length;
        },
      };
    };
    const [first, second] = [store("pipeline"), store("pipeline")];
    const firstSink = sink();
    let committed!: () => void;
    const twoPages = new Promise<void>((resolve) => {
      committed = resolve;
    });
    const firstRun = new Pipeline(source(blocked), firstSink, {
      stateStore: first,
      stateKey: "numbers",
      prefetch: 0,
      onProgress: (p) => {
        if (p.pages === 2) committed();
      },
    }).run();
    await twoPages;
    expect(await first.get("numbers")).toBe(2);

    const secondSink = sink();
    const error = await rejection(
      new Pipeline(source(), secondSink, { stateStore: second, stateKey: "numbers" }).run(),
    );
    expect(error.kind).toBe("state");
    expect(error.message).toMatch(new RegExp(`already running: state key "numbers" is held by pid ${process.pid} on `));
    expect(secondSink.written).toEqual([]);
    expect(await second.get("numbers")).toBe(2);

    unblock();
    expect(await firstRun).toMatchObject({ recordsWritten: 4, bookmark: 4 });
    expect(firstSink.written).toEqual([1, 2, 3, 4].map((id) => ({ id })));
    expect((await sql(`SELECT count(*)::int AS n FROM ${SCHEMA}.pipeline_lease`)).rows[0].n).toBe(0); // released

    // Now the second store may run: it resumes after 4 and writes nothing new.
    const third = await new Pipeline(source(), secondSink, { stateStore: second, stateKey: "numbers" }).run();
    expect(third.recordsWritten).toBe(0);
  });

  test("two `faucet run` processes on one config: the second exits 'already running' and writes nothing", async (ctx) => {
    if (!existsSync(CLI)) ctx.skip(); // the CLI is built by `npm test`
    await sql(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await sql(`CREATE TABLE ${SCHEMA}.src (id bigint PRIMARY KEY, v text)`);
    await sql(`INSERT INTO ${SCHEMA}.src SELECT n, 'v' || n FROM generate_series(1, 3) AS n`);
    const dir = mkdtempSync(join(tmpdir(), "faucet-state-postgres-"));
    const config = join(dir, "faucet.yaml");
    writeFileSync(
      config,
      [
        "version: 1",
        "name: lease-cli",
        "pipeline:",
        "  source:",
        "    type: postgres",
        `    config: { connection_url: "${PG_URL}", table: ${SCHEMA}.src, replication_key: id, state_key: lease-cli }`,
        "  sink:",
        "    type: postgres",
        `    config: { connection_url: "${PG_URL}", schema: ${SCHEMA}, table_name: dst, column_mapping: auto_map }`,
        "  state:",
        "    type: postgres",
        `    config: { connection_url: "${PG_URL}", schema: ${SCHEMA}, table: cli_state }`,
        "",
      ].join("\n"),
    );
    const run = () => {
      const child = spawn(process.execPath, [CLI, "run", config], { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
      children.push(child);
      let output = "";
      child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
      child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
      const exited = once(child, "exit").then(([code]) => ({ code: code as number | null, output }));
      return { child, exited };
    };
    // Hold the source table: the first run takes the lease, then waits on the table's lock.
    const gate = new pg.Client({ connectionString: PG_URL });
    await gate.connect();
    try {
      await gate.query("BEGIN");
      await gate.query(`LOCK TABLE ${SCHEMA}.src IN ACCESS EXCLUSIVE MODE`);
      const first = run();
      const holder = await eventually(async () => {
        const { rows } = await sql(`SELECT holder FROM ${SCHEMA}.cli_state_lease WHERE key = 'lease-cli'`);
        if (!rows[0]) throw new Error("no lease yet");
        return rows[0].holder as { pid: number };
      }, 30_000);
      expect(holder.pid).toBe(first.child.pid);

      const second = await run().exited;
      expect(second.code, second.output).toBe(1);
      expect(second.output).toMatch(
        new RegExp(`already running: state key "lease-cli" is held by pid ${first.child.pid} on .+ since `),
      );
      const dst = await sql(`SELECT to_regclass('${SCHEMA}.dst') IS NOT NULL AS exists`);
      expect(dst.rows[0].exists).toBe(false); // nothing written

      await gate.query("COMMIT");
      const done = await first.exited;
      expect(done.code, done.output).toBe(0);
    } finally {
      await gate.end();
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await sql(`SELECT id::int AS id FROM ${SCHEMA}.dst ORDER BY id`)).rows).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ]);
    expect((await sql(`SELECT value FROM ${SCHEMA}.cli_state WHERE key = 'lease-cli'`)).rows[0].value).toBe(3);
    expect((await sql(`SELECT count(*)::int AS n FROM ${SCHEMA}.cli_state_lease`)).rows[0].n).toBe(0);
  });
});

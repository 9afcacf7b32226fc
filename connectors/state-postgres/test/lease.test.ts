// Leases of the Postgres state store against the local server: the shared lease battery
// (faucet-conformance testStateStoreLeases, also run by state-redis), then what is Postgres's
// own: the advisory lock, a session the server ends, and two `faucet run` processes on one key.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeWithService, eventually, recordingLogger, rejection, testStateStoreLeases } from "faucet-conformance";
import { FaucetError, type Logger, sleep } from "faucet-core";
import { PostgresStateStore } from "faucet-state-postgres";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { PG_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_state_postgres_lease";
const HOLDER = fileURLToPath(new URL("./fixtures/hold-lease.mjs", import.meta.url));
const CLI = fileURLToPath(new URL("../../../packages/cli/dist/bin.js", import.meta.url));

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

  testStateStoreLeases({
    freedWithConnection: true,
    space: (table) => ({
      store: (logger) => store(table, logger),
      holder: async (key) => {
        const { rows } = await sql(`SELECT holder FROM ${SCHEMA}.${table}_lease WHERE key = $1`, [key]);
        return rows[0]?.holder;
      },
      spawnHolder: (key) =>
        spawn(process.execPath, [HOLDER, PG_URL, SCHEMA, table, key], { stdio: ["ignore", "pipe", "inherit"] }),
    }),
  });

  test("a lease is a session-level advisory lock, held by the connection its holder row names", async () => {
    const lease = await store("advisory").acquireLease("orders", { ttlMs: 10_000 });
    const { rows } = await sql(`SELECT backend_pid FROM ${SCHEMA}.advisory_lease WHERE key = 'orders'`);
    const locks = await sql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [
      rows[0].backend_pid,
    ]);
    expect(locks.rows[0].n).toBe(1);
    await lease.release();
    expect(
      (
        await sql("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [
          rows[0].backend_pid,
        ])
      ).rows[0].n,
    ).toBe(0);
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

// Pages held in one transaction until flush: when they become visible, what a failing page or a
// lost connection does to the pages before it, the page cap, and a single connection's sharing.
import { describeWithService } from "faucet-conformance";
import { FaucetError, Pipeline, silentLogger, type Value } from "faucet-core";
import { MAX_HELD_PAGES, PostgresSink, type PostgresSinkConfigInput } from "faucet-sink-postgres";
import { afterAll, beforeEach, expect, test } from "vitest";
import { pagesSource } from "../../common-sql/test/sink-helpers.js";
import { ADMIN_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_sink_postgres_held";
const url = ADMIN_URL;
const APP = "faucet_held_test";
const base = {
  connection_url: url,
  schema: SCHEMA,
  table_name: "held",
  column_mapping: "auto_map",
  application_name: APP,
} as const satisfies PostgresSinkConfigInput;

async function count(): Promise<number> {
  return Number((await sql(url, `SELECT count(*) AS n FROM ${SCHEMA}.held`)).rows[0].n);
}

/** Pages of `size` rows with ids from `first`. */
function pages(n: number, size: number, first = 1): Value[][] {
  return Array.from({ length: n }, (_, p) =>
    Array.from({ length: size }, (_, i) => ({ id: first + p * size + i, v: `p${p}` })),
  );
}

/** Ends the sink's connection from the server side, as a restart or a network cut would. */
async function killSinkConnection(): Promise<void> {
  const { rows } = await sql(
    url,
    "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1",
    [APP],
  );
  expect(rows.length).toBe(1);
}

await describeWithService({ name: "PostgreSQL", port: 5432 }, "sink-postgres: pages held until flush", () => {
  beforeEach(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await sql(url, `CREATE SCHEMA ${SCHEMA}`);
    await sql(url, `CREATE TABLE ${SCHEMA}.held (id int PRIMARY KEY, v text)`);
  });
  afterAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  const modes: [string, PostgresSinkConfigInput][] = [
    ["copy", { ...base }],
    ["insert", { ...base, write_method: "insert" }],
    ["upsert", { ...base, write_mode: "upsert", key: ["id"] }],
  ];
  for (const [name, config] of modes) {
    test(`${name}: pages are visible after flush and not before; close commits too`, async () => {
      const sink = new PostgresSink(config);
      for (const page of pages(3, 100)) await sink.writeBatch(page);
      expect(await count()).toBe(0);
      await sink.flush();
      expect(await count()).toBe(300);
      await sink.writeBatch(pages(1, 50, 1000)[0] as Value[]);
      expect(await count()).toBe(300);
      await sink.close();
      expect(await count()).toBe(350);
    });
  }

  test("a bad row in page 3 of 5 fails with its row index; pages 1-2 are committed by the exit flush", async () => {
    const input = pages(5, 100);
    (input[2] as Value[])[37] = { id: "not a number", v: "bad" };
    for (const [, config] of modes) {
      await sql(url, `TRUNCATE ${SCHEMA}.held`);
      // No bookmarks, so no flush between pages: only the exit path commits.
      const source = pagesSource(input, () => undefined as unknown as Value);
      const sink = new PostgresSink(config);
      const error = await new Pipeline(source, sink, { logger: silentLogger }).run().catch((e: unknown) => e);
      expect(FaucetError.is(error, "sink"), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/record 37, column "id"/);
      expect(await count()).toBe(200);
      const { rows } = await sql(url, `SELECT min(id) AS lo, max(id) AS hi FROM ${SCHEMA}.held`);
      expect(rows[0]).toEqual({ lo: 1, hi: 200 });
    }
  });

  test("the poison policy still isolates a bad row: the other rows of its page and the pages around it land", async () => {
    const input = pages(3, 100);
    (input[1] as Value[])[5] = { id: "bad", v: "x" };
    const sink = new PostgresSink(base);
    const result = await new Pipeline(
      pagesSource(input, () => undefined as unknown as Value),
      sink,
      { poison: { maxRowAttempts: 1, action: "drop" }, logger: silentLogger },
    ).run();
    expect(result).toMatchObject({ recordsWritten: 299, dropped: 1 });
    expect(await count()).toBe(299);
  });

  test("a connection killed while pages are held fails the run with a non-retryable error, never a silent retry", async () => {
    const sink = new PostgresSink(base);
    const [first, second, third] = pages(3, 100);
    await sink.writeBatch(first as Value[]);
    await sink.writeBatch(second as Value[]);
    await killSinkConnection();
    const error = await sink.writeBatch(third as Value[]).catch((e: unknown) => e);
    expect(FaucetError.is(error, "sink"), String(error)).toBe(true);
    expect((error as FaucetError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/2 page\(s\) \(200 rows\) .* were not committed/);
    // Every later write and flush reports the same loss rather than carrying on without those pages.
    await expect(sink.flush()).rejects.toBe(error);
    await expect(sink.writeBatch(third as Value[])).rejects.toBe(error);
    await sink.close();
    expect(await count()).toBe(0);
  });

  test("through the pipeline with retries: the loss fails the run, and nothing after it is written", async () => {
    const input = pages(4, 100);
    let page = 0;
    const source = {
      connectorName: () => "pages",
      fetchWithContext: async () => input.flat(),
      async *streamPages() {
        for (const records of input) {
          if (page++ === 2) await killSinkConnection();
          yield { records };
        }
      },
    };
    const sink = new PostgresSink(base);
    const error = await new Pipeline(source, sink, {
      logger: silentLogger,
      retry: { maxAttempts: 5, baseMs: 1, maxMs: 2 },
    })
      .run()
      .catch((e: unknown) => e);
    expect(FaucetError.is(error), String(error)).toBe(true);
    expect((error as FaucetError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/were not committed/);
    expect(await count()).toBe(0);
  });

  test("a connection lost after a flush, with nothing held, costs nothing: the next page reconnects", async () => {
    const sink = new PostgresSink(base);
    const [first, second] = pages(2, 10);
    await sink.writeBatch(first as Value[]);
    await sink.flush();
    await killSinkConnection(); // idle in the pool: the next checkout reconnects
    expect(await sink.writeBatch(second as Value[])).toBe(10);
    await sink.close();
    expect(await count()).toBe(20);
  });

  test(`a transaction commits by itself after ${MAX_HELD_PAGES} pages when no flush comes`, async () => {
    const sink = new PostgresSink(base);
    for (const page of pages(MAX_HELD_PAGES + 1, 2)) await sink.writeBatch(page);
    expect(await count()).toBe(MAX_HELD_PAGES * 2);
    await sink.close();
    expect(await count()).toBe((MAX_HELD_PAGES + 1) * 2);
  });

  test("a held transaction commits by itself after maxHeldSeconds, between pages; maxHeldPages: 1 commits every page", async () => {
    const timed = new PostgresSink(base, { maxHeldSeconds: 0.2 });
    await timed.writeBatch([{ id: 1, v: "a" }]);
    expect(await count()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await count()).toBe(1);
    await timed.close();
    const eager = new PostgresSink(base, { maxHeldPages: 1 });
    await eager.writeBatch([{ id: 2, v: "b" }]);
    expect(await count()).toBe(2);
    await eager.writeBatch([{ id: 3, v: "c" }]);
    expect(await count()).toBe(3);
    await eager.close();
  });

  test("max_connections: 1: schema reads, tokens and evolution share the held connection instead of waiting", async () => {
    const sink = new PostgresSink({ ...base, max_connections: 1 });
    await sink.writeBatch([{ id: 1, v: "a" }]);
    expect((await sink.currentSchema())?.columns.map((c) => c.name)).toEqual(["id", "v"]);
    expect(await sink.lastCommittedToken("scope")).toBeUndefined();
    await sink.evolveSchema({ addColumns: [{ name: "extra", type: "integer", nullable: true }] });
    expect(await count()).toBe(1); // evolving committed the held page first
    await sink.writeBatch([{ id: 2, v: "b", extra: 7 }]);
    expect(await sink.writeBatchIdempotent([{ id: 3, v: "c" }], "scope", '00000000000000000001#{"id":3}')).toBe(1);
    expect(await count()).toBe(3);
    await sink.close();
  });
});

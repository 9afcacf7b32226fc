import { describeWithService, keepingSink, numbersSource } from "faucet-conformance";
import { FaucetError, Pipeline, type Value } from "faucet-core";
import { definition, PostgresStateStore } from "faucet-state-postgres";
import { afterAll, expect, test } from "vitest";
import { PG_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_state_postgres";

await describeWithService({ name: "PostgreSQL", port: 5432 }, "state-postgres", () => {
  afterAll(async () => {
    await sql(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  test("get, put (upsert), delete and list; values come back exactly", async () => {
    const store = new PostgresStateStore({ connection_url: PG_URL, schema: SCHEMA, table: "state_a" });
    expect(store.durable).toBe(true);
    expect(await store.get("orders")).toBeUndefined();
    const bookmark: Value = { updated_at: "2024-05-01T00:00:00.123456Z", id: "12345678901234567890", n: 1.5 };
    await store.put("orders", bookmark);
    await store.put("users", 42);
    expect(await store.get("orders")).toEqual(bookmark);
    await store.put("orders", { bookmark: { id: 7 }, seq: 3 });
    expect(await store.get("orders")).toEqual({ bookmark: { id: 7 }, seq: 3 });
    expect(await store.list()).toEqual(["orders", "users"]);
    await store.delete("users");
    await store.delete("never-there");
    expect(await store.list()).toEqual(["orders"]);
    await store.close();
    await store.close();
  });

  test("two stores (two machines) share one table", async () => {
    const a = new PostgresStateStore({ connection_url: PG_URL, schema: SCHEMA, table: "shared" });
    const b = new PostgresStateStore({ connection_url: PG_URL, schema: SCHEMA, table: "shared" });
    await Promise.all([a.put("k", 1), b.put("j", 2)]);
    await a.put("k", "from a");
    expect(await b.get("k")).toBe("from a");
    expect(await a.get("j")).toBe(2);
    await a.close();
    await b.close();
  });

  test("many stores creating the same new table at once all succeed (the losers of the CREATE race are fine)", async () => {
    for (let round = 0; round < 5; round++) {
      const table = `race_${round}_${Date.now()}`;
      const stores = Array.from(
        { length: 8 },
        () => new PostgresStateStore({ connection_url: PG_URL, schema: SCHEMA, table }),
      );
      await Promise.all(stores.map((store, i) => store.put(`k${i}`, i)));
      expect(await stores[0]?.get("k7")).toBe(7);
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  test("a pipeline resumes from the bookmark a Postgres store kept", async () => {
    const source = () => numbersSource(5);
    const sink = keepingSink();
    const state = () => new PostgresStateStore({ connection_url: PG_URL, schema: SCHEMA, table: "resume" });
    const first = state();
    await new Pipeline(source(), sink, { stateStore: first, stateKey: "numbers", limit: 2 }).run();
    await first.close();
    const second = state();
    await new Pipeline(source(), sink, { stateStore: second, stateKey: "numbers" }).run();
    expect(await second.get("numbers")).toBe(5);
    await second.close();
    expect(sink.written).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })));
  });

  test("an unreachable server is a connection error of the state store", async () => {
    const store = new PostgresStateStore({ host: "127.0.0.1", port: 1, connect_timeout_secs: 2 });
    const error = await store.get("x").catch((e: unknown) => e);
    expect(FaucetError.is(error, "connection")).toBe(true);
    expect((error as Error).message).toMatch(/\[state-postgres\].*127\.0\.0\.1:1/);
    await store.close();
  });
});

test("config and definition", () => {
  expect(definition).toMatchObject({ kind: "state", type: "postgres" });
  const store = new PostgresStateStore({ connection_url: "postgres://u:secret@h/db" });
  expect(store.config.table).toBe("faucet_state");
  expect(() => new PostgresStateStore({ connection_url: "postgres://u@h/db", tabel: "x" } as never)).toThrow(
    /did you mean `table`/,
  );
  expect(() => new PostgresStateStore({})).toThrow(/connection_url/);
});

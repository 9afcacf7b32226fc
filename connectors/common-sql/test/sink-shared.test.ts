// The pieces the transactional SQL sinks share, driven by statement recorders; the sinks' own
// suites run them against the real databases.
import {
  checkSinkTable,
  ensureSinkTable,
  inTransaction,
  keyColumnsOf,
  OverwriteTarget,
  type TableOps,
  writePageOnce,
} from "faucet-common-sql";
import { FaucetError, type Logger, silentLogger } from "faucet-core";
import { describe, expect, test } from "vitest";

const wrap = (error: unknown) => new FaucetError("sink", `the transaction failed: ${(error as Error).message}`);

describe("inTransaction", () => {
  test("BEGIN, the work, COMMIT; a failure rolls back and comes out as a FaucetError", async () => {
    const ran: string[] = [];
    const run = async (sql: string) => {
      ran.push(sql);
    };
    expect(await inTransaction(run, async () => 7, { begin: "START TRANSACTION", wrap })).toBe(7);
    expect(ran).toEqual(["START TRANSACTION", "COMMIT"]);
    ran.length = 0;
    const error = await inTransaction(run, () => Promise.reject(new Error("boom")), { wrap }).catch((e) => e);
    expect(ran).toEqual(["BEGIN", "ROLLBACK"]);
    expect(FaucetError.is(error, "sink") && error.detail).toBe("the transaction failed: boom");
  });

  test("a failed COMMIT rolls back too; a failed ROLLBACK does not hide the first error", async () => {
    const ran: string[] = [];
    const run = async (sql: string, what: string) => {
      ran.push(sql);
      if (sql !== "BEGIN") throw new FaucetError("sink", what);
    };
    const error = await inTransaction(run, async () => 1, { wrap }).catch((e) => e);
    expect(ran).toEqual(["BEGIN", "COMMIT", "ROLLBACK"]);
    expect((error as FaucetError).detail).toBe("COMMIT failed");
  });
});

describe("writePageOnce", () => {
  const page = (committed: string | undefined, records = [{ id: 1 }]) => {
    const steps: string[] = [];
    const logged: unknown[] = [];
    const logger: Logger = { ...silentLogger, info: (_message, fields) => logged.push(fields) };
    const once = {
      rows: records.length,
      scope: "s",
      token: "00000000000000000002#20",
      connector: "sink-test",
      logger,
      committed: async () => committed,
      write: async () => {
        steps.push("write");
        return records.length;
      },
      save: async () => {
        steps.push("save");
      },
    };
    return { once, steps, logged };
  };

  test("a new token writes the rows, then the token", async () => {
    const { once, steps } = page("00000000000000000001#10");
    expect(await writePageOnce(once)).toBe(1);
    expect(steps).toEqual(["write", "save"]);
  });

  test("a token not beyond the committed one is a replay: nothing written, and it is logged", async () => {
    const { once, steps, logged } = page("00000000000000000002#20");
    expect(await writePageOnce(once)).toBe(0);
    expect(steps).toEqual([]);
    expect(logged).toEqual([{ connector: "sink-test", scope: "s", token: "00000000000000000002#20" }]);
  });

  test("an empty page (only a bookmark) still commits its token", async () => {
    const { once, steps } = page(undefined, []);
    expect(await writePageOnce(once)).toBe(0);
    expect(steps).toEqual(["save"]);
  });
});

describe("ensureSinkTable", () => {
  const options = (tables: Map<string, Map<string, unknown>>, extra: object = {}) => ({
    connector: "sink-test",
    logger: silentLogger,
    dialect: "postgres" as const,
    config: {
      create_table: true,
      write_mode: "upsert" as const,
      key: ["id"],
      delete_marker: { field: "op", values: ["d"] },
    },
    jsonColumn: undefined,
    jsonHint: "name a column",
    table: '"t"',
    target: '"t"',
    records: [{ id: 1, v: "a", op: "u" }],
    load: async () => tables.get("t"),
    create: async (columns: { name: string; type: string }[], key: readonly string[]) => {
      tables.set("t", new Map(columns.map((c) => [c.name, c])));
      created.push({ columns, key });
    },
    ...extra,
  });
  const created: unknown[] = [];

  test("a missing table is made from the first page: keyed modes make the key primary, the marker is no column", async () => {
    const tables = new Map<string, Map<string, unknown>>();
    const columns = await ensureSinkTable(options(tables));
    expect([...columns.keys()]).toEqual(["id", "v"]);
    expect(created.at(-1)).toEqual({
      columns: [
        { name: "id", type: "bigint" },
        { name: "v", type: "text" },
      ],
      key: ["id"],
    });
  });

  test("create_table: false, and a JSON column the table lacks, fail clearly", async () => {
    const missing = options(new Map(), { config: { create_table: false } });
    const absent = await ensureSinkTable(missing).catch((e) => e);
    expect(FaucetError.is(absent, "sink") && absent.detail).toBe('table "t" does not exist');
    const tables = new Map([["t", new Map([["x", {}]])]]);
    const json = await ensureSinkTable(options(tables, { jsonColumn: "data" })).catch((e) => e);
    expect(FaucetError.is(json, "config") && json.detail).toBe('"t" has no column "data" for the records');
    expect(json.hint).toBe("name a column");
  });

  test("keyColumnsOf names a key that is not a column", () => {
    const columns = new Map([["id", { name: "id" }]]);
    expect(keyColumnsOf(columns, ["id"], '"t"', "sink-test")).toEqual([{ name: "id" }]);
    expect(() => keyColumnsOf(columns, ["code"], '"t"', "sink-test")).toThrow(
      'key column "code" is not a column of "t"',
    );
  });
});

describe("checkSinkTable", () => {
  const check = (exists: boolean, createTable: boolean, writable?: () => Promise<void>) =>
    checkSinkTable({
      connect: async () => undefined,
      table: '"t"',
      createTable,
      exists: async () => exists,
      ...(writable ? { writable } : {}),
    });

  test("pass, skip (create_table will make it) or fail with the hint; a failed connect stops there", async () => {
    expect((await check(true, false)).probes.map((p) => p.status)).toEqual(["pass", "pass"]);
    expect((await check(false, true)).probes[1]).toMatchObject({
      status: "skip",
      reason: '"t" will be created from the first page',
    });
    expect((await check(false, false)).probes[1]).toMatchObject({
      status: "fail",
      reason: '"t" does not exist',
      hint: "create the table, or set create_table: true",
    });
    const denied = await check(true, false, () => Promise.reject(new Error("no INSERT")));
    expect(denied.probes[1]).toMatchObject({ status: "fail", reason: "no INSERT" });
    const down = await checkSinkTable({
      connect: () => Promise.reject(new Error("refused")),
      connectProbe: "open",
      table: '"t"',
      createTable: true,
      exists: async () => true,
    });
    expect(down.probes).toMatchObject([{ name: "open", status: "fail", reason: "refused" }]);
  });
});

describe("OverwriteTarget", () => {
  function harness(tableExists: boolean) {
    const existing = new Set(tableExists ? ["t"] : []);
    const ran: string[] = [];
    let retargets = 0;
    const tables: TableOps<string> = {
      name: (t) => `"${t}"`,
      exists: async (t) => existing.has(t),
      run: async (sql) => {
        ran.push(sql);
        if (sql.startsWith("CREATE TABLE")) existing.add("t__staging");
      },
    };
    const overwrite = new OverwriteTarget<string, TableOps<string>>({
      table: "t",
      staging: "t__staging",
      withTables: (fn) => fn(tables),
      createLikeSql: (staging, table) => `CREATE TABLE ${staging} LIKE ${table}`,
      swap: async (_tables, staging) => {
        ran.push(`swap ${staging}`);
      },
      onRetarget: () => {
        retargets++;
      },
    });
    return { overwrite, ran, retargets: () => retargets };
  }

  test("begin stages a copy of the table, commit swaps it in, and writes go back to the table", async () => {
    const { overwrite, ran, retargets } = harness(true);
    expect(overwrite.target).toBe("t");
    await overwrite.begin();
    expect(overwrite.target).toBe("t__staging");
    await overwrite.commit();
    expect(overwrite.target).toBe("t");
    expect(ran).toEqual(['DROP TABLE IF EXISTS "t__staging"', 'CREATE TABLE "t__staging" LIKE "t"', "swap t__staging"]);
    expect(retargets()).toBe(2);
    await overwrite.commit(); // not overwriting: nothing to do
    expect(ran).toHaveLength(3);
  });

  test("with no table and no rows there is nothing to swap; abort drops the staging table", async () => {
    const { overwrite, ran } = harness(false);
    await overwrite.begin();
    await overwrite.commit();
    expect(ran).toEqual(['DROP TABLE IF EXISTS "t__staging"']);
    await overwrite.begin();
    await overwrite.abort();
    expect(overwrite.target).toBe("t");
    expect(ran.at(-1)).toBe('DROP TABLE IF EXISTS "t__staging"');
    await overwrite.abort();
    expect(ran).toHaveLength(3);
  });
});

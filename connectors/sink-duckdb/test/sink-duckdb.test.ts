import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { testSink } from "faucet-conformance";
import { FaucetError, FileStateStore, fetchAll, Pipeline, type Value } from "faucet-core";
import { DuckdbSink, type DuckdbSinkConfigInput, definition } from "faucet-sink-duckdb";
import { DuckdbSource } from "faucet-source-duckdb";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { runDroppingPoison, writeOnce } from "../../common-sql/test/sink-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "faucet-sink-duckdb-"));
let file = join(dir, "sink.duckdb");
const notADirectory = join(dir, "plain-file");
writeFileSync(notADirectory, "");

/** Runs a query on the test's own handle of the database (shared with the sink through the cache). */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.fromCache(file);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function write(config: Omit<DuckdbSinkConfigInput, "database">, records: Value[]): Promise<number> {
  return await writeOnce(new DuckdbSink({ database: file, ...config }), records);
}

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("conformance", () => {
  const config = (): DuckdbSinkConfigInput => ({
    database: file,
    table_name: "conformance",
    column_mapping: "auto_map",
  });
  testSink<() => DuckdbSinkConfigInput>({
    create: (c) => new DuckdbSink(c()),
    config,
    count: async () => Number((await query("SELECT count(*) AS n FROM conformance"))[0]?.n),
    read: async () =>
      (await query("SELECT id, v FROM conformance ORDER BY id")).map((r) => ({ id: Number(r.id), v: r.v })),
    reset: async () => {
      await query(
        "DROP TABLE IF EXISTS conformance; DROP TABLE IF EXISTS _faucet_commit_token; CREATE TABLE conformance (id BIGINT, v VARCHAR)",
      );
    },
    failing: [
      {
        title: "missing table",
        config: () => ({ ...config(), table_name: "absent", create_table: false }),
        kind: "sink",
      },
      {
        title: "a database under a regular file",
        config: () => ({ ...config(), database: join(notADirectory, "x.duckdb") }),
        kind: "connection",
      },
    ],
  });
});

describe("own cases", () => {
  beforeEach(() => {
    file = join(dir, `case-${Math.random().toString(36).slice(2)}.duckdb`);
  });

  test("appends typed values exactly, and a second DuckDB process reads the file back", async () => {
    await query(
      `CREATE TABLE typed (id INTEGER, big BIGINT, huge HUGEINT, num DECIMAL(38,10), f DOUBLE, b BOOLEAN, s VARCHAR, j JSON,
        bin BLOB, ts TIMESTAMP, tstz TIMESTAMPTZ, d DATE, arr INTEGER[], obj STRUCT(a INTEGER, b VARCHAR), u UUID, dflt VARCHAR DEFAULT 'kept')`,
    );
    const records: Value[] = [
      {
        id: 1,
        big: "9223372036854775807",
        huge: "-170141183460469231731687303715884105727",
        num: "12345678901234567890.0123456789",
        f: 0.1,
        b: true,
        s: "tab\t'quote' \"dq\" 日本語 ✓",
        j: { a: [1, { b: null }], s: "é" },
        bin: Buffer.from([0, 255, 16]).toString("base64"),
        ts: "2024-02-29T23:59:59.123456",
        tstz: "2024-02-29T23:59:59.5+05:30",
        d: "2024-02-29",
        arr: [1, null, 3],
        obj: { a: 1, b: "x" },
        u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      },
      { id: 2, big: 42, num: 0.5, f: 1e300, b: false, s: "", j: [], dflt: null },
    ];
    expect(await write({ table_name: "typed", column_mapping: "auto_map" }, records)).toBe(2);
    // A second instance, in another process, after the sink has closed: the file is complete on its own.
    const script = `
      const { DuckDBInstance } = await import("@duckdb/node-api");
      const db = await DuckDBInstance.create(process.argv[1], { access_mode: "READ_ONLY" });
      const c = await db.connect();
      const r = await c.runAndReadAll("SELECT id, big::VARCHAR AS big, huge::VARCHAR AS huge, num::VARCHAR AS num, f, b, s, j::VARCHAR AS j, hex(bin) AS bin, ts::VARCHAR AS ts, timezone('UTC', tstz)::VARCHAR AS tstz, d::VARCHAR AS d, arr::VARCHAR AS arr, obj::VARCHAR AS obj, u::VARCHAR AS u, dflt FROM typed ORDER BY id");
      process.stdout.write(JSON.stringify(r.getRowObjectsJson()));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, file], {
      cwd: join(import.meta.dirname, ".."),
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual([
      {
        id: 1,
        big: "9223372036854775807",
        huge: "-170141183460469231731687303715884105727",
        num: "12345678901234567890.0123456789",
        f: 0.1,
        b: true,
        s: "tab\t'quote' \"dq\" 日本語 ✓",
        j: '{"a":[1,{"b":null}],"s":"é"}',
        bin: "00FF10",
        ts: "2024-02-29 23:59:59.123456",
        tstz: "2024-02-29 18:29:59.5",
        d: "2024-02-29",
        arr: "[1, NULL, 3]",
        obj: "{'a': 1, 'b': x}",
        u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        dflt: "kept",
      },
      {
        id: 2,
        big: "42",
        huge: null,
        num: "0.5000000000",
        f: 1e300,
        b: false,
        s: "",
        j: "[]",
        bin: null,
        ts: null,
        tstz: null,
        d: null,
        arr: null,
        obj: null,
        u: null,
        dflt: null,
      },
    ]);
  });

  test("create_table types columns from the first page; the json mapping writes whole records", async () => {
    await write({ table_name: "made", column_mapping: "auto_map" }, [
      { id: 1, name: "a", amount: 1.5, ok: true, tags: ["x"], missing: null },
      { id: 2, name: "b", amount: 2, ok: false, tags: [] },
    ]);
    expect(
      await query(
        "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'made' ORDER BY ordinal_position",
      ),
    ).toEqual([
      { name: "id", type: "BIGINT" },
      { name: "name", type: "VARCHAR" },
      { name: "amount", type: "DOUBLE" },
      { name: "ok", type: "BOOLEAN" },
      { name: "tags", type: "JSON" },
      { name: "missing", type: "VARCHAR" },
    ]);
    await write({ table_name: "analytics.docs" }, [{ a: 1, nested: { b: [1, 2] } }, { c: "日本" }]);
    expect(await query("SELECT data::VARCHAR AS data FROM analytics.docs")).toEqual([
      { data: '{"a":1,"nested":{"b":[1,2]}}' },
      { data: '{"c":"日本"}' },
    ]);
  });

  test("a value that does not fit fails its page with the record's index, and nothing of the page is written", async () => {
    await query("CREATE TABLE strict_t (id INTEGER NOT NULL, n TINYINT, bin BLOB, happened TIMESTAMP)");
    const cases: [Value[], RegExp][] = [
      [
        [
          { id: 1, n: 1 },
          { id: 2, n: 300 },
        ],
        /record 1, column "n" \(TINYINT\) does not fit .*out of range/,
      ],
      [[{ id: 1 }, { id: 2 }, { id: 3, n: "many" }], /record 2, column "n" .*Could not convert string 'many'/],
      [[{ id: 1 }, { id: 2.5 }], /record 1, column "id" .*2\.5 is not an integer/],
      [[{ id: 1, bin: "not base64!" }], /record 0, column "bin" .*needs base64/],
      [[{ id: 1, happened: "yesterday" }], /record 0, column "happened" .*yesterday/],
      [[{ id: 1 }, { id: null }], /NOT NULL constraint failed/],
      [[{ id: 1, other: 1 }], /record 0 has key "other" but "strict_t" has no such column/],
    ];
    const sink = new DuckdbSink({ database: file, table_name: "strict_t", column_mapping: "auto_map" });
    for (const [records, message] of cases) {
      const error = await sink.writeBatch(records).catch((e: unknown) => e);
      expect(FaucetError.is(error) && error.kind, String(error)).toBe("sink");
      expect(String(error)).toMatch(message);
      expect(await query("SELECT count(*) AS n FROM strict_t")).toEqual([{ n: "0" }]);
    }
    expect(await sink.writeBatch([{ id: 7 }])).toBe(1);
    await sink.close();
  });

  test("atomicBatches: a page with one bad row fails and leaves the table as it was", async () => {
    await query("CREATE TABLE atomic (id BIGINT, n INTEGER NOT NULL); INSERT INTO atomic VALUES (0, 0)");
    // Far past the first appender flushes (batch_size 100): the rows before it reach DuckDB.
    const page: Value[] = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, n: i === 1500 ? 3_000_000_000 : i }));
    const sink = new DuckdbSink({ database: file, table_name: "atomic", column_mapping: "auto_map", batch_size: 100 });
    expect(sink.capabilities().atomicBatches).toBe(true);
    await expect(sink.writeBatch(page)).rejects.toThrow(/record 1500/);
    expect(await query("SELECT id, n FROM atomic")).toEqual([{ id: "0", n: 0 }]);
    // What the claim buys: the pipeline's poison policy splits the page until the bad row is alone.
    expect(await runDroppingPoison(sink, page)).toMatchObject({ recordsWritten: 1999, dropped: 1 });
    expect(await query("SELECT count(*) AS n, count(*) FILTER (WHERE id = 1501) AS bad FROM atomic")).toEqual([
      { n: "2000", bad: "0" },
    ]);
  });

  test("exactly-once: the page and its commit token commit together; a replay writes nothing; a run resumes from the token", async () => {
    const sink = new DuckdbSink({ database: file, table_name: "eo", column_mapping: "auto_map" });
    expect(await sink.writeBatchIdempotent([{ id: 1 }], "s", "00000000000000000001#1")).toBe(1);
    expect(await sink.writeBatchIdempotent([{ id: 1 }], "s", "00000000000000000001#1")).toBe(0);
    await sink.writeBatchIdempotent([{ id: 2 }, { id: "x" }], "s", "00000000000000000002#2").catch(() => undefined);
    expect(await sink.lastCommittedToken("s")).toBe("00000000000000000001#1");
    await sink.close();
    // DuckDB → DuckDB in one process on one file: the source and the sink share the database.
    await query("CREATE TABLE src AS SELECT range AS id, 'v' || range AS v FROM range(5000)");
    const state = new FileStateStore(join(dir, `state-${Math.random()}`));
    const result = await new Pipeline(
      new DuckdbSource({ database: file, table: "src", replication_key: "id", batch_size: 700 }),
      new DuckdbSink({ database: file, table_name: "copy", column_mapping: "auto_map" }),
      { stateStore: state, stateKey: "copy", delivery: "exactly_once" },
    ).run();
    expect(result.recordsWritten).toBe(5000);
    expect(result.delivery.mechanism).toBe("atomic_watermark");
    expect(await query("SELECT count(*) AS n, count(DISTINCT id) AS d FROM copy")).toEqual([{ n: "5000", d: "5000" }]);
    expect(await query("SELECT token FROM _faucet_commit_token WHERE scope <> 's'")).toEqual([
      { token: "00000000000000000008#4999" },
    ]);
  });

  test("schema evolution adds a column and relaxes NOT NULL", async () => {
    await query("CREATE TABLE evolve (id INTEGER NOT NULL)");
    const sink = new DuckdbSink({ database: file, table_name: "evolve", column_mapping: "auto_map" });
    await sink.evolveSchema({ addColumns: [{ name: "note", type: "string", nullable: true }], relaxColumns: ["id"] });
    expect(await sink.currentSchema()).toEqual({
      columns: [
        { name: "id", type: "INTEGER", nullable: true },
        { name: "note", type: "VARCHAR", nullable: true },
      ],
    });
    await sink.close();
  });

  test("a sink whose database would not open tries again on the next write; once closed it refuses writes", async () => {
    const sink = new DuckdbSink({ database: join(notADirectory, "x.duckdb"), table_name: "t", create_table: true });
    const failed = await sink.writeBatch([{ a: 1 }]).catch((error: unknown) => error);
    expect(FaucetError.is(failed, "connection") && failed.message).toContain("could not open DuckDB database");
    expect(FaucetError.is(await sink.writeBatch([{ a: 1 }]).catch((error: unknown) => error), "connection")).toBe(true);
    await sink.close();
    await sink.close();
    const closed = await sink.writeBatch([{ a: 1 }]).catch((error: unknown) => error);
    expect(FaucetError.is(closed, "connection") && closed.message).toContain("the sink is closed");
  });

  test("the definition: Rust keys, duckdb: prefix, relative paths against the config's directory", async () => {
    expect(definition).toMatchObject({ kind: "sink", type: "duckdb" });
    const sink = await definition.create(
      { database: "duckdb:nested/out.duckdb", table_name: "events", batch_size: 250, create_table: true } as never,
      { baseDir: dir, logger: undefined as never, pipeline: "t" },
    );
    expect(await sink.writeBatch([{ a: 1 }])).toBe(1);
    await sink.close?.();
    file = join(dir, "nested/out.duckdb");
    expect(
      await fetchAll(new DuckdbSource({ database: file, query: "SELECT data::VARCHAR AS d FROM events" })),
    ).toEqual([{ d: '{"a":1}' }]);
  });
});

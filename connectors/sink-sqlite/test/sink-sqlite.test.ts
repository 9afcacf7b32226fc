// faucet-sink-sqlite: the conformance battery first, then mapping, write modes, evolution and bad input.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testSink } from "faucet-conformance";
import {
  FaucetError,
  MemoryStateStore,
  Pipeline,
  parseConfig,
  type Source,
  silentLogger,
  type Value,
} from "faucet-core";
import { definition, MAX_VARIABLES, SqliteSink, type SqliteSinkInput } from "faucet-sink-sqlite";
import Database from "libsql";
import { afterAll, describe, expect, test } from "vitest";
import { pagesSource } from "../../common-sql/test/sink-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "faucet-sink-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dbPath = join(dir, "conformance.db");
/** A second, independent connection: what another program sees. */
function query(path: string, sql: string, ...params: unknown[]): Record<string, unknown>[] {
  const db = new Database(path);
  try {
    return (db.prepare(sql).all(...params) as Record<string, unknown>[]).map(({ _metadata, ...row }) => row);
  } finally {
    db.close();
  }
}
function tableExists(path: string, table: string): boolean {
  return existsSync(path) && query(path, "SELECT name FROM sqlite_schema WHERE name = ?", table).length > 0;
}

// The key makes the table the first write creates keyed, so every mode can share it.
const base = { database_url: dbPath, table_name: "conformance", column_mapping: "auto_map", key: ["id"] } as const;
testSink({
  create: (config: SqliteSinkInput) => new SqliteSink(config),
  config: base,
  configs: {
    upsert: { ...base, write_mode: "upsert", key: ["id"], delete_marker: { field: "__op", values: ["d"] } },
    delete: { ...base, write_mode: "delete", key: ["id"] },
  },
  count: () =>
    tableExists(dbPath, "conformance") ? Number(query(dbPath, "SELECT count(*) AS n FROM conformance")[0]?.n) : 0,
  read: () =>
    (tableExists(dbPath, "conformance") ? query(dbPath, "SELECT * FROM conformance ORDER BY id") : []) as Value[],
  reset: () => {
    if (existsSync(dbPath)) query(dbPath, "DROP TABLE IF EXISTS conformance");
  },
  failing: [
    {
      config: { ...base, database_url: join(dir, "a-file", "sub", "x.db") },
      kind: "sink",
      title: "a database whose directory cannot be created",
    },
    {
      config: { ...base, table_name: "nope", create_table: false },
      kind: "sink",
      title: "a missing table with create_table: false",
    },
  ],
});
writeFileSync(join(dir, "a-file"), "not a directory");

/** A source of fixed pages, bookmarked `{ page: n }`, for pipeline tests. */
const pages = (...list: Value[][]): Source => pagesSource(list, (i) => ({ page: i + 1 }));

async function failure(promise: Promise<unknown>): Promise<FaucetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaucetError);
  return error as FaucetError;
}

let counter = 0;
function fresh(config: Partial<SqliteSinkInput> = {}): { sink: SqliteSink; path: string } {
  const path = join(dir, `t${++counter}.db`);
  return { sink: new SqliteSink({ database_url: path, table_name: "t", ...config }), path };
}

describe("column mapping", () => {
  test("json (the default) stores each record as JSON text in `data`", async () => {
    const { sink, path } = fresh();
    await sink.writeBatch([{ id: 1, nested: { a: [1, 2] } }, "a bare string", 42]);
    await sink.close();
    expect(query(path, "SELECT data FROM t").map((r) => r.data)).toEqual([
      '{"id":1,"nested":{"a":[1,2]}}',
      '"a bare string"',
      "42",
    ]);
  });

  test("the Rust shape { json: { column: row } } and the `json` shorthand", async () => {
    const a = fresh({ column_mapping: { json: { column: "row" } } });
    await a.sink.writeBatch([{ x: 1 }]);
    await a.sink.close();
    expect(query(a.path, "SELECT row FROM t")).toEqual([{ row: '{"x":1}' }]);
    const b = fresh({ column_mapping: "json" });
    await b.sink.writeBatch([{ x: 2 }]);
    await b.sink.close();
    expect(query(b.path, "SELECT data FROM t")).toEqual([{ data: '{"x":2}' }]);
  });

  test("auto_map creates the table from the first page: INTEGER / REAL / TEXT, booleans 0/1, nested as JSON", async () => {
    const { sink, path } = fresh({ column_mapping: "auto_map" });
    await sink.writeBatch([
      { id: 1, price: 1.5, name: "a", ok: true, tags: ["x"], meta: { k: 1 }, none: null },
      { id: 2, price: 2, name: "b", ok: false, tags: [], meta: null, none: null },
    ]);
    await sink.close();
    const columns = query(path, "SELECT name, type FROM pragma_table_info('t')");
    expect(columns).toEqual([
      { name: "id", type: "INTEGER" },
      { name: "price", type: "REAL" },
      { name: "name", type: "TEXT" },
      { name: "ok", type: "INTEGER" },
      { name: "tags", type: "TEXT" },
      { name: "meta", type: "TEXT" },
      { name: "none", type: "TEXT" },
    ]);
    expect(query(path, "SELECT * FROM t ORDER BY id")).toEqual([
      { id: 1, price: 1.5, name: "a", ok: 1, tags: '["x"]', meta: '{"k":1}', none: null },
      { id: 2, price: 2, name: "b", ok: 0, tags: "[]", meta: null, none: null },
    ]);
    expect(query(path, "SELECT typeof(id) AS t FROM t")[0]).toEqual({ t: "integer" });
  });

  test("integers written to a TEXT column keep their text form", async () => {
    const path = join(dir, "text.db");
    query(path, "CREATE TABLE t (code TEXT, n)");
    const sink = new SqliteSink({ database_url: path, table_name: "t", column_mapping: "auto_map" });
    await sink.writeBatch([{ code: 7, n: 3 }]);
    await sink.close();
    expect(query(path, "SELECT code, typeof(code) AS tc, typeof(n) AS tn FROM t")).toEqual([
      { code: "7", tc: "text", tn: "integer" },
    ]);
  });

  test("a page wider than SQLite's variable limit is split into several INSERTs in one transaction", async () => {
    const { sink, path } = fresh({ column_mapping: "auto_map", batch_size: 0 });
    const width = 40;
    const rows = Array.from({ length: Math.ceil(MAX_VARIABLES / width) * 2 + 7 }, (_, i) => {
      const row: Record<string, number> = {};
      for (let c = 0; c < width; c++) row[`c${c}`] = i * width + c;
      return row;
    });
    expect(rows.length * width).toBeGreaterThan(MAX_VARIABLES);
    expect(await sink.writeBatch(rows)).toBe(rows.length);
    await sink.close();
    expect(query(path, "SELECT count(*) AS n, sum(c39) AS s FROM t")[0]).toEqual({
      n: rows.length,
      s: rows.reduce((sum, r) => sum + (r.c39 as number), 0),
    });
  });

  test("the file uses WAL and other programs read it", async () => {
    const { sink, path } = fresh({ column_mapping: "auto_map" });
    await sink.writeBatch([{ id: 1 }]);
    expect(query(path, "PRAGMA journal_mode")).toEqual([{ journal_mode: "wal" }]);
    await sink.close();
    let cli: string | undefined;
    try {
      cli = execFileSync("sqlite3", [path, "SELECT count(*) FROM t"], { encoding: "utf8" });
    } catch {
      cli = undefined; // no sqlite3 CLI on this machine
    }
    if (cli !== undefined) expect(cli.trim()).toBe("1");
  });
});

describe("write modes", () => {
  test("upsert: running the same pages twice leaves the same data", async () => {
    const path = join(dir, "upsert.db");
    const run = () =>
      new Pipeline(
        pages(
          [
            { id: 1, v: "a" },
            { id: 2, v: "b" },
          ],
          [{ id: 1, v: "a2" }],
        ),
        new SqliteSink({
          database_url: path,
          table_name: "t",
          column_mapping: "auto_map",
          write_mode: "upsert",
          key: "id",
        }),
        { logger: silentLogger },
      ).run();
    await run();
    await run();
    expect(query(path, "SELECT * FROM t ORDER BY id")).toEqual([
      { id: 1, v: "a2" },
      { id: 2, v: "b" },
    ]);
  });

  test("upsert with a composite key, last write per key wins within a page, delete_marker deletes", async () => {
    const { sink, path } = fresh({
      column_mapping: "auto_map",
      write_mode: "upsert",
      key: ["a", "b"],
      delete_marker: { field: "__op", values: ["d", "delete"] },
    });
    await sink.writeBatch([
      { a: 1, b: "x", v: 1, __op: "u" },
      { a: 1, b: "y", v: 2, __op: "u" },
      { a: 1, b: "x", v: 3, __op: "u" },
    ]);
    await sink.writeBatch([
      { a: 1, b: "y", __op: "delete" },
      { a: 2, b: "x", v: 4 },
    ]);
    await sink.close();
    expect(query(path, "SELECT * FROM t ORDER BY a, b")).toEqual([
      { a: 1, b: "x", v: 3 },
      { a: 2, b: "x", v: 4 },
    ]);
  });

  test("delete removes by key", async () => {
    const path = join(dir, "delete.db");
    query(path, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    query(path, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
    const sink = new SqliteSink({
      database_url: path,
      table_name: "t",
      column_mapping: "auto_map",
      write_mode: "delete",
      key: ["id"],
    });
    expect(await sink.writeBatch([{ id: 1 }, { id: 3, v: "ignored" }, { id: 99 }])).toBe(3);
    await sink.close();
    expect(query(path, "SELECT * FROM t")).toEqual([{ id: 2, v: "b" }]);
  });

  test("capabilities follow the config", () => {
    const append = new SqliteSink({ database_url: ":memory:", table_name: "t" }).capabilities();
    expect(append).toEqual({
      writeModes: ["append"],
      replaySafeWrites: false,
      atomicWatermark: true,
      dedupsByKey: false,
      schemaEvolution: false,
      atomicBatches: true,
    });
    const upsert = new SqliteSink({
      database_url: ":memory:",
      table_name: "t",
      column_mapping: "auto_map",
      write_mode: "upsert",
      key: ["id"],
    }).capabilities();
    expect(upsert).toEqual({
      writeModes: ["append", "upsert", "delete"],
      replaySafeWrites: true,
      atomicWatermark: true,
      dedupsByKey: true,
      schemaEvolution: true,
      atomicBatches: true,
    });
  });

  test("the config refuses impossible combinations with clear messages", () => {
    const parse = (c: object) => () => parseConfig(definition.config, { database_url: "x.db", table_name: "t", ...c });
    expect(parse({ write_mode: "upsert", column_mapping: "auto_map" })).toThrow(/requires a non-empty `key`/);
    expect(parse({ write_mode: "upsert", key: ["id"] })).toThrow(/requires column_mapping: auto_map/);
    expect(parse({ delete_marker: { field: "__op", values: ["d"] }, column_mapping: "auto_map" })).toThrow(
      /applies only to write_mode: upsert/,
    );
    expect(parse({ tabel_name: "t" })).toThrow(/did you mean `table_name`/);
    expect(parse({ column_mapping: { Json: { column: "row" } } })()).toMatchObject({
      column_mapping: { json: { column: "row" } },
    });
    expect(parse({ column_mapping: "AutoMap" })()).toMatchObject({ column_mapping: "auto_map" });
  });
});

test("an exactly-once page with a bookmark and no records saves its token without a table", async () => {
  const { sink, path } = fresh({ column_mapping: "auto_map" });
  expect(await sink.writeBatchIdempotent([], "scope", "token-1")).toBe(0);
  expect(await sink.lastCommittedToken("scope")).toBe("token-1");
  expect(await sink.lastCommittedToken("other")).toBeUndefined();
  await sink.close();
  expect(tableExists(path, "t")).toBe(false);
});

describe("schema evolution", () => {
  test("with schema drift set to evolve, a new key becomes a column (ALTER TABLE ADD COLUMN)", async () => {
    const { path } = fresh();
    const sink = new SqliteSink({ database_url: path, table_name: "t", column_mapping: "auto_map" });
    await new Pipeline(pages([{ id: 1 }], [{ id: 2, added: 2.5 }]), sink, {
      schemaDrift: "evolve",
      logger: silentLogger,
    }).run();
    expect(query(path, "SELECT * FROM t ORDER BY id")).toEqual([
      { id: 1, added: null },
      { id: 2, added: 2.5 },
    ]);
    expect(query(path, "SELECT type FROM pragma_table_info('t') WHERE name = 'added'")).toEqual([{ type: "REAL" }]);
  });

  test("without it, a new key is a schema_drift error and that page writes nothing", async () => {
    const { path } = fresh();
    const state = new MemoryStateStore();
    const sink = new SqliteSink({ database_url: path, table_name: "t", column_mapping: "auto_map" });
    const error = await failure(
      new Pipeline(pages([{ id: 1 }], [{ id: 2, added: 1 }]), sink, {
        stateStore: state,
        name: "drift",
        logger: silentLogger,
        retry: false,
      }).run(),
    );
    expect(error.kind).toBe("schema_drift");
    expect(error.message).toContain("records carry keys that are not columns of table t: added");
    expect(query(path, "SELECT * FROM t")).toEqual([{ id: 1 }]);
    expect(await state.get("drift")).toEqual({ page: 1 });
  });
});

describe("bad input is a clear FaucetError", () => {
  test("a file locked by another writer: a clear error after busy_timeout_ms, nothing written, no bookmark", async () => {
    const path = join(dir, "locked.db");
    query(path, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    const other = new Database(path);
    other.exec("PRAGMA journal_mode = WAL");
    other.exec("BEGIN IMMEDIATE");
    other.exec("INSERT INTO t VALUES (100, 'held by the other writer')");
    try {
      const state = new MemoryStateStore();
      const sink = new SqliteSink({
        database_url: path,
        table_name: "t",
        column_mapping: "auto_map",
        busy_timeout_ms: 100,
      });
      const started = Date.now();
      const error = await failure(
        new Pipeline(pages([{ id: 1, v: "a" }]), sink, {
          stateStore: state,
          name: "locked",
          logger: silentLogger,
          retry: false,
        }).run(),
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(error.kind).toBe("sink");
      expect(error.message).toContain(`${path} is locked by another connection`);
      expect(error.hint).toMatch(/busy_timeout_ms/);
      expect(await state.get("locked")).toBeUndefined();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(query(path, "SELECT * FROM t")).toEqual([]);
  });

  test("a directory that cannot be created for the database", async () => {
    const sink = new SqliteSink({ database_url: join(dir, "a-file", "x.db"), table_name: "t" });
    const error = await failure(sink.writeBatch([{ id: 1 }]));
    expect(error.message).toMatch(/could not create the directory for .*a-file\/x\.db: a parent is a file/);
  });

  test("a file that is not a SQLite database", async () => {
    const path = join(dir, "text.txt");
    writeFileSync(path, "hello, this is not a database ".repeat(100));
    const error = await failure(new SqliteSink({ database_url: path, table_name: "t" }).writeBatch([{ id: 1 }]));
    expect(error.message).toContain(`${path} is not a SQLite database`);
  });

  test("a null key fails the page through the Pipeline: earlier pages stay, the bad one writes nothing", async () => {
    const { path } = fresh();
    const state = new MemoryStateStore();
    const sink = new SqliteSink({
      database_url: path,
      table_name: "t",
      column_mapping: "auto_map",
      write_mode: "upsert",
      key: ["id"],
    });
    const error = await failure(
      new Pipeline(pages([{ id: 1 }, { id: 2 }], [{ id: 3 }, { id: null }]), sink, {
        stateStore: state,
        name: "keys",
        logger: silentLogger,
      }).run(),
    );
    expect(error.message).toContain('record 1 has a null value for key column "id"');
    expect(query(path, "SELECT id FROM t ORDER BY id")).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await state.get("keys")).toEqual({ page: 1 });
  });

  test("upsert into a table without a unique key says which index to create", async () => {
    const path = join(dir, "nokey.db");
    query(path, "CREATE TABLE t (id INTEGER, v TEXT)");
    const sink = new SqliteSink({
      database_url: path,
      table_name: "t",
      column_mapping: "auto_map",
      write_mode: "upsert",
      key: ["id"],
    });
    const error = await failure(sink.writeBatch([{ id: 1 }]));
    expect(error.message).toContain("needs a PRIMARY KEY or UNIQUE constraint on exactly those columns");
    expect(error.hint).toContain('CREATE UNIQUE INDEX t_key ON "t" ("id")');
    await sink.close();
    query(path, "CREATE UNIQUE INDEX t_key ON t (id)");
    const retry = new SqliteSink({
      database_url: path,
      table_name: "t",
      column_mapping: "auto_map",
      write_mode: "upsert",
      key: ["id"],
    });
    await retry.writeBatch([
      { id: 1, v: "a" },
      { id: 1, v: "b" },
    ]);
    await retry.close();
    expect(query(path, "SELECT * FROM t")).toEqual([{ id: 1, v: "b" }]);
  });

  test("a constraint violation rolls the whole page back", async () => {
    const path = join(dir, "constraint.db");
    query(path, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    const sink = new SqliteSink({ database_url: path, table_name: "t", column_mapping: "auto_map", batch_size: 1 });
    const error = await failure(
      sink.writeBatch([
        { id: 1, v: "ok" },
        { id: 2, v: null },
      ]),
    );
    expect(error.message).toContain("NOT NULL constraint failed: t.v");
    expect(query(path, "SELECT * FROM t")).toEqual([]);
    // With a dead-letter path the good row lands and the bad one is reported.
    const outcome = await sink.writeBatchPartial([
      { id: 1, v: "ok" },
      { id: 2, v: null },
    ]);
    expect(outcome.written).toBe(1);
    expect(outcome.failures.map((f) => f.index)).toEqual([1]);
    await sink.close();
    expect(query(path, "SELECT * FROM t")).toEqual([{ id: 1, v: "ok" }]);
  });

  test("atomicBatches: a page with one bad row fails and leaves the table as it was (append, upsert)", async () => {
    const path = join(dir, "atomic.db");
    query(path, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    query(path, "INSERT INTO t VALUES (0, 'before')");
    // Far past the first statements (batch_size 100): the rows before it reach SQLite.
    const page: Value[] = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, v: i === 1500 ? null : `v${i}` }));
    for (const config of [{}, { write_mode: "upsert", key: ["id"] }] as const) {
      const sink = new SqliteSink({
        database_url: path,
        table_name: "t",
        column_mapping: "auto_map",
        batch_size: 100,
        ...config,
      });
      expect(sink.capabilities().atomicBatches).toBe(true);
      expect((await failure(sink.writeBatch(page))).message).toContain("NOT NULL constraint failed: t.v");
      await sink.close();
      expect(query(path, "SELECT * FROM t")).toEqual([{ id: 0, v: "before" }]);
    }
  });

  test("relative database paths resolve against the config file's directory", async () => {
    const config = parseConfig(definition.config, { database_url: "sqlite:./rel/out.db", table_name: "t" });
    const sink = await definition.create(config, { baseDir: dir, logger: silentLogger, pipeline: "t" });
    await sink.writeBatch([{ a: 1 }]);
    await sink.close?.();
    expect(existsSync(join(dir, "rel", "out.db"))).toBe(true);
  });
});

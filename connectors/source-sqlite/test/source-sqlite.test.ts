// faucet-source-sqlite: the conformance battery first, then types, params, streaming and bad input.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { testSource } from "faucet-conformance";
import { fetchAll, parseConfig, silentLogger } from "faucet-core";
import { definition, SqliteSource, type SqliteSourceInput } from "faucet-source-sqlite";
import Database from "libsql";
import { describe, expect, test } from "vitest";
import { failure, scratchDir } from "../../common-file/test/helpers.js";

const { dir } = scratchDir("faucet-source-sqlite-");

function exec(path: string, ...statements: string[]): void {
  const db = new Database(path);
  try {
    for (const sql of statements) db.exec(sql);
  } finally {
    db.close();
  }
}

const seeded = join(dir, "conformance.db");
testSource({
  create: (config: SqliteSourceInput) => new SqliteSource(config),
  config: { database_url: `sqlite:${seeded}`, query: "SELECT id, v FROM items ORDER BY id" },
  seed: (records) => {
    const db = new Database(seeded);
    db.exec("DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)");
    const insert = db.prepare("INSERT INTO items (id, v) VALUES (?, ?)");
    for (const r of records) insert.run([r.id, r.v]);
    db.close();
  },
  failing: [
    {
      config: { database_url: join(dir, "missing.db"), query: "SELECT 1" },
      kind: "source",
      title: "a database file that does not exist",
    },
    {
      config: { database_url: seeded, query: "SELEC id FROM items" },
      kind: "source",
      title: "a query with a syntax error",
    },
  ],
  additionalTests: ({ open }) => {
    test("reads the rows in query order with their types", async () => {
      const rows = await fetchAll(await open());
      expect(rows.slice(0, 2)).toEqual([
        { id: 1, v: "v1" },
        { id: 2, v: "v2" },
      ]);
    });
  },
});

describe("values", () => {
  const path = join(dir, "types.db");
  exec(
    path,
    "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, big INTEGER, flag INTEGER, n)",
    "INSERT INTO t VALUES (1, 1.5, 'Zoë', x'00ff', 9007199254740993, 1, NULL)",
    "INSERT INTO t VALUES (-2, 0.25, '', x'', -9223372036854775808, 0, 'x')",
  );

  test("integers, reals, text, blobs as base64, big integers as exact strings, booleans as numbers", async () => {
    const rows = await fetchAll(new SqliteSource({ database_url: path, query: "SELECT * FROM t ORDER BY i DESC" }));
    expect(rows).toEqual([
      { i: 1, r: 1.5, s: "Zoë", b: "AP8=", big: "9007199254740993", flag: 1, n: null },
      { i: -2, r: 0.25, s: "", b: "", big: "-9223372036854775808", flag: 0, n: "x" },
    ]);
  });

  test("params fill positional and named placeholders", async () => {
    const positional = new SqliteSource({
      database_url: path,
      query: "SELECT i FROM t WHERE i > ? AND s = ?",
      params: [0, "Zoë"],
    });
    expect(await fetchAll(positional)).toEqual([{ i: 1 }]);
    const named = new SqliteSource({
      database_url: path,
      query: "SELECT i FROM t WHERE flag = :flag AND n = @n",
      params: { flag: false, "@n": "x" },
    });
    expect(await fetchAll(named)).toEqual([{ i: -2 }]);
  });

  test("discover lists tables and views, each readable", async () => {
    exec(path, "CREATE VIEW IF NOT EXISTS v_t AS SELECT i FROM t");
    const source = new SqliteSource({ database_url: path, query: "SELECT 1" });
    expect(await source.discover()).toEqual([
      { name: "t", kind: "table", configPatch: { query: 'SELECT * FROM "t"' } },
      { name: "v_t", kind: "view", configPatch: { query: 'SELECT * FROM "v_t"' } },
    ]);
    await source.close();
  });
});

describe("streaming", () => {
  const path = join(dir, "big.db");
  exec(
    path,
    "CREATE TABLE big (id INTEGER PRIMARY KEY, payload TEXT)",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 25000) INSERT INTO big SELECT x, printf('row %d', x) FROM n",
  );

  test("rows arrive a page at a time; batch_size wins; 0 is one page", async () => {
    const sizes = async (config: SqliteSourceInput, pipelineBatch: number) => {
      const out: number[] = [];
      const source = new SqliteSource(config);
      for await (const page of source.streamPages({}, pipelineBatch)) out.push(page.records.length);
      await source.close();
      return out;
    };
    const query = "SELECT * FROM big ORDER BY id";
    expect(await sizes({ database_url: path, query }, 10_000)).toEqual([10_000, 10_000, 5_000]);
    expect(await sizes({ database_url: path, query, batch_size: 12_000 }, 10)).toEqual([12_000, 12_000, 1_000]);
    expect(await sizes({ database_url: path, query, batch_size: 0 }, 10)).toEqual([25_000]);
  });

  test("stopping early releases the read: a writer can write right after close()", async () => {
    const source = new SqliteSource({ database_url: path, query: "SELECT * FROM big", batch_size: 100 });
    for await (const page of source.streamPages({}, 100)) {
      expect(page.records).toHaveLength(100);
      break;
    }
    await source.close();
    await source.close(); // idempotent
    exec(path, "PRAGMA busy_timeout = 0", "INSERT INTO big VALUES (25001, 'after')");
  });
});

describe("bad input is a clear FaucetError", () => {
  test("a missing file is not created", async () => {
    const missing = join(dir, "nope.db");
    const error = await failure(fetchAll(new SqliteSource({ database_url: missing, query: "SELECT 1" })));
    expect(error.message).toContain(`${missing}: the database file does not exist`);
    await expect(import("node:fs").then((fs) => fs.existsSync(missing))).resolves.toBe(false);
  });

  test("a missing table and a syntax error point at the query", async () => {
    const path = join(dir, "types.db");
    const table = await failure(fetchAll(new SqliteSource({ database_url: path, query: "SELECT * FROM missing" })));
    expect(table.message).toContain("no such table: missing");
    expect(table.hint).toMatch(/check the SQL of `query`/);
  });

  test("the connection is read-only, and a query must return rows", async () => {
    const path = join(dir, "types.db");
    const write = await failure(fetchAll(new SqliteSource({ database_url: path, query: "DELETE FROM t RETURNING *" })));
    expect(write.message).toMatch(/readonly|read-only|query_only/i);
    const update = await failure(fetchAll(new SqliteSource({ database_url: path, query: "UPDATE t SET i = 0" })));
    expect(update.kind).toBe("config");
    expect(update.message).toContain("`query` must return rows");
  });

  test("a column name twice is refused rather than silently dropped", async () => {
    const error = await failure(
      fetchAll(new SqliteSource({ database_url: join(dir, "types.db"), query: "SELECT i, i FROM t" })),
    );
    expect(error.message).toContain('the query returns the column "i" twice');
  });

  test("a file that is not a database", async () => {
    const path = join(dir, "not-a.db");
    writeFileSync(path, "plain text, not SQLite ".repeat(200));
    const error = await failure(fetchAll(new SqliteSource({ database_url: path, query: "SELECT 1" })));
    expect(error.message).toContain(`${path} is not a SQLite database`);
  });

  test("relative database paths resolve against the config file's directory", async () => {
    exec(join(dir, "rel.db"), "CREATE TABLE IF NOT EXISTS r (a INTEGER)", "INSERT INTO r VALUES (7)");
    const config = parseConfig(definition.config, { database_url: "sqlite:rel.db", query: "SELECT a FROM r" });
    const source = await definition.create(config, { baseDir: dir, logger: silentLogger, pipeline: "t" });
    expect(await fetchAll(source)).toEqual([{ a: 7 }]);
    await source.close?.();
  });
});

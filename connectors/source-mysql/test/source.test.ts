import { describeWithService, testSource } from "faucet-conformance";
import { FaucetError, fetchAll, type Logger, type Value } from "faucet-core";
import { definition, MysqlSource, type MysqlSourceConfigInput } from "faucet-source-mysql";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ADMIN_URL, freshDatabase, sql } from "../../common-mysql/test/server.js";
import { readPages } from "../../common-sql/test/source-helpers.js";

// Every table this file reads lives in a database of its own, so discover() sees only these.
const DATABASE = "faucet_test_source_mysql";
let url = "";

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => undefined;
  return { warnings, debug: noop, info: noop, warn: (message: string) => warnings.push(message), error: noop };
}

await describeWithService({ name: "MariaDB", port: 3306 }, "source-mysql", () => {
  beforeAll(async () => {
    url = await freshDatabase(DATABASE);
    await sql(url, "CREATE TABLE conformance (id BIGINT, v TEXT)");
  });
  afterAll(async () => {
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DATABASE}`);
  });

  testSource<MysqlSourceConfigInput>({
    create: (config) => new MysqlSource({ ...config, connection_url: url }),
    config: { table: "conformance", replication_key: "id" },
    seed: async (records) => {
      await sql(url, "TRUNCATE conformance");
      await sql(url, "INSERT INTO conformance (id, v) VALUES ?", [records.map((r) => [r.id, r.v])]);
    },
    // A discovered table is read whole: it need not have the suite's replication key.
    rebuild: (_config, patch) => ({ table: patch.table as string }),
    failing: [
      { title: "unreachable server", config: { table: "conformance", host: "127.0.0.1", port: 1 }, kind: "connection" },
      { title: "missing table", config: { table: "no_such_table" }, kind: "source" },
    ],
  });

  test("types arrive with no silent loss", async () => {
    await sql(
      url,
      `DROP TABLE IF EXISTS types;
       CREATE TABLE types (ubig BIGINT UNSIGNED, big BIGINT, small BIGINT, safe BIGINT, num DECIMAL(38,10), neg DECIMAL(5,2),
         flag TINYINT(1), tiny TINYINT, dt DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL, d DATE, bits BIT(10), bin BLOB,
         vb VARBINARY(8), txt TEXT, doc JSON, y YEAR, t TIME(3), f FLOAT, dbl DOUBLE, dbl17 DOUBLE, e ENUM('a','b'), empty VARCHAR(5), nothing TEXT);
       INSERT INTO types VALUES (18446744073709551615, 9223372036854775807, -9223372036854775808, 9007199254740991,
         12345678901234567890.0123456789, -0.5, 1, -128, '2024-02-29 23:59:59.123456', '2024-01-02 03:04:05',
         '2024-02-29 18:29:59.5', '2024-02-29', b'1010101010', x'00ff10', x'01', '日本語 ✓ é',
         '{"a":[1,2,{"b":12345678901234567890}],"s":"é"}', 2024, '-838:59:59.5', 1.5, 0.1, 90.28571428571429, 'b', '', NULL)`,
    );
    const [row] = await fetchAll(new MysqlSource({ connection_url: url, table: "types", json_big_numbers: "string" }));
    expect(row).toEqual({
      ubig: "18446744073709551615",
      big: "9223372036854775807",
      small: "-9223372036854775808",
      safe: 9007199254740991,
      num: "12345678901234567890.0123456789",
      neg: "-0.50",
      flag: 1,
      tiny: -128,
      dt: "2024-02-29T23:59:59.123456Z",
      dt0: "2024-01-02T03:04:05Z",
      ts: "2024-02-29T18:29:59.500000Z",
      d: "2024-02-29",
      bits: Buffer.from([0x02, 0xaa]).toString("base64"),
      bin: Buffer.from([0, 255, 16]).toString("base64"),
      vb: Buffer.from([1]).toString("base64"),
      txt: "日本語 ✓ é",
      doc: { a: [1, 2, { b: "12345678901234567890" }], s: "é" },
      y: 2024,
      t: "-838:59:59.500",
      f: 1.5,
      dbl: 0.1,
      dbl17: 90.28571428571429, // mysql2's own float parser returns 90.28571428571428
      e: "b",
      empty: "",
      nothing: null,
    });
    const [bools] = await fetchAll(
      new MysqlSource({ connection_url: url, query: "SELECT flag, tiny FROM types", tinyint1_as_bool: true }),
    );
    expect(bools).toEqual({ flag: true, tiny: -128 });
  });

  test("a JSON number a double cannot hold fails the read unless json_big_numbers: string", async () => {
    const source = new MysqlSource({ connection_url: url, query: "SELECT doc FROM types" });
    const error = await fetchAll(source).catch((e: unknown) => e);
    expect(FaucetError.is(error) && error.kind).toBe("source");
    expect(String(error)).toMatch(/12345678901234567890.*json_big_numbers: string/);
  });

  test("the time-zone rule: DATETIME is wall-clock time in `timezone`, TIMESTAMP converts exactly", async () => {
    await sql(url, "DROP TABLE IF EXISTS zones; CREATE TABLE zones (dt DATETIME(3), ts TIMESTAMP(3) NULL)");
    // Written in a +02:00 session: the TIMESTAMP is stored as 08:00 UTC, the DATETIME as written.
    await sql(
      url,
      "SET time_zone = '+02:00'; INSERT INTO zones VALUES ('2024-06-01 10:00:00.250', '2024-06-01 10:00:00.250')",
    );
    expect(await fetchAll(new MysqlSource({ connection_url: url, table: "zones" }))).toEqual([
      { dt: "2024-06-01T10:00:00.250Z", ts: "2024-06-01T08:00:00.250Z" },
    ]);
    expect(await fetchAll(new MysqlSource({ connection_url: url, table: "zones", timezone: "+02:00" }))).toEqual([
      { dt: "2024-06-01T08:00:00.250Z", ts: "2024-06-01T08:00:00.250Z" },
    ]);
  });

  test("zero dates are read as null with a warning", async () => {
    await sql(
      url,
      `SET SESSION sql_mode = ''; DROP TABLE IF EXISTS zeros; CREATE TABLE zeros (id INT, d DATE, dt DATETIME);
       INSERT INTO zeros VALUES (1, '0000-00-00', '0000-00-00 00:00:00'), (2, '2024-00-10', '2024-05-00 01:02:03'), (3, '2024-01-01', NULL)`,
    );
    const logger = recordingLogger();
    const rows = await fetchAll(
      new MysqlSource({ connection_url: url, query: "SELECT * FROM zeros ORDER BY id" }, { logger }),
    );
    expect(rows).toEqual([
      { id: 1, d: null, dt: null },
      { id: 2, d: null, dt: null },
      { id: 3, d: "2024-01-01", dt: null },
    ]);
    expect(logger.warnings.some((w) => /column "d" holds an invalid date \(0000-00-00\)/.test(w))).toBe(true);
    expect(logger.warnings.some((w) => /column "d" held 2 invalid dates/.test(w))).toBe(true);
  });

  test("incremental: every page is bookmarked, runs of equal keys stay in one page, a resumed read starts after it", async () => {
    await sql(url, "DROP TABLE IF EXISTS events; CREATE TABLE events (id INT, at DATETIME(6), v TEXT)");
    await sql(url, "INSERT INTO events VALUES ?", [
      Array.from({ length: 25 }, (_, i) => [
        i + 1,
        `2024-01-01 00:00:${String(Math.floor(i / 3)).padStart(2, "0")}.5`,
        `v${i}`,
      ]),
    ]);
    const first = await readPages(new MysqlSource({ connection_url: url, table: "events", replication_key: "at" }), 4);
    expect(first.every((p) => p.bookmark !== undefined)).toBe(true);
    expect(first.map((p) => p.records.length)).toEqual([6, 6, 6, 6, 1]);
    expect(first[0]?.bookmark).toBe("2024-01-01T00:00:01.500000Z");
    const resumed = new MysqlSource({ connection_url: url, table: "events", replication_key: "at" });
    resumed.applyStartBookmark(first[1]?.bookmark as Value);
    const rest = await readPages(resumed, 100);
    expect(rest.flatMap((p) => p.records).map((r) => (r as { id: number }).id)).toEqual(
      Array.from({ length: 13 }, (_, i) => i + 13),
    );
    const started = await fetchAll(
      new MysqlSource({
        connection_url: url,
        query: "SELECT id, v FROM events WHERE v <> ?",
        params: ["v0"],
        replication_key: "id",
        start_replication_value: 20,
      }),
    );
    expect(started.map((r) => (r as { id: number }).id)).toEqual([20, 21, 22, 23, 24, 25]);
  });

  test("streams a large result without buffering it: pages arrive while the server is still sending", async () => {
    const source = new MysqlSource({
      connection_url: url,
      query: "SELECT seq AS id, REPEAT('x', 100) AS pad FROM seq_1_to_200000",
    });
    let pageCount = 0;
    let rows = 0;
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    for await (const page of source.streamPages({}, 1000)) {
      pageCount++;
      rows += page.records.length;
      if (pageCount % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await source.close();
    expect(rows).toBe(200_000);
    expect(pageCount).toBe(200);
    // 200k rows of ~120 bytes held at once would be far more than this.
    expect(peak - before).toBeLessThan(60 * 1024 * 1024);
  });

  test("bad input: wrong password (named user, never the password), unreachable host, missing table, bad params", async () => {
    const wrong = new MysqlSource({
      connection_url: "mysql://root:hunter2-secret@127.0.0.1:3306/test",
      query: "SELECT 1",
    });
    const auth = await fetchAll(wrong).catch((e: unknown) => e);
    expect(FaucetError.is(auth) && auth.kind).toBe("auth");
    expect(String(auth)).toMatch(/root@127\.0\.0\.1:3306\/test/);
    expect(`${String(auth)} ${JSON.stringify(auth)} ${(auth as Error).stack}`).not.toContain("hunter2-secret");
    await wrong.close();
    const unreachable = await fetchAll(new MysqlSource({ host: "127.0.0.1", port: 1, query: "SELECT 1" })).catch(
      (e: unknown) => e,
    );
    expect(FaucetError.is(unreachable) && unreachable.kind).toBe("connection");
    expect(String(unreachable)).toMatch(/could not connect to root@127\.0\.0\.1:1/);
    const missing = await fetchAll(new MysqlSource({ connection_url: url, table: "nope" })).catch((e: unknown) => e);
    expect(FaucetError.is(missing) && missing.kind).toBe("source");
    expect(String(missing)).toMatch(/nope.*doesn't exist/);
    const params = await fetchAll(
      new MysqlSource({ connection_url: url, query: "SELECT * FROM events WHERE id > ?", replication_key: "id" }),
    ).catch((e: unknown) => e);
    expect(FaucetError.is(params) && params.kind).toBe("config");
    const key = await fetchAll(
      new MysqlSource({ connection_url: url, table: "events", replication_key: "nope" }),
    ).catch((e: unknown) => e);
    expect(String(key)).toMatch(/replication_key `nope` is not a column/);
    expect(() => new MysqlSource({ connection_url: url, table: "a", query: "SELECT 1" })).toThrow(/exactly one of/);
    expect(() => new MysqlSource({ connection_url: "postgres://x@y/z", table: "a" })).toThrow(/scheme is postgres/);
  });

  test("the definition: YAML `type: mysql` in the Rust spelling", async () => {
    expect(definition).toMatchObject({ kind: "source", type: "mysql" });
    const source = await definition.create(
      {
        connection_url: url,
        query: "SELECT 1 AS one",
        max_connections: 2,
        batch_size: 10,
        read_timeout_secs: 30,
        net_write_timeout_secs: 60,
        shard: { key: "id" },
      } as never,
      { baseDir: ".", logger: recordingLogger(), pipeline: "test" },
    );
    expect(await fetchAll(source)).toEqual([{ one: 1 }]);
    await source.close?.();
  });
});

import { describeWithService, testSink } from "faucet-conformance";
import { FaucetError, Pipeline, type Value } from "faucet-core";
import { definition, MysqlSink, type MysqlSinkConfigInput } from "faucet-sink-mysql";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { pagesSource, runDroppingPoison, writeOnce } from "../../common-sql/test/sink-helpers.js";
import { ADMIN_URL, freshDatabase, sql } from "./helpers.js";

// Everything this file writes lives in a database of its own (commit tokens included).
const DATABASE = "faucet_test_sink_mysql";
let url = "";

async function rows(table: string, order = "1"): Promise<Record<string, unknown>[]> {
  return await sql(url, `SELECT * FROM \`${table}\` ORDER BY ${order}`);
}

async function count(table: string): Promise<number> {
  return Number((await sql(url, `SELECT COUNT(*) AS n FROM \`${table}\``))[0]?.n);
}

async function write(config: Omit<MysqlSinkConfigInput, "connection_url">, records: Value[]): Promise<number> {
  return await writeOnce(new MysqlSink({ connection_url: url, ...config }), records);
}

await describeWithService({ name: "MariaDB", port: 3306 }, "sink-mysql", () => {
  beforeAll(async () => {
    url = await freshDatabase(DATABASE);
  });
  afterAll(async () => {
    await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${DATABASE}`);
  });

  describe("conformance", () => {
    const config = (): MysqlSinkConfigInput => ({
      connection_url: url,
      table_name: "conformance",
      column_mapping: "auto_map",
    });
    testSink<() => MysqlSinkConfigInput>({
      create: (c) => new MysqlSink(c()),
      config,
      configs: {
        upsert: () => ({ ...config(), write_mode: "upsert", key: ["id"] }),
        delete: () => ({
          ...config(),
          write_mode: "upsert",
          key: ["id"],
          delete_marker: { field: "__op", values: ["d"] },
        }),
        overwrite: () => ({ ...config(), write_mode: "overwrite" }),
      },
      count: () => count("conformance"),
      read: async () => await sql(url, "SELECT id, v FROM conformance ORDER BY id"),
      reset: async () => {
        await sql(
          url,
          "DROP TABLE IF EXISTS conformance, _faucet_commit_token; CREATE TABLE conformance (id BIGINT PRIMARY KEY, v TEXT)",
        );
      },
      failing: [
        {
          title: "unreachable server",
          config: () => ({ ...config(), host: "127.0.0.1", port: 1 }),
          kind: "connection",
        },
        {
          title: "missing table",
          config: () => ({ ...config(), table_name: "absent", create_table: false }),
          kind: "sink",
        },
      ],
    });
  });

  describe("own cases", () => {
    beforeEach(async () => {
      await freshDatabase(DATABASE);
    });

    test("values of every common type arrive exactly, and read back the same through the source's mapping", async () => {
      await sql(
        url,
        `CREATE TABLE typed (id INT, s TEXT, n DECIMAL(38,10), big BIGINT, ubig BIGINT UNSIGNED, f DOUBLE, b BOOLEAN,
          j JSON, bin BLOB, bits BIT(10), at DATETIME(6), ts TIMESTAMP(6) NULL, d DATE, e ENUM('x','y'))`,
      );
      const tricky: Value[] = [
        {
          id: 1,
          s: "tab\there\nnew line\r\\back\\slash 'quote' \"dq\" \u0000nul \u001a 日本語 ✓",
          n: "12345678901234567890.0123456789",
          big: "-9223372036854775808",
          ubig: "18446744073709551615",
          f: 0.1,
          b: true,
          j: { a: [1, { b: "x\ty" }], u: "é", big: "12345678901234567890" },
          bin: Buffer.from([0, 1, 255]).toString("base64"),
          bits: Buffer.from([0x02, 0xaa]).toString("base64"),
          at: "2024-02-29T23:59:59.123456+05:30",
          ts: "2024-02-29T18:29:59.5Z",
          d: "2024-02-29",
          e: "y",
        },
        {
          id: 2,
          s: "",
          n: null,
          big: null,
          ubig: null,
          f: null,
          b: false,
          j: null,
          bin: "",
          bits: null,
          at: null,
          ts: null,
          d: null,
          e: null,
        },
      ];
      expect(await write({ table_name: "typed", column_mapping: "auto_map" }, tricky)).toBe(2);
      const back = await sql(
        url,
        "SELECT id, s, n, big, ubig, f, b, j, HEX(bin) AS bin, HEX(bits) AS bits, at, ts, d, e FROM typed ORDER BY id",
      );
      expect(back).toEqual([
        {
          id: 1,
          s: "tab\there\nnew line\r\\back\\slash 'quote' \"dq\" \u0000nul \u001a 日本語 ✓",
          n: "12345678901234567890.0123456789",
          big: "-9223372036854775808",
          ubig: "18446744073709551615",
          f: 0.1,
          b: 1,
          j: '{"a":[1,{"b":"x\\ty"}],"u":"é","big":"12345678901234567890"}',
          bin: "0001FF",
          bits: "2AA",
          at: "2024-02-29 18:29:59.123456",
          ts: expect.any(String),
          d: "2024-02-29",
          e: "y",
        },
        {
          id: 2,
          s: "",
          n: null,
          big: null,
          ubig: null,
          f: null,
          b: 0,
          j: null,
          bin: "",
          bits: null,
          at: null,
          ts: null,
          d: null,
          e: null,
        },
      ]);
      const [ts] = await sql(
        url,
        "SELECT CONVERT_TZ(ts, @@session.time_zone, '+00:00') AS utc FROM typed WHERE id = 1",
      );
      expect(ts?.utc).toBe("2024-02-29 18:29:59.500000");
    });

    test("create_table types columns from the first page; json mapping writes whole records", async () => {
      await write({ table_name: "made", column_mapping: "auto_map" }, [
        { id: 1, name: "a", amount: 1.5, ok: true, tags: ["x"], missing: null },
        { id: 2, name: "b", amount: 2, ok: false, tags: [], missing: null },
      ]);
      const columns = await sql(
        url,
        "SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'made' ORDER BY ORDINAL_POSITION",
      );
      expect(columns).toEqual([
        { name: "id", type: "bigint(20)" },
        { name: "name", type: "longtext" },
        { name: "amount", type: "double" },
        { name: "ok", type: "tinyint(1)" },
        { name: "tags", type: "longtext" },
        { name: "missing", type: "longtext" },
      ]);
      await write({ table_name: "docs" }, [{ a: 1, nested: { b: [1, 2] } }, { c: "日本" }]);
      expect(await rows("docs")).toEqual([{ data: '{"a":1,"nested":{"b":[1,2]}}' }, { data: '{"c":"日本"}' }]);
      await write({ table_name: "payloads", column_mapping: { json: { column: "payload" } } }, [{ a: 1 }]);
      expect(await rows("payloads")).toEqual([{ payload: '{"a":1}' }]);
      await write({ table_name: "keyed", column_mapping: "auto_map", write_mode: "upsert", key: "code" }, [
        { code: "A", v: 1 },
      ]);
      const [create] = await sql(url, "SHOW CREATE TABLE keyed");
      expect(String(create?.["Create Table"])).toMatch(/`code` varchar\(255\)[\s\S]*PRIMARY KEY \(`code`\)/);
    });

    test("upsert (ON DUPLICATE KEY UPDATE) keeps the last write per key; delete markers and delete mode remove rows", async () => {
      await sql(url, "CREATE TABLE kv (id INT, region VARCHAR(10), v TEXT, PRIMARY KEY (id, region))");
      const upsert = {
        table_name: "kv",
        column_mapping: "auto_map",
        write_mode: "upsert",
        key: ["id", "region"],
      } as const;
      expect(
        await write(upsert, [
          { id: 1, region: "eu", v: "a" },
          { id: 2, region: "eu", v: "b" },
          { id: 1, region: "eu", v: "c" },
        ]),
      ).toBe(2);
      await write({ ...upsert, delete_marker: { field: "__op", values: ["d", "delete"] } }, [
        { id: 2, region: "eu", __op: "d" },
        { id: 3, region: "us", v: "z", __op: "u" },
      ]);
      expect(await rows("kv", "id")).toEqual([
        { id: 1, region: "eu", v: "c" },
        { id: 3, region: "us", v: "z" },
      ]);
      await write({ ...upsert, write_mode: "delete" }, [
        { id: 1, region: "eu" },
        { id: 9, region: "xx" },
      ]);
      expect(await rows("kv", "id")).toEqual([{ id: 3, region: "us", v: "z" }]);
      const error = await write(upsert, [
        { id: 4, region: "eu" },
        { region: "eu", v: "no id" },
      ]).catch((e: unknown) => e);
      expect(String(error)).toMatch(/record 1 has no value for key column "id"/);
    });

    test("overwrite loads a staging table and swaps it in with one RENAME TABLE; a failed run leaves the table alone", async () => {
      await sql(url, "CREATE TABLE snap (id INT PRIMARY KEY, v TEXT); INSERT INTO snap VALUES (1, 'old'), (2, 'old')");
      const config = {
        connection_url: url,
        table_name: "snap",
        column_mapping: "auto_map",
        write_mode: "overwrite",
      } as const;
      const result = await new Pipeline(
        pagesSource([[{ id: 7, v: "new" }], [{ id: 8, v: "new" }]]),
        new MysqlSink(config),
      ).run();
      expect(result.recordsWritten).toBe(2);
      expect(await rows("snap")).toEqual([
        { id: 7, v: "new" },
        { id: 8, v: "new" },
      ]);
      const failing = await new Pipeline(
        pagesSource([[{ id: 9, v: "x" }], [{ id: "not a number", v: "x" }]]),
        new MysqlSink(config),
      )
        .run()
        .catch((e: unknown) => e);
      expect(FaucetError.is(failing)).toBe(true);
      expect(await rows("snap")).toEqual([
        { id: 7, v: "new" },
        { id: 8, v: "new" },
      ]);
      const left = await sql(
        url,
        "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'snap%'",
      );
      expect(left).toEqual([{ t: "snap" }]);
    });

    test("a value that does not fit fails its page with the record's index, and nothing of the page is written", async () => {
      await sql(url, "CREATE TABLE strict_t (id INT NOT NULL, code VARCHAR(3), n TINYINT, j JSON, at DATETIME)");
      const base = { table_name: "strict_t", column_mapping: "auto_map", batch_size: 2 } as const;
      const cases: [Value[], RegExp][] = [
        [
          [
            { id: 1, code: "abc" },
            { id: 2, code: "abc" },
            { id: 3, code: "abcd" },
          ],
          /record 2, column "code" does not fit .*Data too long/,
        ],
        [
          [
            { id: 1, n: 1 },
            { id: 2, n: 300 },
          ],
          /record 1, column "n" does not fit .*Out of range/,
        ],
        [[{ id: 1 }, { id: 2 }, { id: 3, n: "many" }], /record 2, column "n" does not fit .*Incorrect integer value/],
        [[{ id: 1 }, { id: 2 }, { id: 3 }, { id: null }], /record 3, column "id" does not fit .*cannot be null/],
        [[{ id: 1 }, { id: 2.5 }], /record 1, column "id" \(int\(11\)\): 2\.5 is not an integer/],
        [[{ id: 1, at: "yesterday" }], /record 0, column "at" does not fit .*Incorrect datetime value/],
        [[{ id: 1 }, "not an object"], /record 1 is a string, not an object/],
        [[{ id: 1, other: 1 }], /record 0 has key "other" but `strict_t` has no such column/],
      ];
      for (const [records, message] of cases) {
        const error = await write(base, records).catch((e: unknown) => e);
        expect(FaucetError.is(error) && error.kind, String(error)).toBe("sink");
        expect(String(error)).toMatch(message);
        expect((error as FaucetError).retryable).toBe(false);
        expect(await count("strict_t")).toBe(0);
      }
      expect(await write({ ...base, ignore_unknown: true }, [{ id: 1, other: 1 }])).toBe(1);
    });

    test("statements are packed under max_allowed_packet and a page still commits as one", async () => {
      await sql(url, "CREATE TABLE wide (id INT, pad LONGTEXT)");
      const packet = Number((await sql(url, "SELECT @@max_allowed_packet AS p"))[0]?.p);
      const pad = "x".repeat(Math.floor(packet / 6));
      const records = Array.from({ length: 20 }, (_, id) => ({ id, pad }));
      expect(await write({ table_name: "wide", column_mapping: "auto_map", batch_size: 0 }, records)).toBe(20);
      expect(await count("wide")).toBe(20);
      const huge = await write({ table_name: "wide", column_mapping: "auto_map" }, [
        { id: 99, pad: "y".repeat(packet) },
      ]).catch((e: unknown) => e);
      expect(String(huge)).toMatch(/record 0 needs a \d+-byte statement, more than the server accepts/);
    });

    test("atomicBatches: a page with one bad row fails and leaves the table as it was (append, upsert)", async () => {
      await sql(url, "CREATE TABLE atomic (id BIGINT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB");
      await write({ table_name: "atomic", column_mapping: "auto_map" }, [{ id: 0, n: 0 }]);
      // Far past the first statements (batch_size 100): the rows before it reach the server.
      const page: Value[] = Array.from({ length: 2000 }, (_, i) => ({ id: i + 1, n: i === 1500 ? 3_000_000_000 : i }));
      for (const config of [{}, { write_mode: "upsert", key: ["id"] }] as const) {
        const sink = new MysqlSink({
          connection_url: url,
          table_name: "atomic",
          column_mapping: "auto_map",
          batch_size: 100,
          ...config,
        });
        expect(sink.capabilities().atomicBatches).toBe(true);
        await expect(sink.writeBatch(page)).rejects.toThrow(/record 1500/);
        await sink.close();
        expect(await rows("atomic")).toEqual([{ id: "0", n: 0 }]);
      }
      // What the claim buys: the pipeline's poison policy splits the page until the bad row is alone.
      const sink = new MysqlSink({ connection_url: url, table_name: "atomic", column_mapping: "auto_map" });
      expect(await runDroppingPoison(sink, page)).toMatchObject({ recordsWritten: 1999, dropped: 1 });
      expect(await count("atomic")).toBe(2000);
      expect(await sql(url, "SELECT id FROM atomic WHERE id = 1501")).toEqual([]);
    });

    test("exactly-once: a page and its commit token commit together; a replayed token writes nothing", async () => {
      const sink = new MysqlSink({ connection_url: url, table_name: "eo", column_mapping: "auto_map" });
      try {
        expect(await sink.lastCommittedToken("s")).toBeUndefined();
        expect(await sink.writeBatchIdempotent([{ id: 1 }, { id: 2 }], "s", "00000000000000000001#2")).toBe(2);
        expect(await sink.writeBatchIdempotent([{ id: 1 }, { id: 2 }], "s", "00000000000000000001#2")).toBe(0);
        const failed = await sink
          .writeBatchIdempotent([{ id: 3 }, { id: "x" }], "s", "00000000000000000002#4")
          .catch((e: unknown) => e);
        expect(FaucetError.is(failed)).toBe(true);
        expect(await sink.lastCommittedToken("s")).toBe("00000000000000000001#2");
        expect(await count("eo")).toBe(2);
      } finally {
        await sink.close();
      }
    });

    test("schema evolution adds columns and relaxes NOT NULL", async () => {
      await sql(url, "CREATE TABLE evolve (id INT NOT NULL)");
      const sink = new MysqlSink({ connection_url: url, table_name: "evolve", column_mapping: "auto_map" });
      await sink.evolveSchema({
        addColumns: [
          { name: "note", type: "string", nullable: true },
          { name: "n", type: "integer", nullable: true },
        ],
        relaxColumns: ["id"],
      });
      expect(await sink.currentSchema()).toEqual({
        columns: [
          { name: "id", type: "int(11)", nullable: true },
          { name: "note", type: "longtext", nullable: true },
          { name: "n", type: "bigint(20)", nullable: true },
        ],
      });
      await sink.close();
    });

    test("bad input: wrong password (named user, never the password), unreachable host, config errors", async () => {
      const wrong = new MysqlSink({
        connection_url: "mysql://root:hunter2-secret@127.0.0.1:3306/test",
        table_name: "t",
      });
      const auth = await wrong.writeBatch([{ a: 1 }]).catch((e: unknown) => e);
      expect(FaucetError.is(auth) && auth.kind).toBe("auth");
      expect(`${String(auth)} ${JSON.stringify(auth)} ${(auth as Error).stack}`).not.toContain("hunter2-secret");
      await wrong.close();
      const unreachable = await write({ host: "127.0.0.1", port: 1, table_name: "t" } as never, [{ a: 1 }]).catch(
        (e: unknown) => e,
      );
      expect(FaucetError.is(unreachable) && unreachable.kind).toBe("connection");
      expect(() => new MysqlSink({ connection_url: url, table_name: "t", write_mode: "upsert" })).toThrow(
        /needs a non-empty `key`/,
      );
      expect(() => new MysqlSink({ connection_url: url, table_name: "t", write_mode: "upsert", key: "id" })).toThrow(
        /needs column_mapping: auto_map/,
      );
      expect(() => new MysqlSink({ connection_url: url, table_name: "t", timezone: "Europe/Paris" })).toThrow(
        /offset such as \+05:30/,
      );
    });

    test("the definition: YAML `type: mysql` in the Rust spelling", async () => {
      expect(definition).toMatchObject({ kind: "sink", type: "mysql" });
      const config = {
        connection_url: url,
        table_name: "rusty",
        column_mapping: { json: { column: "data" } },
        batch_size: 250,
        max_connections: 5,
      };
      const sink = await definition.create(config as never, {
        baseDir: ".",
        logger: undefined as never,
        pipeline: "t",
      });
      expect(await sink.writeBatch([{ a: 1 }])).toBe(1);
      await sink.close?.();
    });
  });
});

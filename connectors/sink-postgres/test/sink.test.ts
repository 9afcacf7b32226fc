import { describeWithService, testSink } from "faucet-conformance";
import { FaucetError, Pipeline, type Value } from "faucet-core";
import { definition, PostgresSink, type PostgresSinkConfigInput } from "faucet-sink-postgres";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { pagesSource, runDroppingPoison, writeOnce } from "../../common-sql/test/sink-helpers.js";
import { ADMIN_URL, sql } from "./helpers.js";

// Everything this file writes lives in a schema of its own (commit tokens included).
const SCHEMA = "faucet_test_sink_postgres";
const url = ADMIN_URL;
const base = { connection_url: url, schema: SCHEMA } as const;
const q = (table: string) => `"${SCHEMA}"."${table}"`;

async function rows(table: string, order = "1"): Promise<Record<string, unknown>[]> {
  return (await sql(url, `SELECT * FROM ${q(table)} ORDER BY ${order}`)).rows;
}

async function count(table: string): Promise<number> {
  return Number((await sql(url, `SELECT count(*) AS n FROM ${q(table)}`)).rows[0].n);
}

async function write(config: PostgresSinkConfigInput, records: Value[]): Promise<number> {
  return await writeOnce(new PostgresSink({ ...base, ...config }), records);
}

await describeWithService({ name: "PostgreSQL", port: 5432 }, "sink-postgres", () => {
  afterAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  describe("conformance", () => {
    const config: PostgresSinkConfigInput = { ...base, table_name: "conformance", column_mapping: "auto_map" };
    testSink<PostgresSinkConfigInput>({
      create: (c) => new PostgresSink(c),
      config,
      configs: {
        upsert: { ...config, write_mode: "upsert", key: ["id"] },
        delete: { ...config, write_mode: "upsert", key: ["id"], delete_marker: { field: "__op", values: ["d"] } },
        overwrite: { ...config, write_mode: "overwrite" },
      },
      count: () => count("conformance"),
      read: async () => (await sql(url, `SELECT id::int AS id, v FROM ${q("conformance")} ORDER BY id`)).rows,
      reset: async () => {
        await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
        await sql(url, `CREATE SCHEMA ${SCHEMA}`);
        await sql(url, `CREATE TABLE ${q("conformance")} (id bigint PRIMARY KEY, v text)`);
      },
      failing: [
        { title: "unreachable server", config: { ...config, host: "127.0.0.1", port: 1 }, kind: "connection" },
        { title: "missing table", config: { ...config, table_name: "absent", create_table: false }, kind: "sink" },
      ],
    });
  });

  describe("own cases", () => {
    beforeEach(async () => {
      await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await sql(url, `CREATE SCHEMA ${SCHEMA}`);
    });

    const tricky: Value[] = [
      {
        id: 1,
        s: "tab\there\nnew line\r\\back\\slash \\N",
        n: "12345678901234567890.0123456789",
        big: "9223372036854775807",
        f: 0.1,
        b: true,
        j: { a: [1, { b: "x\ty" }], u: "é" },
        arr: [1, null, 3],
        txt: ['a"b', "c\\d", null, "", "NULL"],
        bin: Buffer.from([0, 1, 255]).toString("base64"),
        at: "2024-02-29T23:59:59.123456+05:30",
      },
      { id: 2, s: "", n: null, big: null, f: null, b: null, j: null, arr: [], txt: [], bin: null, at: null },
    ];
    const typedTable = `(id int, s text, n numeric(38,10), big int8, f float8, b bool, j jsonb, arr int8[], txt text[], bin bytea, at timestamptz)`;
    const expected = [
      {
        id: 1,
        s: "tab\there\nnew line\r\\back\\slash \\N",
        n: "12345678901234567890.0123456789",
        big: "9223372036854775807",
        f: 0.1,
        b: true,
        j: { a: [1, { b: "x\ty" }], u: "é" },
        arr: ["1", null, "3"],
        txt: ['a"b', "c\\d", null, "", "NULL"],
        bin: Buffer.from([0, 1, 255]),
        at: new Date("2024-02-29T18:29:59.123Z"),
      },
      { id: 2, s: "", n: null, big: null, f: null, b: null, j: null, arr: [], txt: [], bin: null, at: null },
    ];

    for (const [method, style] of [
      ["copy", undefined],
      ["insert", "unnest"],
      ["insert", "values"],
    ] as const) {
      test(`${method}${style ? ` (${style})` : ""}: values of every common type arrive exactly`, async () => {
        await sql(url, `CREATE TABLE ${q("typed")} ${typedTable}`);
        const sink = new PostgresSink(
          { ...base, table_name: "typed", column_mapping: "auto_map", write_method: method },
          style ? { insertStyle: style } : {},
        );
        expect(await sink.writeBatch(tricky)).toBe(2);
        await sink.close();
        const got = await rows("typed", "id");
        expect(got).toEqual(expected);
        const micros = await sql(url, `SELECT to_char(at, 'US') AS us FROM ${q("typed")} WHERE id = 1`);
        expect(micros.rows[0].us).toBe("123456");
      });
    }

    test("insert binds in statements of batch_size rows; a page is still one transaction", async () => {
      await sql(url, `CREATE TABLE ${q("chunks")} (id int PRIMARY KEY, v text)`);
      const page = Array.from({ length: 2500 }, (_, i) => ({ id: i, v: `v${i}` }));
      for (const style of ["unnest", "values"] as const) {
        await sql(url, `TRUNCATE ${q("chunks")}`);
        const sink = new PostgresSink(
          { ...base, table_name: "chunks", column_mapping: "auto_map", write_method: "insert", batch_size: 1000 },
          { insertStyle: style },
        );
        await sink.writeBatch(page);
        await sink.flush();
        expect(await count("chunks")).toBe(2500);
        // The last chunk breaks a constraint: the chunks before it are rolled back too.
        const bad = [...page.map((r) => ({ ...r, id: r.id + 10_000 })), { id: 10_000, v: "duplicate" }];
        await expect(sink.writeBatch(bad)).rejects.toThrow(/duplicate key/);
        await sink.flush();
        expect(await count("chunks")).toBe(2500);
        await sink.close();
      }
    });

    test("VALUES statements stay under 65,535 parameters whatever batch_size says", async () => {
      const columns = Array.from({ length: 40 }, (_, i) => `c${i} int`).join(", ");
      await sql(url, `CREATE TABLE ${q("wide")} (${columns})`);
      const record = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, i]));
      const page = Array.from({ length: 5000 }, () => record); // 200,000 values
      const sink = new PostgresSink(
        { ...base, table_name: "wide", column_mapping: "auto_map", write_method: "insert", batch_size: 0 },
        { insertStyle: "values" },
      );
      expect(await sink.writeBatch(page)).toBe(5000);
      await sink.close();
      expect(await count("wide")).toBe(5000);
    });

    test("a value that does not fit fails the page with its row index, and nothing of the page is written", async () => {
      await sql(url, `CREATE TABLE ${q("strict")} (id int PRIMARY KEY, code varchar(3), qty smallint)`);
      const page: Value[] = [
        { id: 1, code: "abc", qty: 1 },
        { id: 2, code: "de", qty: 2 },
        { id: 3, code: "fgh", qty: 40000 },
        { id: 4, code: "ij", qty: 4 },
      ];
      const cases: [PostgresSinkConfigInput, "unnest" | "values" | undefined][] = [
        [{ write_method: "copy" }, undefined],
        [{ write_method: "insert" }, "unnest"],
        [{ write_method: "insert" }, "values"],
        [{ write_mode: "upsert", key: ["id"] }, "unnest"],
      ];
      for (const [extra, style] of cases) {
        const sink = new PostgresSink(
          { ...base, table_name: "strict", column_mapping: "auto_map", ...extra },
          style ? { insertStyle: style } : {},
        );
        const error = await sink.writeBatch(page).catch((e: unknown) => e);
        expect(FaucetError.is(error, "sink"), String(error)).toBe(true);
        expect((error as FaucetError).message).toMatch(/record 2, column "qty".*smallint/);
        expect((error as FaucetError).retryable).toBe(false);
        expect(await count("strict")).toBe(0);
        const long = await sink
          .writeBatch([
            { id: 9, code: "ok" },
            { id: 10, code: "toolong" },
          ])
          .catch((e) => e);
        expect((long as Error).message).toMatch(/record 1, column "code".*character varying\(3\)/);
        expect(await count("strict")).toBe(0);
        await sink.close();
      }
    });

    test("COPY in chunks: a bad record deep in a big page is named, and nothing of the page lands", async () => {
      await sql(url, `CREATE TABLE ${q("big")} (id int, b bytea)`);
      const page = Array.from({ length: 9000 }, (_, id) => ({ id, b: "AAE=" }));
      const sink = new PostgresSink({ ...base, table_name: "big", column_mapping: "auto_map" });
      const serverSide = await sink
        .writeBatch(page.map((r) => (r.id === 6543 ? { ...r, id: "x" } : r)))
        .catch((e) => e);
      expect((serverSide as Error).message).toMatch(/record 6543, column "id"/);
      const clientSide = await sink.writeBatch(page.map((r) => (r.id === 7777 ? { ...r, b: "%" } : r))).catch((e) => e);
      expect((clientSide as Error).message).toMatch(/record 7777, column "b" \(bytea\)/);
      expect(await count("big")).toBe(0);
      expect(await sink.writeBatch(page)).toBe(9000); // the connection is still good
      await sink.flush();
      expect(await count("big")).toBe(9000);
      await sink.close();
    });

    test("bytea needs base64: anything else names the record", async () => {
      await sql(url, `CREATE TABLE ${q("bin")} (b bytea)`);
      const error = await write({ table_name: "bin", column_mapping: "auto_map" }, [
        { b: "AAE=" },
        { b: "not base64!" },
      ]).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/record 1, column "b" \(bytea\)/);
      expect(await count("bin")).toBe(0);
      // INSERT encodes each statement while the one before runs: a bad value there fails cleanly too.
      const sink = new PostgresSink({
        ...base,
        table_name: "bin",
        column_mapping: "auto_map",
        write_method: "insert",
        batch_size: 2,
      });
      const page = [{ b: "AAE=" }, { b: "AAE=" }, { b: "AAE=" }, { b: "not base64!" }, { b: "AAE=" }];
      await expect(sink.writeBatch(page)).rejects.toThrow(/record 3, column "b" \(bytea\)/);
      expect(await sink.writeBatch(page.slice(0, 3))).toBe(3);
      await sink.close();
      expect(await count("bin")).toBe(3);
    });

    test("create_table infers bigint, double precision, boolean, text and jsonb; upsert adds the key", async () => {
      await write({ table_name: "made", column_mapping: "auto_map", write_mode: "upsert", key: "id" }, [
        { id: 1, score: 1.5, ok: true, name: "a", tags: ["x"], meta: { k: 1 }, none: null },
        { id: 2, score: 2, ok: false, name: "b", tags: [], meta: {}, none: null },
      ]);
      const { rows: columns } = await sql(
        url,
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'made' ORDER BY ordinal_position`,
        [SCHEMA],
      );
      expect(columns.map((c) => [c.column_name, c.data_type])).toEqual([
        ["id", "bigint"],
        ["score", "double precision"],
        ["ok", "boolean"],
        ["name", "text"],
        ["tags", "jsonb"],
        ["meta", "jsonb"],
        ["none", "text"],
      ]);
      const { rows: pk } = await sql(
        url,
        `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary`,
        [q("made")],
      );
      expect(pk.map((r) => r.attname)).toEqual(["id"]);
    });

    test("create_table: false with a missing table fails clearly", async () => {
      const error = await write({ table_name: "absent", column_mapping: "auto_map", create_table: false }, [
        { a: 1 },
      ]).catch((e: unknown) => e);
      expect(FaucetError.is(error, "sink")).toBe(true);
      expect((error as Error).message).toMatch(/absent.*does not exist.*create_table/);
    });

    test("auto_map: missing keys are NULL, unmentioned columns keep their defaults, unknown keys fail unless ignored", async () => {
      await sql(
        url,
        `CREATE TABLE ${q("auto")} (id serial PRIMARY KEY, a text, b int, made timestamptz DEFAULT now())`,
      );
      await write({ table_name: "auto", column_mapping: "auto_map" }, [{ a: "x", b: 1 }, { a: "y" }]);
      const got = await rows("auto", "id");
      expect(got.map((r) => [r.id, r.a, r.b, r.made instanceof Date])).toEqual([
        [1, "x", 1, true],
        [2, "y", null, true],
      ]);
      const error = await write({ table_name: "auto", column_mapping: "auto_map" }, [{ a: "z", extra: 1 }]).catch(
        (e: unknown) => e,
      );
      expect((error as Error).message).toMatch(/record 0 has key "extra".*no such column.*ignore_unknown/);
      await write({ table_name: "auto", column_mapping: "auto_map", ignore_unknown: true }, [{ a: "z", extra: 1 }]);
      expect(await count("auto")).toBe(3);
    });

    test("jsonb mapping: the Rust shape, the shorthand and the default write whole records", async () => {
      const record = { id: 1, nested: { deep: [1, "two", null] }, big: "12345678901234567890", s: "tab\t" };
      await write({ table_name: "docs_default" }, [record]);
      await write({ table_name: "docs_short", column_mapping: "jsonb" }, [record]);
      await sql(url, `CREATE TABLE ${q("docs_rust")} (id serial, payload jsonb)`);
      await write({ table_name: "docs_rust", column_mapping: { jsonb: { column: "payload" } } }, [record, [1, 2]]);
      expect((await rows("docs_default"))[0]).toEqual({ data: record });
      expect((await rows("docs_short"))[0]).toEqual({ data: record });
      expect(await rows("docs_rust", "id")).toEqual([
        { id: 1, payload: record },
        { id: 2, payload: [1, 2] },
      ]);
      await sql(url, `CREATE TABLE ${q("docs_bad")} (x int)`);
      await expect(write({ table_name: "docs_bad", column_mapping: "jsonb" }, [record])).rejects.toThrow(
        /no column "data"/,
      );
    });

    test("upsert: last record per key wins within a page; delete_marker deletes and is not stored", async () => {
      const config: PostgresSinkConfigInput = {
        table_name: "up",
        column_mapping: "auto_map",
        write_mode: "upsert",
        key: ["id"],
        delete_marker: { field: "op", values: ["d", "delete"] },
      };
      await write(config, [
        { id: 1, v: "a", op: "u" },
        { id: 2, v: "b", op: "u" },
        { id: 3, v: "c", op: "u" },
      ]);
      await write(config, [
        { id: 1, v: "a2", op: "u" },
        { id: 1, v: "a3", op: "u" },
        { id: 2, op: "delete" },
        { id: 3, op: "d" },
        { id: 3, v: "c again", op: "u" },
        { id: 4, v: "d", op: "u" },
      ]);
      expect(await rows("up", "id")).toEqual([
        { id: "1", v: "a3" },
        { id: "3", v: "c again" },
        { id: "4", v: "d" },
      ]);
    });

    test("upsert on a composite key; delete mode deletes by key", async () => {
      await sql(url, `CREATE TABLE ${q("pairs")} (a int, b text, v int, PRIMARY KEY (a, b))`);
      const upsert: PostgresSinkConfigInput = {
        table_name: "pairs",
        column_mapping: "auto_map",
        write_mode: "upsert",
        key: ["a", "b"],
      };
      await write(upsert, [
        { a: 1, b: "x", v: 1 },
        { a: 1, b: "y", v: 2 },
        { a: 2, b: "x", v: 3 },
      ]);
      await write(upsert, [{ a: 1, b: "x", v: 10 }]);
      await write({ ...upsert, write_mode: "delete" }, [
        { a: 1, b: "y" },
        { a: 9, b: "none" },
      ]);
      expect(await rows("pairs", "a, b")).toEqual([
        { a: 1, b: "x", v: 10 },
        { a: 2, b: "x", v: 3 },
      ]);
    });

    test("overwrite: staged rows replace the table on commit, vanish on abort, and a dependent view keeps working", async () => {
      await sql(url, `CREATE TABLE ${q("ow")} (id int PRIMARY KEY, v text)`);
      await sql(url, `INSERT INTO ${q("ow")} VALUES (1, 'old'), (2, 'old')`);
      const sink = new PostgresSink({ ...base, table_name: "ow", column_mapping: "auto_map", write_mode: "overwrite" });
      await sink.beginOverwrite();
      await sink.writeBatch([{ id: 9, v: "aborted" }]);
      await sink.abortOverwrite();
      expect(await rows("ow")).toEqual([
        { id: 1, v: "old" },
        { id: 2, v: "old" },
      ]);
      await sink.beginOverwrite();
      await sink.writeBatch([{ id: 3, v: "new" }]);
      expect(await count("ow")).toBe(2); // readers see the old table until the swap
      await sink.commitOverwrite();
      expect(await rows("ow")).toEqual([{ id: 3, v: "new" }]);
      // With a view on the table the swap falls back to replacing its rows.
      await sql(url, `CREATE VIEW ${q("ow_view")} AS SELECT * FROM ${q("ow")}`);
      await sink.beginOverwrite();
      await sink.writeBatch([{ id: 4, v: "newer" }]);
      await sink.commitOverwrite();
      expect((await sql(url, `SELECT * FROM ${q("ow_view")}`)).rows).toEqual([{ id: 4, v: "newer" }]);
      const { rows: leftovers } = await sql(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'ow\\_\\_%'",
        [SCHEMA],
      );
      expect(leftovers).toEqual([]);
      await sink.close();
    });

    test("overwrite through the pipeline; a failed run leaves the table untouched", async () => {
      await sql(url, `CREATE TABLE ${q("owp")} (id int, v text)`);
      await sql(url, `INSERT INTO ${q("owp")} VALUES (1, 'old')`);
      const config = { ...base, table_name: "owp", column_mapping: "auto_map", write_mode: "overwrite" } as const;
      const failing = pagesSource([[{ id: 2, v: "x" }], [{ id: "bad", v: "y" }]]);
      await expect(new Pipeline(failing, new PostgresSink(config)).run()).rejects.toThrow(/record 0/);
      expect(await rows("owp")).toEqual([{ id: 1, v: "old" }]);
      await new Pipeline(pagesSource([[{ id: 2, v: "x" }], [{ id: 3, v: "y" }]]), new PostgresSink(config)).run();
      expect(await rows("owp")).toEqual([
        { id: 2, v: "x" },
        { id: 3, v: "y" },
      ]);
    });

    test("schema evolution through the pipeline: new keys become columns, NOT NULL can be relaxed", async () => {
      await sql(url, `CREATE TABLE ${q("evo")} (id int NOT NULL, v text)`);
      const sink = new PostgresSink({ ...base, table_name: "evo", column_mapping: "auto_map" });
      const source = pagesSource([[{ id: 1, v: "a" }], [{ id: 2, v: "b", score: 1.5, tags: ["t"], flag: true }]]);
      await new Pipeline(source, sink, { schemaDrift: "evolve" }).run();
      expect(await rows("evo")).toEqual([
        { id: 1, v: "a", score: null, tags: null, flag: null },
        { id: 2, v: "b", score: 1.5, tags: ["t"], flag: true },
      ]);
      const evolving = new PostgresSink({ ...base, table_name: "evo", column_mapping: "auto_map" });
      await evolving.evolveSchema({ addColumns: [], relaxColumns: ["id"] });
      const schema = await evolving.currentSchema();
      expect(schema?.columns.find((c) => c.name === "id")).toEqual({ name: "id", type: "integer", nullable: true });
      await evolving.close();
    });

    test("atomicBatches: a page with one bad row fails and leaves the table as it was (COPY, unnest, VALUES, upsert)", async () => {
      await sql(url, `CREATE TABLE ${q("atomic")} (id bigint PRIMARY KEY, n int NOT NULL)`);
      await write({ table_name: "atomic", column_mapping: "auto_map" }, [{ id: 0, n: 0 }]);
      // Far past the first COPY chunk and the first INSERT statements: the rows before it reach the server.
      const page: Value[] = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, n: i === 4500 ? 3_000_000_000 : i }));
      const configs: [PostgresSinkConfigInput, "unnest" | "values"][] = [
        [{ write_method: "copy" }, "unnest"],
        [{ write_method: "insert", batch_size: 100 }, "unnest"],
        [{ write_method: "insert", batch_size: 100 }, "values"],
        [{ write_mode: "upsert", key: ["id"], batch_size: 100 }, "unnest"],
      ];
      for (const [config, insertStyle] of configs) {
        const sink = new PostgresSink(
          { ...base, table_name: "atomic", column_mapping: "auto_map", ...config },
          { insertStyle },
        );
        expect(sink.capabilities().atomicBatches).toBe(true);
        await expect(sink.writeBatch(page)).rejects.toThrow(/record 4500/);
        await sink.close();
        expect(await rows("atomic")).toEqual([{ id: "0", n: 0 }]);
      }
      // What the claim buys: the pipeline's poison policy splits the page until the bad row is alone.
      const sink = new PostgresSink({ ...base, table_name: "atomic", column_mapping: "auto_map" });
      expect(await runDroppingPoison(sink, page)).toMatchObject({ recordsWritten: 4999, dropped: 1 });
      expect(await count("atomic")).toBe(5000);
      expect((await sql(url, `SELECT count(*)::int AS n FROM ${q("atomic")} WHERE id = 4501`)).rows[0].n).toBe(0);
    });

    test("exactly-once: a page and its token commit together; a replayed token writes nothing", async () => {
      await sql(url, `CREATE TABLE ${q("eo")} (id int, v text)`);
      const sink = new PostgresSink({ ...base, table_name: "eo", column_mapping: "auto_map" });
      expect(await sink.lastCommittedToken("orders")).toBeUndefined();
      const token1 = '00000000000000000001#{"id":2}';
      expect(await sink.writeBatchIdempotent([{ id: 1 }, { id: 2 }], "orders", token1)).toBe(2);
      expect(await sink.writeBatchIdempotent([{ id: 1 }, { id: 2 }], "orders", token1)).toBe(0);
      expect(await sink.lastCommittedToken("orders")).toBe(token1);
      // A failing page commits neither its rows nor its token.
      const token2 = '00000000000000000002#{"id":4}';
      await expect(sink.writeBatchIdempotent([{ id: 3 }, { id: "x" }], "orders", token2)).rejects.toThrow(/record 1/);
      expect(await sink.lastCommittedToken("orders")).toBe(token1);
      expect(await count("eo")).toBe(2);
      await sink.writeBatchIdempotent([{ id: 3 }, { id: 4 }], "orders", token2);
      expect(await sink.lastCommittedToken("orders")).toBe(token2);
      expect(await sink.lastCommittedToken("other")).toBeUndefined();
      const { rows: tokens } = await sql(url, `SELECT scope, token FROM ${q("_faucet_commit_token")}`);
      expect(tokens).toEqual([{ scope: "orders", token: token2 }]);
      await sink.close();
    });
  });
});

test("config: Rust keys, defaults and impossible combinations", () => {
  expect(definition.type).toBe("postgres");
  expect(definition.kind).toBe("sink");
  const sink = new PostgresSink({ connection_url: "postgres://u@h/db", table_name: "t" });
  expect(sink.config.column_mapping).toEqual({ jsonb: { column: "data" } });
  expect(sink.config.write_mode).toBe("append");
  expect(sink.config.max_connections).toBe(5);
  expect(sink.capabilities()).toMatchObject({ atomicWatermark: true, dedupsByKey: false, replaySafeWrites: false });
  const upsert = new PostgresSink({
    connection_url: "postgres://u@h/db",
    table_name: "t",
    column_mapping: "auto_map",
    write_mode: "upsert",
    key: "id",
  });
  expect(upsert.config.key).toEqual(["id"]);
  expect(upsert.capabilities()).toMatchObject({ dedupsByKey: true, replaySafeWrites: true, schemaEvolution: true });
  const overwrite = new PostgresSink({ connection_url: "postgres://u@h/db", table_name: "t", write_mode: "overwrite" });
  expect(overwrite.capabilities().atomicWatermark).toBe(false);
  const bad = (config: Record<string, unknown>) => () =>
    new PostgresSink({ connection_url: "postgres://u@h/db", table_name: "t", ...config } as PostgresSinkConfigInput);
  expect(bad({ write_mode: "upsert", column_mapping: "auto_map" })).toThrow(/needs a non-empty `key`/);
  expect(bad({ write_mode: "upsert", key: ["id"] })).toThrow(/needs column_mapping: auto_map/);
  expect(bad({ write_mode: "upsert", key: ["id"], column_mapping: "auto_map", write_method: "copy" })).toThrow(
    /copy cannot upsert/,
  );
  expect(bad({ delete_marker: { field: "op", values: ["d"] } })).toThrow(/needs write_mode: upsert/);
  expect(bad({ column_mappings: "auto_map" })).toThrow(/did you mean `column_mapping`/);
  expect(bad({ column_mapping: "automap" })).toThrow(/column_mapping/);
});

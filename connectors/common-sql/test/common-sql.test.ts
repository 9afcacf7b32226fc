import {
  columnMappingField,
  createTableSql,
  databaseLocation,
  formatTimestamp,
  incrementalFields,
  incrementalQuery,
  incrementalSettings,
  isReplayedToken,
  jsonColumnOf,
  openDatabaseError,
  PageAssembler,
  packStatements,
  pageColumns,
  parseJsonExact,
  parseOffset,
  parseTimestamp,
  planKeyedWrites,
  plannedColumns,
  RowError,
  refineIncremental,
  refineWriteSpec,
  rowsPerStatement,
  transactionalSinkCapabilities,
  WRITE_MODES,
  writeSpecFields,
  writeSpecRefinement,
} from "faucet-common-sql";
import { parseConfig, z } from "faucet-core";
import { describe, expect, test } from "vitest";

describe("config fragments", () => {
  const Sink = z
    .strictObject({
      column_mapping: columnMappingField("json"),
      ...writeSpecFields(WRITE_MODES),
      ignore_unknown: z.boolean().default(false),
    })
    .superRefine(refineWriteSpec);

  test("column_mapping: auto_map, the keyword, or { keyword: { column } }, default { json: { column: data } }", () => {
    expect(parseConfig(Sink, {}).column_mapping).toEqual({ json: { column: "data" } });
    expect(jsonColumnOf(parseConfig(Sink, {}).column_mapping, "json")).toBe("data");
    expect(jsonColumnOf(parseConfig(Sink, { column_mapping: "json" }).column_mapping, "json")).toBe("data");
    expect(
      jsonColumnOf(parseConfig(Sink, { column_mapping: { json: { column: "doc" } } }).column_mapping, "json"),
    ).toBe("doc");
    expect(jsonColumnOf(parseConfig(Sink, { column_mapping: "auto_map" }).column_mapping, "json")).toBeUndefined();
    expect(() => parseConfig(Sink, { column_mapping: { jsonb: { column: "x" } } })).toThrow(/column_mapping/);
  });

  test("write spec: key as a string or list; upsert and delete need a key and auto_map; delete_marker needs upsert", () => {
    expect(parseConfig(Sink, { column_mapping: "auto_map", write_mode: "upsert", key: "id" }).key).toEqual(["id"]);
    expect(() => parseConfig(Sink, { column_mapping: "auto_map", write_mode: "delete" })).toThrow(
      /needs a non-empty `key`/,
    );
    expect(() => parseConfig(Sink, { write_mode: "upsert", key: ["id"] })).toThrow(/needs column_mapping: auto_map/);
    expect(() =>
      parseConfig(Sink, { column_mapping: "auto_map", delete_marker: { field: "op", values: ["d"] } }),
    ).toThrow(/delete_marker needs write_mode: upsert/);
    expect(() => parseConfig(Sink, { ignore_unknown: true })).toThrow(/ignore_unknown needs column_mapping: auto_map/);
    expect(() => parseConfig(Sink, { write_mode: "merge" })).toThrow(/write_mode/);
  });

  test("incremental fields: both spellings fold into one; a null start and a start without a key are refused", () => {
    const Source = z.strictObject(incrementalFields()).superRefine(refineIncremental);
    expect(incrementalSettings(parseConfig(Source, { replication_key: "id", start_replication_value: 5 }))).toEqual({
      key: "id",
      start: 5,
    });
    expect(
      incrementalSettings(
        parseConfig(Source, { replication: { type: "incremental", column: "at", initial_value: "2024" } }),
      ),
    ).toEqual({ key: "at", start: "2024" });
    expect(incrementalSettings(parseConfig(Source, { replication: { type: "full" } }))).toBeUndefined();
    expect(() => parseConfig(Source, { start_replication_value: 1 })).toThrow(/needs replication_key/);
    expect(() => parseConfig(Source, { replication_key: "id", start_replication_value: null })).toThrow(
      /must not be null/,
    );
  });
});

describe("write plans", () => {
  test("planKeyedWrites keeps the last operation per key, in the order of each key's last appearance", () => {
    const plan = planKeyedWrites(
      [
        { id: 1, v: "a" },
        { id: 2, v: "b" },
        { id: 1, v: "c" },
        { id: 3, op: "d" },
        { id: 2, op: "d" },
      ],
      { mode: "upsert", key: ["id"], marker: { field: "op", values: ["d"] } },
    );
    expect(plan).toEqual({
      upserts: [{ id: 1, v: "c" }],
      upsertIndex: [2],
      deletes: [
        { id: 3, op: "d" },
        { id: 2, op: "d" },
      ],
      deleteIndex: [3, 4],
    });
    // Keys compare by their text: 1 and "1" are one key (as they are in a text or integer column).
    expect(
      planKeyedWrites(
        [
          { a: 1, b: "x" },
          { a: "1", b: "x" },
        ],
        { mode: "delete", key: ["a", "b"] },
      ).deleteIndex,
    ).toEqual([1]);
    expect(
      planKeyedWrites(
        [
          { a: 1, b: "x" },
          { a: 1, b: "y" },
        ],
        { mode: "delete", key: ["a", "b"] },
      ).deletes,
    ).toHaveLength(2);
    expect(() => planKeyedWrites([{ id: 1 }, { v: 2 }], { mode: "upsert", key: ["id"] })).toThrow(
      /record 1 has no value for key column "id"/,
    );
    expect(() => planKeyedWrites([[1]], { mode: "upsert", key: ["id"] })).toThrow(
      /record 0 is an array, not an object/,
    );
  });

  test("pageColumns: the union of keys in table order; unknown keys fail with the record's index unless ignored", () => {
    const table = new Map([
      ["id", { name: "id" }],
      ["gen", { name: "gen", generated: true }],
      ["v", { name: "v" }],
    ]);
    expect(
      pageColumns([{ v: 1 }, { id: 2, gen: 3 }], table, { ignoreUnknown: false, tableName: "t" }).map((c) => c.name),
    ).toEqual(["id", "v"]);
    const error = (() => {
      try {
        pageColumns([{ id: 1 }, { id: 2, nope: 1 }], table, { ignoreUnknown: false, tableName: "t" });
      } catch (e) {
        return e as RowError;
      }
    })();
    expect(error).toBeInstanceOf(RowError);
    expect(error).toMatchObject({ index: 1, column: "nope" });
    expect(
      pageColumns([{ id: 1, nope: 1, op: "d" }], table, { ignoreUnknown: true, skip: "op", tableName: "t" }).map(
        (c) => c.name,
      ),
    ).toEqual(["id"]);
    // Runs of one key sequence are recognised, not re-checked: a new sequence (a prefix, a
    // reordering, one more key) is checked in full, and a bad key is still found at its index.
    const same = Array.from({ length: 5 }, (_, i) => ({ id: i, v: i }));
    const mixed = [...same, { id: 9 }, { v: 1, id: 2 }, ...same, { id: 1, v: 2, nope: 3 }, ...same];
    const late = (() => {
      try {
        pageColumns(mixed, table, { ignoreUnknown: false, tableName: "t" });
      } catch (e) {
        return e as RowError;
      }
    })();
    expect(late).toMatchObject({ index: 12, column: "nope" });
    expect(
      pageColumns([...same, { id: 1 }], table, { ignoreUnknown: false, tableName: "t" }).map((c) => c.name),
    ).toEqual(["id", "v"]);
    expect(
      pageColumns([{ id: 1 }, { id: 2 }, { id: 3, v: 1 }], table, { ignoreUnknown: false, tableName: "t" }).map(
        (c) => c.name,
      ),
    ).toEqual(["id", "v"]);
  });
});

describe("statements", () => {
  test("rowsPerStatement stays under the parameter limit and the batch size", () => {
    expect(rowsPerStatement(7, 65_535, 1000)).toBe(1000);
    expect(rowsPerStatement(100, 65_535, 0)).toBe(655);
    expect(rowsPerStatement(100_000, 65_535, 10)).toBe(1);
  });

  test("packStatements packs rows under a byte limit and a row cap, in order, and names a row too big alone", () => {
    const rows = ["(1)", "(22)", "(333)", "(4444)", "(é)"];
    const packed = [
      ...packStatements(rows.length, (i) => rows[i] as string, {
        head: "INSERT INTO t VALUES ",
        tail: ";",
        maxBytes: 36,
        maxRows: 3,
      }),
    ];
    expect(packed).toEqual([
      { sql: "INSERT INTO t VALUES (1),(22),(333);", from: 0, to: 3 },
      { sql: "INSERT INTO t VALUES (4444),(é);", from: 3, to: 5 },
    ]);
    for (const s of packed) expect(Buffer.byteLength(s.sql)).toBeLessThanOrEqual(36);
    expect(() => [
      ...packStatements(2, (i) => (i === 1 ? `(${"x".repeat(100)})` : "(1)"), { head: "H", maxBytes: 50, maxRows: 0 }),
    ]).toThrow(/record 1 needs a 103-byte statement, more than the server accepts \(50 bytes\)/);
  });

  test("create_table columns per dialect: key columns first and indexable", () => {
    const records = [{ name: "a", n: 1, x: 1.5, ok: true, doc: { a: 1 }, op: "d" }, { n: 2.5 }];
    expect(plannedColumns(records, { dialect: "mysql", key: ["code", "name"], skip: "op" })).toEqual([
      { name: "code", type: "VARCHAR(255)" },
      { name: "name", type: "VARCHAR(255)" },
      { name: "n", type: "DOUBLE" },
      { name: "x", type: "DOUBLE" },
      { name: "ok", type: "BOOLEAN" },
      { name: "doc", type: "JSON" },
    ]);
    expect(plannedColumns(records, { dialect: "duckdb", jsonColumn: "data" })).toEqual([
      { name: "data", type: "JSON" },
    ]);
    expect(createTableSql("`t`", [{ name: "id", type: "BIGINT" }], ["id"], (n) => `\`${n}\``, " ENGINE=InnoDB")).toBe(
      "CREATE TABLE IF NOT EXISTS `t` (`id` BIGINT, PRIMARY KEY (`id`)) ENGINE=InnoDB",
    );
  });
});

describe("incremental reads", () => {
  test("incrementalQuery binds the bookmark (>), else the start (>=), else IS NOT NULL", () => {
    const base = {
      base: "SELECT * FROM t -- comment",
      params: [1],
      quotedKey: "`id`",
      placeholder: (n: number) => `$${n}`,
    };
    expect(incrementalQuery({ ...base, bookmark: 9, start: 5 })).toEqual({
      sql: "SELECT * FROM (SELECT * FROM t -- comment\n) AS src WHERE src.`id` > $2 ORDER BY src.`id`",
      params: [1, 9],
    });
    expect(incrementalQuery({ ...base, bookmark: undefined, start: 5 }).sql).toMatch(/>= \$2/);
    expect(incrementalQuery({ ...base, bookmark: undefined, start: undefined })).toMatchObject({ params: [1] });
  });

  test("PageAssembler: full pages, no split inside a run of equal keys, bookmarks, one empty page for batch 0", () => {
    const pages = new PageAssembler(2, "k");
    const out = [{ k: 1 }, { k: 2 }, { k: 2 }, { k: 2 }, { k: 3 }].map((r) => pages.push(r)).filter(Boolean);
    out.push(pages.finish());
    expect(out).toEqual([
      { records: [{ k: 1 }, { k: 2 }, { k: 2 }, { k: 2 }], bookmark: 2 },
      { records: [{ k: 3 }], bookmark: 3 },
    ]);
    expect(new PageAssembler(0).finish()).toEqual({ records: [] });
    expect(new PageAssembler(5).finish()).toBeUndefined();
  });
});

describe("values", () => {
  test("parseJsonExact keeps numbers a double cannot hold as strings", () => {
    expect(parseJsonExact('{"a":12345678901234567890,"b":0.1,"c":"12345678901234567890"}')).toEqual({
      a: "12345678901234567890",
      b: 0.1,
      c: "12345678901234567890",
    });
  });

  test("timestamps: offsets, fractions kept exactly, impossible dates refused", () => {
    const t = parseTimestamp("2024-02-29T23:59:59.123456789+05:30");
    expect(t).toEqual({ seconds: Date.UTC(2024, 1, 29, 18, 29, 59) / 1000, fraction: "123456789", zoned: true });
    expect(formatTimestamp(t as never, 0, "iso")).toBe("2024-02-29T18:29:59.123456789Z");
    expect(formatTimestamp(t as never, 0, "sql", 6)).toBe("2024-02-29 18:29:59.123456");
    expect(formatTimestamp(t as never, -480, "iso", 0)).toBe("2024-02-29T10:29:59-08:00");
    expect(parseTimestamp("2024-01-02 03:04:05", 120)?.seconds).toBe(Date.UTC(2024, 0, 2, 1, 4, 5) / 1000);
    expect(formatTimestamp(parseTimestamp("0001-01-01") as never, 0, "sql")).toBe("0001-01-01 00:00:00");
    expect(parseTimestamp("2023-02-29")).toBeUndefined();
    expect(parseTimestamp("0000-00-00 00:00:00")).toBeUndefined();
    expect(parseTimestamp("yesterday")).toBeUndefined();
    expect([
      parseOffset("Z"),
      parseOffset("UTC"),
      parseOffset("+05:30"),
      parseOffset("-0800"),
      parseOffset("Europe/Paris"),
    ]).toEqual([0, 0, 330, -480, undefined]);
  });

  test("commit tokens and embedded database locations", () => {
    expect(isReplayedToken("00000000000000000007#70", "00000000000000000006#60")).toBe(true);
    expect(isReplayedToken("00000000000000000007#70", "00000000000000000008#80")).toBe(false);
    expect(isReplayedToken(undefined, "00000000000000000001#1")).toBe(false);
    expect(databaseLocation("duckdb:///tmp/a.duckdb", ["duckdb"])).toEqual({ path: "/tmp/a.duckdb", memory: false });
    expect(databaseLocation("duckdb::memory:", ["duckdb"])).toEqual({ path: ":memory:", memory: true });
    expect(databaseLocation("out/a.duckdb", ["duckdb"], "/etc/faucet")).toEqual({
      path: "/etc/faucet/out/a.duckdb",
      memory: false,
    });
  });
});

describe("options other dialects need", () => {
  test("planKeyedWrites: onRowError sets failing records aside, stripMarker drops the marker, null keys say so", () => {
    const failed: RowError[] = [];
    const plan = planKeyedWrites([{ id: 1, op: "u", v: "a" }, "x", { v: 2 }, { id: null }, { id: 2, op: "d" }], {
      mode: "upsert",
      key: ["id"],
      marker: { field: "op", values: ["d"] },
      stripMarker: true,
      onRowError: (error) => failed.push(error),
    });
    expect(plan).toEqual({
      upserts: [{ id: 1, v: "a" }],
      upsertIndex: [0],
      deletes: [{ id: 2, op: "d" }],
      deleteIndex: [4],
    });
    expect(failed.map((e) => [e.index, e.column, e.message])).toEqual([
      [1, undefined, "record 1 is a string, not an object"],
      [2, "id", 'record 2 has no value for key column "id"'],
      [3, "id", 'record 3 has a null value for key column "id"'],
    ]);
    // keyText decides identity: as JSON, 1 and "1" are two keys.
    const asJson = planKeyedWrites([{ id: 1 }, { id: "1" }], {
      mode: "delete",
      key: ["id"],
      keyText: (_column, value) => JSON.stringify(value),
    });
    expect(asJson.deleteIndex).toEqual([0, 1]);
  });

  test("writeSpecRefinement rewords its checks; transactional sinks' capabilities follow the write spec", () => {
    const Sink = z
      .strictObject({ column_mapping: columnMappingField("json"), ...writeSpecFields(["append", "upsert"]) })
      .superRefine(writeSpecRefinement({ keyRequired: (mode) => `${mode} wants a key` }));
    expect(() => parseConfig(Sink, { column_mapping: "auto_map", write_mode: "upsert" })).toThrow(/upsert wants a key/);
    expect(() => parseConfig(Sink, { write_mode: "upsert", key: "id" })).toThrow(/needs column_mapping: auto_map/);
    expect(transactionalSinkCapabilities({ write_mode: "upsert", key: ["id"] }, undefined)).toEqual({
      writeModes: ["append", "upsert", "delete", "overwrite"],
      replaySafeWrites: true,
      atomicWatermark: true,
      dedupsByKey: true,
      schemaEvolution: true,
      atomicBatches: true,
    });
    expect(transactionalSinkCapabilities({ write_mode: "overwrite", key: [] }, "data")).toMatchObject({
      replaySafeWrites: false,
      atomicWatermark: false,
      schemaEvolution: false,
    });
  });

  test("databaseLocation: schemes in any case and a dropped query string, when asked", () => {
    const sqlite = (url: string) =>
      databaseLocation(url, ["sqlite", "file"], "/base", { ignoreCase: true, dropQuery: true });
    expect(sqlite("SQLite:app.db?mode=rwc")).toEqual({ path: "/base/app.db", memory: false });
    expect(sqlite("sqlite:file:///abs/x.db")).toEqual({ path: "/abs/x.db", memory: false });
    expect(sqlite("sqlite::memory:?cache=shared")).toEqual({ path: ":memory:", memory: true });
    expect(databaseLocation("DUCKDB:a?b", ["duckdb"], "/base")).toEqual({ path: "/base/DUCKDB:a?b", memory: false });
  });

  test("openDatabaseError: a held lock is retryable with its own hint, anything else is not", () => {
    const location = { path: "/data/app.duckdb", memory: false };
    const texts = { engine: "DuckDB", connector: "sink-duckdb", lockedHint: "stop it", hint: "check `database`" };
    const cause = new Error("IO Error: Could not set lock on file");
    const locked = openDatabaseError(cause, location, texts);
    expect(locked).toMatchObject({ kind: "connection", retryable: true, hint: "stop it", connector: "sink-duckdb" });
    expect(locked.message).toContain("could not open DuckDB database /data/app.duckdb: IO Error: Could not set lock");
    expect(locked.cause).toBe(cause);
    const missing = openDatabaseError(new Error("No such file or directory"), location, texts);
    expect(missing).toMatchObject({ kind: "connection", retryable: false, hint: "check `database`" });
  });
});

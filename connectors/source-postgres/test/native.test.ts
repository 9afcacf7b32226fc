// Native pages: the read as COPY text bytes cut into pages of whole rows, never decoded, and
// the column types a sink checks before it takes them.
import { describeWithService } from "faucet-conformance";
import { FaucetError, type NativePage } from "faucet-core";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ADMIN_URL, sql } from "../../common-postgres/test/server.js";
import { CopyPageCutter, KeyedCopyPages } from "../src/copy-pages.js";

const SCHEMA = "faucet_test_source_postgres_native";
const url = ADMIN_URL;

describe("CopyPageCutter", () => {
  const cut = (size: number, chunks: string[]) => {
    const cutter = new CopyPageCutter(size);
    const pages: NativePage[] = [];
    for (const chunk of chunks) cutter.push(Buffer.from(chunk), pages);
    const last = cutter.end();
    if (last) pages.push(last);
    return pages.map((p) => [Buffer.from(p.bytes).toString(), p.count]);
  };

  test("pages of whole rows, wherever the chunks end", () => {
    const rows = ["1\ta\n", "2\tb\\nc\n", "3\t\\N\n", "4\td\n", "5\te\n"];
    const text = rows.join("");
    const expected = [
      [rows.slice(0, 2).join(""), 2],
      [rows.slice(2, 4).join(""), 2],
      [rows[4], 1],
    ];
    // Every way of cutting the text into two or three chunks gives the same pages.
    for (let a = 0; a <= text.length; a++) {
      expect(cut(2, [text.slice(0, a), text.slice(a)])).toEqual(expected);
      for (let b = a; b <= text.length; b += 3) {
        expect(cut(2, [text.slice(0, a), text.slice(a, b), text.slice(b)])).toEqual(expected);
      }
    }
  });

  test("size 0 makes one page; no rows make no page", () => {
    expect(cut(0, ["1\n2\n", "3\n"])).toEqual([["1\n2\n3\n", 3]]);
    expect(cut(10, [])).toEqual([]);
    expect(cut(2, ["1\n2\n"])).toEqual([["1\n2\n", 2]]);
  });

  test("bytes that end inside a row are an error, not a short page", () => {
    expect(() => cut(2, ["1\n2"])).toThrow(FaucetError);
    expect(() => cut(2, ["1\n2"])).toThrow(/COPY output ended inside a row/);
  });
});

describe("KeyedCopyPages", () => {
  test("no page ends inside a run of equal keys; each page's bookmark is its last key", () => {
    const keys = [1, 1, 1, 2, 3, 3, 3, 3, 4];
    const cutter = new CopyPageCutter(2);
    const cut: NativePage[] = [];
    cutter.push(Buffer.from(keys.map((k, i) => `${k}\tv${i}\n`).join("")), cut);
    const last = cutter.end();
    if (last) cut.push(last);
    const keyed = new KeyedCopyPages("k", (row) => ({ k: Number(row.toString().split("\t")[0]) }));
    const pages: NativePage[] = [];
    for (const page of cut) {
      const done = keyed.push(page);
      if (done) pages.push(done);
    }
    const end = keyed.end();
    if (end) pages.push(end);
    const rowsOf = (p: NativePage) =>
      Buffer.from(p.bytes)
        .toString()
        .split("\n")
        .filter(Boolean)
        .map((r) => Number(r.split("\t")[0]));
    expect(pages.map((p) => [rowsOf(p), p.count, p.bookmark])).toEqual([
      [[1, 1, 1], 3, 1],
      [[2], 1, 2],
      [[3, 3, 3, 3], 4, 3],
      [[4], 1, 4],
    ]);
  });
});

await describeWithService({ name: "PostgreSQL", port: 5432 }, "source-postgres native pages", () => {
  beforeAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await sql(url, `CREATE SCHEMA ${SCHEMA}`);
    await sql(url, `CREATE DOMAIN ${SCHEMA}.positive AS int CHECK (VALUE > 0)`);
    await sql(
      url,
      `CREATE TABLE ${SCHEMA}.t (id int, amount numeric(10,2), code varchar(5), at timestamptz, tags text[], doc jsonb, n ${SCHEMA}.positive)`,
    );
    await sql(
      url,
      `INSERT INTO ${SCHEMA}.t SELECT i, i * 1.5, 'c' || i, timestamptz '2024-01-01 00:00:00+02' + i * interval '1 minute',
         ARRAY['a' || E'\\t' || i, NULL], jsonb_build_object('line', E'x\\ny', 'i', i), i
       FROM generate_series(1, 10) AS i`,
    );
  });
  afterAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  test("nativeFormat: COPY text with each column's SQL type, modifiers kept (a domain reads as its base)", async () => {
    const source = new PostgresSource({ connection_url: url, table: `${SCHEMA}.t` });
    try {
      expect(await source.nativeFormat({})).toEqual({
        encoding: "postgres/copy-text",
        columns: [
          { name: "id", type: "integer" },
          { name: "amount", type: "numeric(10,2)" },
          { name: "code", type: "character varying(5)" },
          { name: "at", type: "timestamp with time zone" },
          { name: "tags", type: "text[]" },
          { name: "doc", type: "jsonb" },
          { name: "n", type: "integer" },
        ],
      });
    } finally {
      await source.close();
    }
  });

  test("an incremental read: pages bookmarked with the same values as the records path, resumed after the bookmark", async () => {
    const config = { connection_url: url, table: `${SCHEMA}.t`, replication_key: "at", batch_size: 4 };
    const native = new PostgresSource(config);
    const records = new PostgresSource(config);
    try {
      const bookmarks: unknown[] = [];
      for await (const page of native.nativePages({}, 1000)) bookmarks.push(page.bookmark);
      const expected: unknown[] = [];
      for await (const page of records.streamPages({}, 1000)) expected.push(page.bookmark);
      expect(bookmarks).toEqual(expected);
      expect(bookmarks).toEqual(["2023-12-31T22:04:00Z", "2023-12-31T22:08:00Z", "2023-12-31T22:10:00Z"]);
      native.applyStartBookmark(bookmarks[1] as string);
      const resumed: number[] = [];
      for await (const page of native.nativePages({}, 1000)) resumed.push(page.count);
      expect(resumed).toEqual([2]);
    } finally {
      await native.close();
      await records.close();
    }
  });

  test("nativePages: the server's COPY text, batch_size rows a page, values with tabs and newlines escaped", async () => {
    const source = new PostgresSource({
      connection_url: url,
      query: `SELECT * FROM ${SCHEMA}.t WHERE id <= $1 ORDER BY id`,
      params: [7],
      batch_size: 3,
    });
    try {
      const pages: NativePage[] = [];
      for await (const page of source.nativePages({}, 1000)) pages.push(page);
      expect(pages.map((p) => p.count)).toEqual([3, 3, 1]);
      expect(pages.every((p) => p.bookmark === undefined)).toBe(true);
      const text = Buffer.concat(pages.map((p) => Buffer.from(p.bytes))).toString();
      const lines = text.split("\n");
      expect(lines).toHaveLength(8);
      expect(lines[0]).toBe('1\t1.50\tc1\t2023-12-31 22:01:00+00\t{"a\\t1",NULL}\t{"i": 1, "line": "x\\\\ny"}\t1');
    } finally {
      await source.close();
    }
  });

  test("a failing query fails nativePages with the server's message", async () => {
    const source = new PostgresSource({ connection_url: url, query: "SELECT 1 / (id - 5) FROM " + `${SCHEMA}.t` });
    try {
      const read = async () => {
        for await (const _ of source.nativePages({}, 2)) {
          // drain
        }
      };
      await expect(read()).rejects.toThrow(/division by zero/);
    } finally {
      await source.close();
    }
  });
});

// Native pages into the sink: which formats it takes (and why it declines the rest), COPY and
// INSERT of COPY text as it is, and a bad value failing its page with the row's index.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeWithService, recordingLogger } from "faucet-conformance";
import { FaucetError, FileStateStore, type NativeFormat, Pipeline } from "faucet-core";
import { PostgresSink, type PostgresSinkConfigInput } from "faucet-sink-postgres";
import { PostgresSource } from "faucet-source-postgres";
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { CopyTextArrays, onlyNullEscapes } from "../src/copy-text-arrays.js";
import { ADMIN_URL, sql } from "./helpers.js";

const SCHEMA = "faucet_test_sink_postgres_native";
const url = ADMIN_URL;
const base = { connection_url: url, schema: SCHEMA, table_name: "t", column_mapping: "auto_map" } as const;

const FORMAT: NativeFormat = {
  encoding: "postgres/copy-text",
  columns: [
    { name: "id", type: "integer" },
    { name: "amount", type: "numeric(10,2)" },
    { name: "note", type: "text" },
  ],
};

/** The elements of a binary text[] as strings (null for NULL). */
function elements(array: Buffer): (string | null)[] {
  const count = array.readInt32BE(12);
  const out: (string | null)[] = [];
  let at = 20;
  for (let i = 0; i < count; i++) {
    const length = array.readInt32BE(at);
    at += 4;
    if (length < 0) out.push(null);
    else {
      out.push(array.toString("utf8", at, at + length));
      at += length;
    }
  }
  return out;
}

describe("CopyTextArrays", () => {
  test("fields become array elements: escapes undone, \\N is NULL, rows taken in batches", () => {
    const page = Buffer.from(
      "1\ta\\tb\\\\c\\nd\n" +
        "2\t\\N\n" +
        "3\t\\101\\x42\\x4\\q\n" +
        "4\t\n" +
        "5\tnaïve 🦀 and a longer field past the copy limit\n",
    );
    const arrays = new CopyTextArrays(2);
    const first = arrays.take(page, 0, 3);
    expect(first.rows).toBe(3);
    expect(first.values.map(elements)).toEqual([
      ["1", "2", "3"],
      ["a\tb\\c\nd", null, "AB\x04q"],
    ]);
    const rest = arrays.take(page, first.next, 3, 3);
    expect(rest.rows).toBe(2);
    expect(rest.next).toBe(page.length);
    expect(rest.values.map(elements)).toEqual([
      ["4", "5"],
      ["", "naïve 🦀 and a longer field past the copy limit"],
    ]);
  });

  test("a row with too few or too many fields, or no newline, names the record", () => {
    expect(() => new CopyTextArrays(3).take(Buffer.from("1\ta\tb\n2\tc\n"), 0, 10, 40)).toThrow(
      /record 41 does not have 3 tab-separated fields/,
    );
    expect(() => new CopyTextArrays(2).take(Buffer.from("1\ta\tb\n"), 0, 10)).toThrow(
      /record 0 does not have 2 tab-separated fields/,
    );
    expect(() => new CopyTextArrays(2).take(Buffer.from("1\ta"), 0, 10)).toThrow(/record 0 is cut short/);
  });

  test("onlyNullEscapes: whole-field \\N is fine, any other backslash is not", () => {
    expect(onlyNullEscapes(Buffer.from("1\ta\n2\tb\n"))).toBe(true);
    expect(onlyNullEscapes(Buffer.from("\\N\t\\N\n2\t\\N\n"))).toBe(true);
    expect(onlyNullEscapes(Buffer.from("1\ta\\tb\n"))).toBe(false);
    expect(onlyNullEscapes(Buffer.from("1\t\\Nx\n"))).toBe(false);
    expect(onlyNullEscapes(Buffer.from("1\tx\\N\n"))).toBe(false);
    expect(onlyNullEscapes(Buffer.from("1\t\\\\\n"))).toBe(false);
  });
});

await describeWithService({ name: "PostgreSQL", port: 5432 }, "sink-postgres native pages", () => {
  beforeEach(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await sql(url, `CREATE SCHEMA ${SCHEMA}`);
    await sql(url, `CREATE DOMAIN ${SCHEMA}.positive AS int CHECK (VALUE > 0)`);
    await sql(url, `CREATE TABLE ${SCHEMA}.t (id ${SCHEMA}.positive, amount numeric, note text, extra int DEFAULT 7)`);
  });
  afterAll(async () => {
    await sql(url, `DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  });

  /** `src`: 50 rows of the shape of `t`, with a numeric(10,2) where `t` has numeric. */
  async function createSource(): Promise<void> {
    await sql(url, `CREATE TABLE ${SCHEMA}.src (id int, amount numeric(10,2), note text)`);
    await sql(url, `INSERT INTO ${SCHEMA}.src SELECT i, i / 4.0, 'n' || i FROM generate_series(1, 50) AS i`);
  }

  async function answer(config: Partial<PostgresSinkConfigInput>, format: NativeFormat = FORMAT) {
    const sink = new PostgresSink({ ...base, ...config } as PostgresSinkConfigInput);
    try {
      return await sink.acceptNative(format);
    } finally {
      await sink.close();
    }
  }

  test("acceptNative takes same types, unmodified forms and domains over them; declines the rest with a reason", async () => {
    expect(await answer({})).toBe(true);
    expect(await answer({ write_method: "insert" })).toBe(true);
    expect(await answer({ write_mode: "overwrite" })).toBe(true);
    const declines: [Partial<PostgresSinkConfigInput>, NativeFormat, RegExp][] = [
      [{}, { ...FORMAT, encoding: "mysql/tsv" }, /the encoding mysql\/tsv/],
      [{ column_mapping: { jsonb: { column: "note" } } }, FORMAT, /jsonb writes whole records/],
      [{ write_mode: "upsert", key: ["id"] }, FORMAT, /write_mode: upsert/],
      [{ table_name: "absent" }, FORMAT, /does not exist/],
      [{}, { ...FORMAT, columns: [...FORMAT.columns, { name: "other", type: "text" }] }, /"other" is not a writable/],
      [{}, { ...FORMAT, columns: [{ name: "id", type: "text" }] }, /"id" is text in the source/],
      [
        {},
        {
          ...FORMAT,
          columns: [
            { name: "id", type: "integer" },
            { name: "id", type: "integer" },
          ],
        },
        /two columns named "id"/,
      ],
    ];
    for (const [config, format, reason] of declines) expect(await answer(config, format)).toMatch(reason);
  });

  for (const method of ["copy", "insert"] as const) {
    test(`${method}: native pages land as written; a bad value fails its page with the row index, and nothing of it lands`, async () => {
      const sink = new PostgresSink({ ...base, write_method: method, batch_size: 2 });
      try {
        expect(await sink.acceptNative(FORMAT)).toBe(true);
        expect(await sink.writeNative(Buffer.from("1\t1.50\tplain\n2\t\\N\tnull amount\n3\t3\t\\N\n"), 3)).toBe(3);
        // Escapes take INSERT's other path; row 3 of this page breaks the domain's check.
        const bad = Buffer.from("4\t4\ttab\\there\n5\t5\tok\n6\t6\tok\n-1\t7\tno\n8\t8\tok\n");
        const error = await sink.writeNative(bad, 5).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(FaucetError);
        expect((error as FaucetError).message).toMatch(/record 3\b/);
        expect((error as FaucetError).message).toMatch(/positive/);
        // No escapes: INSERT's server-split path, located the same way.
        const badNumber = await sink.writeNative(Buffer.from("9\t9\tok\n10\tten\tok\n"), 2).catch((e: unknown) => e);
        expect((badNumber as FaucetError).message).toMatch(/record 1\b.*numeric/);
        await sink.flush();
      } finally {
        await sink.close();
      }
      const { rows } = await sql(url, `SELECT id, amount::text, note, extra FROM ${SCHEMA}.t ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, amount: "1.50", note: "plain", extra: 7 },
        { id: 2, amount: null, note: "null amount", extra: 7 },
        { id: 3, amount: "3", note: null, extra: 7 },
      ]);
    });
  }

  test("exactly-once: an incremental native read commits each page with its token; a replay writes nothing", async () => {
    await createSource();
    const dir = mkdtempSync(join(tmpdir(), "faucet-native-once-"));
    const logger = recordingLogger();
    const run = () =>
      new Pipeline(
        new PostgresSource({ connection_url: url, table: `${SCHEMA}.src`, replication_key: "id" }),
        new PostgresSink(base),
        { batchSize: 8, logger, delivery: "exactly_once", stateStore: new FileStateStore(dir) },
      ).run();
    try {
      const first = await run();
      expect(first).toMatchObject({ recordsWritten: 50, pages: 7, bookmark: 50 });
      expect(logger.lines).toContain("debug: native pass-through on");
      const { rows: tokens } = await sql(url, `SELECT token FROM ${SCHEMA}._faucet_commit_token`);
      expect(tokens).toEqual([{ token: "00000000000000000007#50" }]);
      // The state store forgets; the sink's token says page 7 is in, so nothing is written twice.
      rmSync(dir, { recursive: true, force: true });
      const again = await run();
      expect(again.recordsWritten).toBe(0);
      expect(Number((await sql(url, `SELECT count(*) AS n FROM ${SCHEMA}.t`)).rows[0].n)).toBe(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("writeNative before acceptNative is a contract error", async () => {
    const sink = new PostgresSink(base);
    try {
      await expect(sink.writeNative(Buffer.from("1\t1\tx\n"), 1)).rejects.toMatchObject({ kind: "contract" });
    } finally {
      await sink.close();
    }
  });

  test("overwrite through the pipeline: the native read replaces the table", async () => {
    await createSource();
    await sql(url, `INSERT INTO ${SCHEMA}.t (id, note) VALUES (999, 'old')`);
    const logger = recordingLogger();
    const result = await new Pipeline(
      new PostgresSource({ connection_url: url, table: `${SCHEMA}.src` }),
      new PostgresSink({ ...base, write_mode: "overwrite" }),
      { batchSize: 8, logger },
    ).run();
    expect(result).toMatchObject({ recordsRead: 50, recordsWritten: 50, pages: 7 });
    expect(logger.lines).toContain("debug: native pass-through on");
    const { rows } = await sql(
      url,
      `SELECT count(*)::int AS n, sum(amount)::text AS total, max(id) AS top FROM ${SCHEMA}.t`,
    );
    expect(rows).toEqual([{ n: 50, total: "318.75", top: 50 }]);
  });
});

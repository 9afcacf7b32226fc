// faucet-sink-csv: the conformance battery first, then quoting, columns, run semantics and bad input.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { testSink } from "faucet-conformance";
import {
  FaucetError,
  fetchAll,
  MemoryStateStore,
  Pipeline,
  type Source,
  type StreamPage,
  silentLogger,
  type Value,
} from "faucet-core";
import { CsvSink, type CsvSinkInput, splitCsvLine } from "faucet-sink-csv";
import { CsvSource } from "faucet-source-csv";
import { describe, expect, test, vi } from "vitest";
import { scratchDir } from "../../common-file/test/helpers.js";

const { dir } = scratchDir("faucet-sink-csv-");

const conformance = join(dir, "conformance.csv");
const rows = async (path: string) =>
  existsSync(path) ? await fetchAll(new CsvSource({ path, infer_types: true })) : [];
testSink({
  create: (config: CsvSinkInput) => new CsvSink(config),
  config: { path: conformance, append: true },
  count: async () => (await rows(conformance)).length,
  read: () => rows(conformance),
  reset: () => rmSync(conformance, { force: true }),
  failing: {
    config: { path: join(dir, "blocker", "out.csv") },
    kind: "sink",
    title: "a parent directory that is a file",
  },
});
writeFileSync(join(dir, "blocker"), "a file where a directory should be");

function pages(list: Value[][]): Source {
  return {
    connectorName: () => "source-test",
    fetchWithContext: async () => list.flat(),
    async *streamPages(): AsyncGenerator<StreamPage> {
      for (const [i, records] of list.entries()) yield { records, bookmark: { page: i + 1 } };
    },
  };
}
const run = (config: CsvSinkInput, list: Value[][], state?: MemoryStateStore) =>
  new Pipeline(pages(list), new CsvSink(config, { logger: silentLogger }), {
    logger: silentLogger,
    name: "csv",
    retry: false,
    ...(state ? { stateStore: state } : {}),
  }).run();

describe("output", () => {
  test("RFC 4180 quoting; null empty, an empty string quoted, nested values as JSON", async () => {
    const path = join(dir, "quoting.csv");
    await run({ path }, [
      [
        {
          id: 1,
          text: 'comma, "quote"',
          multi: "line1\r\nline2",
          none: null,
          empty: "",
          nested: { a: [1, "x"] },
          flag: true,
        },
        { id: 2.5, text: "plain", multi: "Zoë", empty: "x", flag: false },
      ],
    ]);
    expect(readFileSync(path, "utf8")).toBe(
      [
        "id,text,multi,none,empty,nested,flag",
        '1,"comma, ""quote""","line1\r\nline2",,"","{""a"":[1,""x""]}",true',
        "2.5,plain,Zoë,,x,,false",
        "",
      ].join("\n"),
    );
  });

  test("what the CSV source reads back is what was written", async () => {
    const path = join(dir, "roundtrip.csv");
    const records = [
      { id: 1, name: "Ada, Countess", note: 'say "hi"\nbye', n: 1.25, ok: true, missing: null },
      { id: 2, name: "", note: "tab\there", n: -3, ok: false, missing: null },
    ];
    await run({ path }, [records]);
    expect(await fetchAll(new CsvSource({ path, infer_types: true }))).toEqual(records);
  });

  test("a delimiter given as a byte, no header, gzip by suffix", async () => {
    const path = join(dir, "out.tsv.gz");
    await run({ path, delimiter: 9, write_headers: false }, [[{ a: 1, b: "x\ty" }]]);
    expect(gunzipSync(readFileSync(path)).toString()).toBe('1\t"x\ty"\n');
  });

  test("appending reuses the header of the existing file, in its order", async () => {
    const path = join(dir, "append.csv");
    writeFileSync(path, "b,a\n1,2\n");
    await run({ path, append: true }, [[{ a: 3, b: 4 }]]);
    expect(readFileSync(path, "utf8")).toBe("b,a\n1,2\n4,3\n");
  });

  test("appending to a gzip file reads its header through the codec", async () => {
    const path = join(dir, "append.csv.gz");
    await run({ path }, [[{ x: 1, y: 2 }]]);
    await run({ path, append: true }, [[{ y: 4, x: 3 }]]);
    expect(gunzipSync(readFileSync(path)).toString()).toBe("x,y\n1,2\n3,4\n");
  });

  test("a run that resumes from a bookmark appends without a second header", async () => {
    const path = join(dir, "resume.csv");
    const state = new MemoryStateStore();
    await run({ path }, [[{ id: 1 }]], state);
    writeFileSync(path, `${readFileSync(path, "utf8")}2,tor`);
    await run({ path }, [[{ id: 2 }]], state);
    expect(readFileSync(path, "utf8")).toBe("id\n1\n2\n");
  });
});

describe("columns", () => {
  test("the header is the union of the first page's keys; later missing keys are empty", async () => {
    const path = join(dir, "union.csv");
    await run({ path }, [[{ a: 1 }, { b: 2 }], [{ a: 3 }]]);
    expect(readFileSync(path, "utf8")).toBe("a,b\n1,\n,2\n3,\n");
  });

  test("a key that appears later is a schema_drift error naming it; nothing of that page is written", async () => {
    const path = join(dir, "drift.csv");
    const state = new MemoryStateStore();
    const error = await run({ path }, [[{ a: 1 }], [{ a: 2, late: "x" }]], state).then(
      () => undefined,
      (e: unknown) => e as FaucetError,
    );
    expect(error).toBeInstanceOf(FaucetError);
    expect(error?.kind).toBe("schema_drift");
    expect(error?.message).toContain("record 0 of the page has keys that are not columns");
    expect(error?.message).toContain("late");
    expect(error?.hint).toContain("extra_keys: ignore");
    expect(readFileSync(path, "utf8")).toBe("a\n1\n");
    expect(await state.get("csv")).toEqual({ page: 1 });
  });

  test("extra_keys: ignore (and the Rust on_unknown_field: warn) drop the value with one warning", async () => {
    const path = join(dir, "ignore.csv");
    await run({ path, extra_keys: "ignore" }, [[{ a: 1 }], [{ a: 2, late: "x" }]]);
    expect(readFileSync(path, "utf8")).toBe("a\n1\n2\n");
    const warn = vi.fn();
    const sink = new CsvSink(
      { path: join(dir, "warn.csv"), on_unknown_field: "warn" },
      { logger: { ...silentLogger, warn } },
    );
    await sink.writeBatch([{ a: 1 }]);
    await sink.writeBatch([
      { a: 2, late: 1 },
      { a: 3, late: 2 },
    ]);
    await sink.close();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(() => new CsvSink({ path: "x", extra_keys: "ignore", on_unknown_field: "error" })).toThrow(/contradicts/);
  });

  test("a record that is not an object is refused", async () => {
    const sink = new CsvSink({ path: join(dir, "array.csv") });
    await expect(sink.writeBatch([[1, 2] as Value])).rejects.toThrow(/record 0 of the page is an array, not an object/);
    await sink.close();
  });

  test("splitCsvLine reads a quoted header", () => {
    expect(splitCsvLine('a,"b,c","d""e"\r\nrest', ",")).toEqual(["a", "b,c", 'd"e']);
  });
});

// faucet-source-csv: the conformance battery first, then the CSV corpus, options and bad input.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { testSource } from "faucet-conformance";
import { fetchAll, MemoryStateStore, Pipeline, parseConfig, type Sink, silentLogger, type Value } from "faucet-core";
import { CsvSource, type CsvSourceInput, definition } from "faucet-source-csv";
import { describe, expect, test } from "vitest";
import { chunked, failure, scratchDir } from "../../common-file/test/helpers.js";

const { dir, file } = scratchDir("faucet-source-csv-");

async function readWith(
  content: string | Buffer,
  config: Partial<CsvSourceInput> = {},
  chunkSize = 0,
): Promise<Value[]> {
  const bytes = typeof content === "string" ? Buffer.from(content) : content;
  const input = chunkSize > 0 ? chunked(bytes, chunkSize) : chunked(bytes, bytes.length || 1);
  return await fetchAll(new CsvSource({ path: "corpus.csv", ...config }, { input }));
}

const seeded = join(dir, "conformance.csv");
testSource({
  create: (config: CsvSourceInput) => new CsvSource(config),
  config: { path: seeded, infer_types: true },
  seed: (records) => {
    writeFileSync(seeded, `id,v\n${records.map((r) => `${r.id},${r.v}`).join("\n")}\n`);
  },
  failing: [
    { config: { path: join(dir, "missing.csv") }, kind: "source", title: "a file that does not exist" },
    { config: { path: join(dir, "nothing-*.csv") }, kind: "source", title: "a glob that matches nothing" },
  ],
  additionalTests: ({ open }) => {
    test("reads the seeded records with their types", async () => {
      const rows = await fetchAll(await open());
      expect(rows[0]).toEqual({ id: 1, v: "v1" });
      expect(rows).toHaveLength(120);
    });
  },
});

/** The corpus: input, then the exact records, compared value by value, at every chunk size. */
const corpus: [string, string | Buffer, Value[], Partial<CsvSourceInput>?][] = [
  [
    "plain LF",
    "a,b\n1,2\n3,4\n",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  [
    "CRLF",
    "a,b\r\n1,2\r\n3,4\r\n",
    [
      { a: "1", b: "2" },
      { a: "3", b: "4" },
    ],
  ],
  ["no final newline", "a,b\n1,2", [{ a: "1", b: "2" }]],
  ["quoted fields", 'a,b\n"x, y","z"\n', [{ a: "x, y", b: "z" }]],
  ["escaped quotes", 'a\n"say ""hi"""\n""""\n', [{ a: 'say "hi"' }, { a: '"' }]],
  ["embedded LF", 'a,b\n"line1\nline2",x\n', [{ a: "line1\nline2", b: "x" }]],
  ["embedded CRLF", 'a,b\r\n"line1\r\nline2",x\r\n', [{ a: "line1\r\nline2", b: "x" }]],
  [
    "empty fields",
    "a,b,c\n,,\n1,,\n",
    [
      { a: "", b: "", c: "" },
      { a: "1", b: "", c: "" },
    ],
  ],
  ["empty quoted field", 'a,b\n"",x\n', [{ a: "", b: "x" }]],
  ["empty file", "", []],
  ["header only", "a,b,c\n", []],
  ["header only, no newline", "a,b,c", []],
  ["blank lines are skipped", "a\n\n1\n\r\n2\n\n", [{ a: "1" }, { a: "2" }]],
  ["UTF-8 BOM", "\uFEFFid,name\n1,x\n", [{ id: "1", name: "x" }]],
  [
    "UTF-8 multibyte",
    'name,city\nZoë,Zürich\n名前,東京\n😀 emoji,"a😀,b"\n',
    [
      { name: "Zoë", city: "Zürich" },
      { name: "名前", city: "東京" },
      { name: "😀 emoji", city: "a😀,b" },
    ],
  ],
  [
    "doubled quotes with multibyte text and newlines",
    'a,b\n"say ""hé""\nnext ""line""",x\n"""",y\n"""""""",z\n',
    [
      { a: 'say "hé"\nnext "line"', b: "x" },
      { a: '"', b: "y" },
      { a: '"""', b: "z" },
    ],
  ],
  ["text after a closing quote is kept", 'a,b\n"ab"c,d\n', [{ a: "abc", b: "d" }]],
  ["a quote inside an unquoted field is literal", 'a,b\nab"c,d\n', [{ a: 'ab"c', b: "d" }]],
  ["trailing delimiter", "a,b\n1,\n", [{ a: "1", b: "" }]],
  ["__proto__ is a plain column", "__proto__,b\n1,2\n", [JSON.parse('{"__proto__":"1","b":"2"}')]],
  ["tab delimiter as a number", "a\tb\n1\t2\n", [{ a: "1", b: "2" }], { delimiter: 9 }],
  ["tab delimiter as a string", "a\tb\n1\t2\n", [{ a: "1", b: "2" }], { delimiter: "\t" }],
  ["semicolon and single quote", "a;b\n'x;y';z\n", [{ a: "x;y", b: "z" }], { delimiter: ";", quote: 39 }],
  [
    "no headers",
    "1,2\n3,4\n",
    [
      { column_0: "1", column_1: "2" },
      { column_0: "3", column_1: "4" },
    ],
    { has_headers: false },
  ],
  [
    "infer_types",
    'i,f,b,e,s,z,big,q\n42,-1.5,true,,x,007,9007199254740993,""\n-7,1e3,FALSE,,"12",0.5,12345678901234567890,"3"\n',
    [
      { i: 42, f: -1.5, b: true, e: null, s: "x", z: "007", big: "9007199254740993", q: "" },
      { i: -7, f: 1000, b: false, e: null, s: 12, z: 0.5, big: "12345678901234567890", q: 3 },
    ],
    { infer_types: true },
  ],
];

describe("the CSV corpus converts exactly", () => {
  for (const [name, input, expected, config] of corpus) {
    test(name, async () => {
      const bytes = Buffer.from(input);
      for (const size of [0, 1, 2, 3, 5, 64]) {
        const rows = await readWith(bytes, config, size);
        expect(rows, `chunk size ${size}`).toEqual(expected);
        for (const [i, row] of rows.entries()) {
          // Same keys in the same order, not just deep equality.
          expect(Object.keys(row as object)).toEqual(Object.keys(expected[i] as object));
        }
      }
    });
  }

  test("a 1 MB single field", async () => {
    const big = `${"x".repeat(500_000)}"quoted, "${"é".repeat(250_000)}\n`;
    const content = `id,blob\n1,"${big.replaceAll('"', '""')}"\n2,small\n`;
    for (const size of [0, 4096, 65_536]) {
      const rows = await readWith(content, {}, size);
      expect(rows).toHaveLength(2);
      expect((rows[0] as { blob: string }).blob).toBe(big);
      expect(rows[1]).toEqual({ id: "2", blob: "small" });
    }
  });

  test("the same corpus read from a real file, gzip and zstd", async () => {
    const text = 'id,note\n1,"a, b"\n2,"multi\nline"\n3,Zoë\n';
    const expected = [
      { id: "1", note: "a, b" },
      { id: "2", note: "multi\nline" },
      { id: "3", note: "Zoë" },
    ];
    expect(await fetchAll(new CsvSource({ path: file("plain.csv", text) }))).toEqual(expected);
    expect(await fetchAll(new CsvSource({ path: file("gz.csv.gz", gzipSync(text)) }))).toEqual(expected);
    const { compress } = await import("@mongodb-js/zstd");
    expect(await fetchAll(new CsvSource({ path: file("z.csv.zst", await compress(Buffer.from(text), 3)) }))).toEqual(
      expected,
    );
    // An explicit codec wins over the suffix.
    expect(await fetchAll(new CsvSource({ path: file("gz-named.dat", gzipSync(text)), compression: "gzip" }))).toEqual(
      expected,
    );
  });
});

describe("options", () => {
  test("a glob reads every matching file in sorted order, each with its own header", async () => {
    mkdirSync(join(dir, "glob"), { recursive: true });
    writeFileSync(join(dir, "glob", "b.csv"), "id\n2\n");
    writeFileSync(join(dir, "glob", "a.csv"), "id\n1\n");
    writeFileSync(join(dir, "glob", "c.csv.gz"), gzipSync("id,extra\n3,x\n"));
    writeFileSync(join(dir, "glob", "skip.txt"), "id\n9\n");
    const rows = await fetchAll(new CsvSource({ path: join(dir, "glob", "*.csv*") }));
    expect(rows).toEqual([{ id: "1" }, { id: "2" }, { id: "3", extra: "x" }]);
  });

  test("relative paths resolve against the config file's directory in the definition", async () => {
    mkdirSync(join(dir, "base"), { recursive: true });
    writeFileSync(join(dir, "base", "rel.csv"), "id\n1\n");
    const config = parseConfig(definition.config, { path: "rel.csv", delimiter: ",", quote: 34 });
    const source = await definition.create(config, { baseDir: join(dir, "base"), logger: silentLogger, pipeline: "t" });
    expect(await fetchAll(source)).toEqual([{ id: "1" }]);
  });

  test("batch_size pages the file and wins over the pipeline's batch size; 0 is one page", async () => {
    const path = file("pages.csv", `id\n${Array.from({ length: 25 }, (_, i) => i).join("\n")}\n`);
    const sizes = async (config: CsvSourceInput, pipelineBatch: number) => {
      const out: number[] = [];
      for await (const page of new CsvSource(config).streamPages({}, pipelineBatch)) out.push(page.records.length);
      return out;
    };
    expect(await sizes({ path }, 10)).toEqual([10, 10, 5]);
    expect(await sizes({ path, batch_size: 7 }, 10)).toEqual([7, 7, 7, 4]);
    expect(await sizes({ path, batch_size: 0 }, 10)).toEqual([25]);
  });

  test("flexible accepts ragged rows: short rows lack keys, long rows gain column_N", async () => {
    const rows = await readWith("a,b,c\n1,2\n1,2,3,4\n", { flexible: true });
    expect(rows).toEqual([
      { a: "1", b: "2" },
      { a: "1", b: "2", c: "3", column_3: "4" },
    ]);
  });

  test("records of a file share one shape", async () => {
    const rows = (await readWith("a,b\n1,2\n3,4\n")) as object[];
    expect(Object.keys(rows[0] as object)).toEqual(Object.keys(rows[1] as object));
  });

  test("the config schema accepts the Rust spellings and rejects bad ones", () => {
    expect(parseConfig(definition.config, { path: "x", delimiter: 9, quote: 39 })).toMatchObject({
      delimiter: 9,
      quote: 39,
    });
    expect(parseConfig(definition.config, { path: "x", delimiter: "\\t" })).toMatchObject({ delimiter: 9 });
    expect(() => parseConfig(definition.config, { path: "x", delimiter: ",," })).toThrow(
      /delimiter must be one ASCII character/,
    );
    expect(() => parseConfig(definition.config, { path: "x", delimiter: 10 })).toThrow(/delimiter/);
    expect(() => parseConfig(definition.config, { path: "x", quote: "," })).toThrow(/quote` must differ/);
    expect(() => parseConfig(definition.config, { path: "x", has_header: true })).toThrow(/did you mean `has_headers`/);
    expect(() => parseConfig(definition.config, { path: "x", batch_size: -1 })).toThrow(/batch_size/);
  });
});

describe("bad input is a clear FaucetError", () => {
  test("a ragged row names the file, the line and the field counts", async () => {
    const path = file("ragged.csv", 'a,b\n1,2\n"x\ny",2\n1,2,3\n');
    const error = await failure(fetchAll(new CsvSource({ path })));
    expect(error.kind).toBe("source");
    expect(error.message).toContain(`${path} line 5: expected 2 fields, found 3`);
    expect(error.hint).toMatch(/flexible: true/);
  });

  test("line numbers count the newlines inside quoted fields with doubled quotes", async () => {
    const error = await failure(readWith('a,b\n"x\n""y""\n",2\n1,2,3\n'));
    expect(error.message).toContain("corpus.csv line 5: expected 2 fields, found 3");
  });

  test("a duplicate header names both columns", async () => {
    const error = await failure(readWith("id,name,id\n1,2,3\n"));
    expect(error.message).toContain('duplicate column name "id" in the header (columns 1 and 3)');
  });

  test("an unterminated quote at the end of the file names the line it opened on", async () => {
    const error = await failure(readWith('a,b\n1,2\n3,"never closed\nmore text\n'));
    expect(error.message).toContain("corpus.csv line 3: a quoted field is never closed");
  });

  test("invalid UTF-8 names the file and the byte offset, with no replacement characters", async () => {
    const bytes = Buffer.concat([Buffer.from("a,b\nok,é\nbad,"), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]);
    const path = file("latin1.csv", bytes);
    const error = await failure(fetchAll(new CsvSource({ path })));
    expect(error.message).toContain(`${path}: invalid UTF-8 at byte offset ${bytes.indexOf(0xff)}`);
    // The same at every chunk boundary, and for a character cut short by the end of the file.
    for (const size of [1, 2, 3, 7]) {
      const e = await failure(readWith(bytes, {}, size));
      expect(e.message).toContain(`byte offset ${bytes.indexOf(0xff)}`);
    }
    const truncated = Buffer.concat([Buffer.from("a\nx"), Buffer.from("é").subarray(0, 1)]);
    expect((await failure(readWith(truncated))).message).toContain("invalid UTF-8 at byte offset 3");
  });

  test("an unreadable file: missing, a directory, not gzip", async () => {
    const missing = await failure(fetchAll(new CsvSource({ path: join(dir, "nope.csv") })));
    expect(missing.message).toMatch(/nope\.csv: it does not exist/);
    const directory = await failure(fetchAll(new CsvSource({ path: dir })));
    expect(directory.message).toMatch(/is a directory/);
    const fake = await failure(fetchAll(new CsvSource({ path: file("fake.csv.gz", "a,b\n1,2\n") })));
    expect(fake.message).toMatch(/fake\.csv\.gz: it is not valid gzip data/);
  });

  // Root reads every file whatever its mode, so this case needs an ordinary user.
  test.skipIf(process.getuid?.() === 0)("a file without read permission", async () => {
    const path = file("secret.csv", "a\n1\n");
    chmodSync(path, 0o000);
    const error = await failure(fetchAll(new CsvSource({ path })));
    expect(error.message).toContain("it is not accessible (permission denied)");
  });

  test("through the Pipeline: the run rejects, nothing is half-written, no bookmark advances", async () => {
    // Two good pages, then a ragged row in the third.
    const rows = Array.from({ length: 20 }, (_, i) => `${i},x`);
    rows.push("20,x,extra");
    const path = file("late-ragged.csv", `id,v\n${rows.join("\n")}\n`);
    const written: Value[][] = [];
    const sink: Sink = {
      writeBatch: async (records) => {
        written.push([...records]);
        return records.length;
      },
    };
    const state = new MemoryStateStore();
    const error = await failure(
      new Pipeline(new CsvSource({ path, batch_size: 10 }), sink, {
        stateStore: state,
        logger: silentLogger,
        name: "csv",
      }).run(),
    );
    expect(error.kind).toBe("source");
    expect(error.message).toContain("line 22: expected 2 fields, found 3");
    // Whole pages only: the page with the bad row was never handed to the sink.
    expect(written.map((p) => p.length)).toEqual([10, 10]);
    expect(await state.get("csv")).toBeUndefined();
  });
});

test("the quickstart-sized file reads in one pass with every value a string by default", async () => {
  const path = file("wide.csv", `${Array.from({ length: 50 }, (_, i) => `c${i}`).join(",")}\n${"1,".repeat(49)}1\n`);
  const [row] = await fetchAll(new CsvSource({ path }));
  expect(Object.keys(row as object)).toHaveLength(50);
  expect(Object.values(row as object).every((v) => v === "1")).toBe(true);
  expect(readFileSync(path, "utf8").length).toBeGreaterThan(0);
});

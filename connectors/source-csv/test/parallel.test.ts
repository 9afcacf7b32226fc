// faucet-source-csv parallel pages: every input through csv → jsonl single-threaded and on
// workers, chunks as small as a few bytes, and the outputs, counts and errors must be identical.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type Logger, MemoryStateStore, Pipeline, type PipelineResult, silentLogger } from "faucet-core";
import { JsonlSink } from "faucet-sink-jsonl";
import { CsvSource, type CsvSourceInput } from "faucet-source-csv";
import { describe, expect, test } from "vitest";
import { scratchDir } from "../../common-file/test/helpers.js";
// Internal: the SIMD record counter of the splitter.
import { SimdScanner } from "../dist/simd-scan.js";

const { dir, file } = scratchDir("faucet-csv-parallel-");
let counter = 0;

interface Outcome {
  output: string;
  result?: Omit<PipelineResult, "durationMs">;
  error?: string;
  parallel: boolean;
}

async function runWith(
  config: CsvSourceInput,
  workers: number,
  options: { batchSize?: number; chunkBytes?: number } = {},
): Promise<Outcome> {
  const out = join(dir, `out-${counter++}.jsonl`);
  let parallel = false;
  const logger: Logger = {
    ...silentLogger,
    debug: (message) => {
      if (message === "parallel pages on") parallel = true;
    },
  };
  const source = new CsvSource(config, { chunkBytes: options.chunkBytes ?? 64 });
  const outcome: Outcome = { output: "", parallel };
  try {
    const { durationMs: _, ...result } = await new Pipeline(source, new JsonlSink({ path: out, append: true }), {
      batchSize: options.batchSize ?? 2,
      workers,
      logger,
      stateStore: new MemoryStateStore(),
    }).run();
    outcome.result = result;
  } catch (error) {
    outcome.error = (error as Error).message;
  }
  outcome.parallel = parallel;
  try {
    outcome.output = readFileSync(out, "utf8");
  } catch {
    outcome.output = "";
  }
  return outcome;
}

/** Runs both ways and checks that they agree; returns the parallel outcome. */
async function same(
  config: CsvSourceInput,
  options: { batchSize?: number; chunkBytes?: number } = {},
): Promise<Outcome> {
  const single = await runWith(config, 0, options);
  const parallel = await runWith(config, 2, options);
  expect(parallel.parallel).toBe(true);
  expect(single.parallel).toBe(false);
  expect(parallel.error).toBe(single.error);
  expect(parallel.output).toBe(single.output);
  expect(parallel.result).toEqual(single.result);
  return parallel;
}

const corpus: Record<string, string> = {
  plain: "id,name\n1,Ada\n2,Bo\n3,Chen\n4,Dinesh\n5,Eve\n",
  crlf: "id,name\r\n1,Ada\r\n2,Bo\r\n3,Chen\r\n",
  "lone CR": "id,name\r1,Ada\r2,Bo\r3,Chen",
  "no final newline": "id,name\n1,Ada\n2,Bo",
  "quoted, doubled quotes, newlines inside":
    'id,text\n1,"a ""quoted"" word"\n2,"two\nlines"\n3,"x,y"\n4,"three\r\nline\nbreaks"\n5,""\n',
  "blank lines": "\n\nid,name\n\n1,Ada\n\r\n\n2,Bo\n\n\n3,Chen\n\n",
  bom: "\ufeffid,name\n1,Ada\n2,Bo\n",
  "text after a closing quote": 'id,name\n1,"ab"c\n2,"x"y"z\n3,plain\n',
  "quote inside an unquoted field": 'id,name\n1,5"3\n2,a"b"c\n3,"ok"\n',
  unicode: 'id,name\n1,Zoë\n2,日本語\n3,emoji 🎉\n4,"ç,é"\n',
  "empty fields and trailing delimiter": "a,b,c\n1,,3\n,,\n4,5,\n",
  "header only": "id,name\n",
  empty: "",
  "only blank lines": "\n\r\n\n",
  "typed values": 'id,amount,active,note\n1,12.5,true,\n2,-3,FALSE,x\n3,007,yes,"4"\n4,1e3,false,""\n',
};

describe("parallel pages: the same records and output as the single-threaded parser", () => {
  for (const [name, content] of Object.entries(corpus)) {
    test(name, async () => {
      const path = file(`${name.replace(/\W+/g, "-")}.csv`, content);
      for (const batchSize of [1, 2, 3]) {
        for (const chunkBytes of [1, 16, 1 << 20]) {
          await same({ path, infer_types: name === "typed values" }, { batchSize, chunkBytes });
        }
      }
    });
  }

  test("without headers, with another delimiter and quote, infer_types and flexible", async () => {
    const path = file("options.csv", "1;'a;b';x\n2;'c''d';y\n3;e;z;extra\n4;f\n");
    await same({ path, has_headers: false, delimiter: ";", quote: "'", flexible: true, infer_types: true });
  });

  test("a glob of files: pages run across files, each file with its own header", async () => {
    file("glob/a.csv", "id,name\n1,Ada\n2,Bo\n3,Chen\n");
    file("glob/b.csv", "name,id,extra\nDinesh,4,x\n");
    file("glob/c.csv", "id\n");
    file("glob/d.csv", "id,name\n5,Eve\n6,Farah\n7,Gus\n8,Hana\n9,Ivan\n");
    for (const batchSize of [2, 4, 100]) {
      for (const chunkBytes of [1, 20, 1 << 20]) {
        const outcome = await same({ path: join(dir, "glob/*.csv") }, { batchSize, chunkBytes });
        expect(outcome.result?.recordsWritten).toBe(9);
      }
    }
  });

  test("gzip files are decompressed on the main thread and split the same way", async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i},"name ${i}\nsecond line",${i * 1.5}`).join("\n");
    const path = file("big.csv.gz", gzipSync(Buffer.from(`id,name,value\n${rows}\n`)));
    const outcome = await same({ path, infer_types: true }, { batchSize: 7, chunkBytes: 1024 });
    expect(outcome.result?.recordsWritten).toBe(500);
    expect(outcome.result?.pages).toBe(72);
  });

  test("generated CSV with every awkward byte, many page and chunk sizes", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pieces = ["a", "b", ",", '"', '""', "\n", "\r\n", "\r", " ", "é", "🎉", "x,y"];
    const field = () => {
      let text = "";
      for (let i = Math.floor(random() * 4); i > 0; i--) text += pieces[Math.floor(random() * pieces.length)];
      return random() < 0.5 ? `"${text.replaceAll('"', '""')}"` : text.replace(/[",\r\n]/g, "");
    };
    const lines = ["c1,c2,c3"];
    for (let i = 0; i < 300; i++) lines.push([field(), field(), field()].join(","));
    const path = file("fuzz.csv", `${lines.join(random() < 0.5 ? "\n" : "\r\n")}\n`);
    for (const [batchSize, chunkBytes] of [
      [1, 1],
      [3, 50],
      [10, 200],
      [64, 4096],
    ] as const) {
      await same({ path, flexible: true }, { batchSize, chunkBytes });
    }
  });
});

describe("parallel pages: the SIMD record count agrees with the parser", () => {
  // Regular rows are counted 64 bytes at a time; rows the fast count cannot vouch for make it
  // fall back to the byte scan for the rest of the page. Both must find the parser's records.
  const regular = (i: number) =>
    `${i},name ${i},"{""tier"":""pro"",""tags"":[""a"",""b""]}","two\nlines, and ""quotes""",${i * 0.5}`;
  const irregular = [
    "", // a blank line
    '7,"ab"c,"x",y,z', // text after a closing quote
    '8,5"3,"x",y,z', // a quote inside an unquoted field
    "9,lone\rCR,x,y,z", // a lone CR ends a record
    '10,"""",x,y,z', // a field that is one escaped quote
  ];

  test("the module assembles and validates here, and counts records and lines", () => {
    const scanner = SimdScanner.create(44, 34, 1 << 16);
    expect(scanner).toBeDefined();
    const text = Array.from({ length: 40 }, (_, i) => regular(i)).join("\r\n");
    const store = scanner?.grow(text.length) as Buffer;
    store.write(text, 0, "latin1");
    const all = scanner?.scan(0, text.length, 1_000, 44, 34);
    // Whole 64-byte blocks only: the last rows are left to the byte scan.
    expect(all?.irregular).toBe(false);
    expect(all?.found).toBeGreaterThan(30);
    expect(all?.lines).toBe(2 * (all?.found as number));
    expect(text.slice((all?.end as number) - 2, all?.end)).toBe("\r\n");
    const some = scanner?.scan(0, text.length, 5, 44, 34);
    expect(some?.found).toBe(5);
    expect(text.slice(0, some?.end).split("\r\n")).toHaveLength(6);
    expect(SimdScanner.create(10, 34, 1024)).toBeUndefined();
  });

  test("large regular files, with irregular rows here and there, LF and CRLF", async () => {
    for (const eol of ["\n", "\r\n"]) {
      const rows: string[] = [];
      for (let i = 0; i < 1_500; i++) {
        rows.push(regular(i));
        if (i % 211 === 17) rows.push(irregular[i % irregular.length] as string);
      }
      const path = file(`simd-${eol.length}.csv`, `id,name,attributes,note,value${eol}${rows.join(eol)}${eol}`);
      for (const [batchSize, chunkBytes] of [
        [1, 1],
        [7, 300],
        [100, 4096],
        [1_000, 1 << 20],
      ] as const) {
        await same({ path, flexible: true }, { batchSize, chunkBytes });
      }
    }
  });

  test("an error deep in a regular file names the line the byte scan would", async () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => regular(i));
    rows[1_733] = "1733,too,few";
    const path = file("simd-ragged.csv", `id,name,attributes,note,value\n${rows.join("\n")}\n`);
    const outcome = await same({ path }, { batchSize: 50, chunkBytes: 2048 });
    // Each regular row spans two lines (a quoted newline); the header is line 1.
    expect(outcome.error).toContain(`${path} line ${2 + 2 * 1_733}: expected 5 fields, found 3`);
    expect(outcome.output.split("\n").filter(Boolean)).toHaveLength(1_700);
  });
});

describe("parallel pages: errors name the same file, line and byte, after the same pages", () => {
  test("a ragged row", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},"multi\nline"`);
    rows[33] = "33,too,many";
    const path = file("ragged.csv", `id,text\n${rows.join("\n")}\n`);
    const outcome = await same({ path }, { batchSize: 5, chunkBytes: 60 });
    expect(outcome.error).toBe(
      `[faucet] [source-csv] ${path} line 68: expected 2 fields, found 3 (hint: fix the row (a stray delimiter or a missing quote?), or set flexible: true to accept rows of uneven length)`,
    );
    expect(outcome.output.split("\n").filter(Boolean)).toHaveLength(30);
  });

  test("an unterminated quote at the end of the file", async () => {
    const path = file("open-quote.csv", 'id,text\n1,a\n2,b\n3,"never closed\n4,d\n');
    const outcome = await same({ path }, { batchSize: 1 });
    expect(outcome.error).toContain(`${path} line 4: a quoted field is never closed before the end of the file`);
    expect(outcome.output.split("\n").filter(Boolean)).toHaveLength(2);
  });

  test("invalid UTF-8, with its byte offset", async () => {
    const good = Array.from({ length: 20 }, (_, i) => `${i},name${i}`).join("\n");
    const bytes = Buffer.concat([
      Buffer.from(`id,name\n${good}\n99,bad`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("\n"),
    ]);
    const path = file("bad-utf8.csv", bytes);
    const outcome = await same({ path }, { batchSize: 3, chunkBytes: 10 });
    expect(outcome.error).toContain(`${path}: invalid UTF-8 at byte offset ${bytes.indexOf(0xff)}`);
    // The whole pages before the bad byte's read chunk are committed (here: the file is one read).
    expect(outcome.result).toBeUndefined();
  });

  test("a duplicate column in the header", async () => {
    const path = file("dup.csv", "id,id\n1,2\n");
    const outcome = await same({ path });
    expect(outcome.error).toContain('duplicate column name "id"');
  });
});

describe("parallel pages: when the CSV source declines", () => {
  test("batch_size 0 reads one page on the main thread", async () => {
    const path = file("one-page.csv", corpus.plain as string);
    const outcome = await runWith({ path, batch_size: 0 }, 2);
    expect(outcome.parallel).toBe(false);
    expect(outcome.result?.recordsWritten).toBe(5);
  });
});

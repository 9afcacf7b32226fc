// faucet-source-jsonl: the conformance battery first, then both formats, big integers and bad input.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { testSource } from "faucet-conformance";
import { fetchAll, MemoryStateStore, Pipeline, type Sink, silentLogger, type Value } from "faucet-core";
import { JsonlSource, type JsonlSourceInput, quoteBigIntegers } from "faucet-source-jsonl";
import { describe, expect, test } from "vitest";
import { chunked, failure, scratchDir } from "../../common-file/test/helpers.js";

const { dir, file } = scratchDir("faucet-source-jsonl-");
const read = (content: string | Buffer, config: Partial<JsonlSourceInput> = {}, size = 0) => {
  const bytes = Buffer.from(content);
  return fetchAll(
    new JsonlSource({ path: "input.json", ...config }, { input: chunked(bytes, size || bytes.length || 1) }),
  );
};

const seeded = join(dir, "conformance.jsonl");
testSource({
  create: (config: JsonlSourceInput) => new JsonlSource(config),
  config: { path: seeded },
  seed: (records) => writeFileSync(seeded, records.map((r) => `${JSON.stringify(r)}\n`).join("")),
  failing: { config: { path: join(dir, "missing.jsonl") }, kind: "source", title: "a file that does not exist" },
});

const records: Value[] = [
  { id: 1, s: "a\nb", nested: { x: [1, { y: "}]," }] } },
  { id: 2, s: "Zoë 😀" },
  [1, 2],
  "text",
  null,
];

describe("formats", () => {
  test("JSON Lines and JSON arrays read the same records at every chunk size", async () => {
    const jsonl = `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
    const array = `[\n  ${records.map((r) => JSON.stringify(r, null, 2)).join(",\n  ")}\n]\n`;
    for (const size of [0, 1, 2, 3, 7, 50]) {
      expect(await read(jsonl, {}, size), `jsonl, chunk ${size}`).toEqual(records);
      expect(await read(array, {}, size), `array, chunk ${size}`).toEqual(records);
    }
  });

  test("detection: a .jsonl file is JSON Lines even when a line is an array; format wins", async () => {
    expect(await fetchAll(new JsonlSource({ path: file("arrays.jsonl", "[1,2]\n[3]\n") }))).toEqual([[1, 2], [3]]);
    expect(await fetchAll(new JsonlSource({ path: file("forced.json", "[1,2]\n[3]\n"), format: "jsonl" }))).toEqual([
      [1, 2],
      [3],
    ]);
    expect(await fetchAll(new JsonlSource({ path: file("array.json", ' \n[{"a":1},\n{"a":2}]') }))).toEqual([
      { a: 1 },
      { a: 2 },
    ]);
  });

  test("blank lines, CRLF, a BOM, an empty file and an empty array", async () => {
    expect(await read('\uFEFF{"a":1}\r\n\r\n  \n{"a":2}')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await read("")).toEqual([]);
    expect(await read(" [ ] ")).toEqual([]);
  });

  test("integers beyond 2^53 keep every digit, as strings", async () => {
    expect(
      await read(
        '{"id":12345678901234567890,"f":1.5,"s":"12345678901234567890","n":-9007199254740993,"ok":9007199254740991}\n',
      ),
    ).toEqual([
      { id: "12345678901234567890", f: 1.5, s: "12345678901234567890", n: "-9007199254740993", ok: 9007199254740991 },
    ]);
    expect(quoteBigIntegers('["x\\"12345678901234567890", 12345678901234567890]')).toBe(
      '["x\\"12345678901234567890", "12345678901234567890"]',
    );
  });

  test("a glob of gzip files, in sorted order", async () => {
    mkdirSync(join(dir, "glob"), { recursive: true });
    writeFileSync(join(dir, "glob", "b.jsonl.gz"), gzipSync('{"f":"b"}\n'));
    writeFileSync(join(dir, "glob", "a.jsonl.gz"), gzipSync('{"f":"a"}\n'));
    expect(await fetchAll(new JsonlSource({ path: join(dir, "glob", "*.jsonl.gz") }))).toEqual([
      { f: "a" },
      { f: "b" },
    ]);
  });

  test("batch_size pages the file", async () => {
    const path = file("pages.jsonl", Array.from({ length: 25 }, (_, i) => `{"i":${i}}\n`).join(""));
    const sizes: number[] = [];
    for await (const page of new JsonlSource({ path, batch_size: 10 }).streamPages({}, 1000))
      sizes.push(page.records.length);
    expect(sizes).toEqual([10, 10, 5]);
  });
});

describe("bad input is a clear FaucetError", () => {
  test("a bad line names the file and the line", async () => {
    const path = file("bad.jsonl", '{"a":1}\n\n{"a":2,}\n');
    const error = await failure(fetchAll(new JsonlSource({ path })));
    expect(error.kind).toBe("json");
    expect(error.message).toContain(`${path} line 3 is not valid JSON`);
  });

  test("a pretty-printed single object read as JSON Lines suggests json_array", async () => {
    const error = await failure(read('{\n  "a": 1\n}\n'));
    expect(error.message).toContain("line 1 is not valid JSON");
    expect(error.hint).toContain("format: json_array");
  });

  test("broken arrays: a bad element, a missing comma, a truncated file, trailing data, not an array", async () => {
    expect((await failure(read('[{"a":1},\n{"a":}]', { format: "json_array" }))).message).toContain(
      "element starting on line 2 is not valid JSON",
    );
    expect((await failure(read('[{"a":1} {"a":2}]', { format: "json_array" }))).message).toContain(
      "element starting on line 1 is not valid JSON",
    );
    expect((await failure(read('[{"a":1} x]', { format: "json_array" }))).message).toContain("is not valid JSON");
    expect((await failure(read('[{"a":1},\n{"a":', { format: "json_array" }))).message).toContain(
      "ends before the JSON array is closed",
    );
    expect((await failure(read('[{"a":1}] x', { format: "json_array" }))).message).toContain(
      "unexpected data after the end of the array",
    );
    expect((await failure(read('{"a":1}', { format: "json_array" }))).message).toContain(
      "does not start with a JSON array",
    );
  });

  test("invalid UTF-8 names the byte offset", async () => {
    const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    expect((await failure(read(bytes))).message).toContain("invalid UTF-8 at byte offset 6");
  });

  test("through the Pipeline: earlier pages land, the bad page does not, no bookmark advances", async () => {
    const path = file("late-bad.jsonl", `${Array.from({ length: 15 }, (_, i) => `{"i":${i}}`).join("\n")}\nnot json\n`);
    const written: number[] = [];
    const sink: Sink = {
      writeBatch: async (page) => {
        written.push(page.length);
        return page.length;
      },
    };
    const state = new MemoryStateStore();
    const error = await failure(
      new Pipeline(new JsonlSource({ path, batch_size: 10 }), sink, {
        stateStore: state,
        logger: silentLogger,
        name: "j",
      }).run(),
    );
    expect(error.message).toContain("line 16 is not valid JSON");
    expect(written).toEqual([10]);
    expect(await state.get("j")).toBeUndefined();
  });
});

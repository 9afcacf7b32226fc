// faucet-sink-jsonl: the conformance battery first, then run semantics, compression and bad input.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { testSink } from "faucet-conformance";
import {
  FaucetError,
  MemoryStateStore,
  Pipeline,
  parseConfig,
  type Source,
  type StreamPage,
  silentLogger,
  type Value,
} from "faucet-core";
import { definition, JsonlSink, type JsonlSinkInput, PageEncoder, serializePage } from "faucet-sink-jsonl";
import { describe, expect, test } from "vitest";
import { scratchDir } from "../../common-file/test/helpers.js";

const { dir } = scratchDir("faucet-sink-jsonl-");

const lines = (path: string): Value[] =>
  existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Value)
    : [];

const conformance = join(dir, "conformance", "out.jsonl");
testSink({
  // Appending, so that every sink of a check adds to the same file.
  create: (config: JsonlSinkInput) => new JsonlSink(config),
  config: { path: conformance, append: true },
  count: () => lines(conformance).length,
  read: () => lines(conformance),
  reset: () => rmSync(conformance, { force: true }),
  failing: {
    config: { path: join(dir, "blocker", "out.jsonl") },
    kind: "sink",
    title: "a parent directory that is a file",
  },
});
writeFileSync(join(dir, "blocker"), "a file where a directory should be");

/** Pages with bookmarks; `fail` makes the source throw after that many pages. */
function pages(list: Value[][], fail?: number): Source {
  return {
    connectorName: () => "source-test",
    fetchWithContext: async () => list.flat(),
    async *streamPages(): AsyncGenerator<StreamPage> {
      for (const [i, records] of list.entries()) {
        if (fail !== undefined && i >= fail) throw new FaucetError("source", "the source broke");
        yield { records, bookmark: { page: i + 1 } };
      }
    },
  };
}

const run = (
  path: string,
  list: Value[][],
  options: { state?: MemoryStateStore; fail?: number; config?: Partial<JsonlSinkInput> } = {},
) =>
  new Pipeline(pages(list, options.fail), new JsonlSink({ path, ...options.config }), {
    logger: silentLogger,
    name: "jsonl",
    retry: false,
    ...(options.state ? { stateStore: options.state } : {}),
  }).run();

describe("output", () => {
  test("one JSON value per line, exactly what JSON.stringify gives", async () => {
    const records: Value[] = [
      { id: 1, s: 'quote " backslash \\ newline \n tab \t', u: "Zoë 😀 \u2028", n: null, f: 1.5, neg: -0, big: 1e21 },
      [1, "two", { three: 3 }],
      "a string",
      42,
      null,
    ];
    const path = join(dir, "exact.jsonl");
    await run(path, [records]);
    expect(readFileSync(path, "utf8")).toBe(`${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
    expect(serializePage([])).toBe("");
  });

  test("the compiled per-shape writer gives JSON.stringify's bytes for every kind of record", () => {
    class WithToJson {
      toJSON(key: string) {
        return `key:${key}`;
      }
    }
    const own = { a: 1 } as Record<string, unknown>;
    Object.defineProperty(own, "__proto__", { value: "own", enumerable: true, writable: true, configurable: true });
    const bareWithToJson = () => {
      const o = Object.create(null) as Record<string, unknown>;
      o.toJSON = (key: string) => `bare:${key}`;
      return o;
    };
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = "no prototype";
    const special = [
      { "": 1 },
      {},
      { 2: "b", 1: "a", z: "after integer keys" },
      { s: "\u0000\u0001\u001f\u007f\u0080\u07ff\u0800\uffff", lone: "\ud800 \udc00 \udbff", pair: "😀" },
      { ctl: "\b\t\n\f\r", q: '"\\/', u2028: "\u2028\u2029" },
      { long: 'é"'.repeat(5000), after: 1 },
      // Long strings (32+ characters) of plain ASCII take a native copy; one escape or non-ASCII
      // character anywhere sends them through the loop.
      {
        digest: "0123456789abcdef".repeat(4),
        edge: "x".repeat(31),
        at32: "y".repeat(32),
        del: `${"d".repeat(40)}\u007f`,
        quoteLast: `${"q".repeat(40)}"`,
        slashLast: `${"s".repeat(40)}\\`,
        ctlFirst: `\n${"c".repeat(40)}`,
        accentLast: `${"a".repeat(40)}é`,
        loneLast: `${"l".repeat(40)}\ud800`,
      },
      { n: Number.NaN, i: Number.POSITIVE_INFINITY, m: -0, e: 1e-7, b: 2 ** 53, t: true, f: false, z: null },
      { undef: undefined, fn: () => 1, kept: 1 },
      { date: new Date(0), nested: { d: new Date(1), a: [undefined, () => 1, new WithToJson()] } },
      { custom: new WithToJson() },
      // Nested objects whose own toJSON JSON.stringify calls (with the key), or ignores (not a function).
      { inner: { toJSON: (key: string) => `own:${key}` }, bareInner: bareWithToJson(), data: { toJSON: 1 } },
      new WithToJson(),
      own,
      bare,
      { toJSON: () => "the record's own toJSON" },
      { boxed: new String("boxed"), num: new Number(3) },
    ] as unknown as Value[];
    // Many shapes, and shapes that come back, as after a transform that adds a key now and then.
    const shapes: Value[] = [];
    for (let i = 0; i < 600; i++) {
      const record: Record<string, Value> = { id: i, name: `n${i % 7}` };
      if (i % 3 === 0) record.extra = i % 2 === 0;
      if (i >= 300) record[`k${i}`] = "one of many shapes";
      shapes.push(record);
    }
    const expected = (records: Value[]) => records.map((r) => `${JSON.stringify(r) ?? "null"}\n`).join("");
    const encoder = new PageEncoder();
    expect(encoder.encode(special).toString("utf8")).toBe(expected(special));
    expect(encoder.encode(shapes).toString("utf8")).toBe(expected(shapes));
    // A tiny buffer grows in the middle of a record without losing what came before.
    const wide = Array.from({ length: 50 }, (_, i) => ({ id: i, text: "x".repeat(i * 97), u: "ü".repeat(i * 31) }));
    expect(new PageEncoder().encode(wide).toString("utf8")).toBe(expected(wide));
    // Numbers are written without String() where the shortest text is known; nested plain
    // objects and arrays through their own shapes.
    const numbers = [0, -0, 1, -1, 0.5, -0.5, 0.1 + 0.2, 1.005, 2.675, 123.456789, 1e-7, 1e-6, 0.0000015, 0.001];
    numbers.push(999999999999999, 1e15, 99999999999999.9, 1e21, 5e-324, 2 ** 53 + 2, 6767.32, 7535.0, 1234567.891011);
    for (let i = 0; i < 2000; i++) numbers.push(Math.round(Math.random() * 1e8) / 10 ** (i % 8), Math.random() * 1e4);
    const nested = numbers.map((n, i) => ({
      n,
      attributes: { tier: "free", score: n, tags: ["a", n, null, undefined, () => 1, { deep: [n] }] },
      // A hole is written as null.
      sparse: i % 2 === 0 ? new Array(3).fill(1, 0, 1) : [],
    })) as unknown as Value[];
    expect(encoder.encode(nested).toString("utf8")).toBe(expected(nested));
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = { again: cyclic };
    expect(() => encoder.encode([cyclic as Value])).toThrow(/record 0 of the page cannot be written as JSON/);
    // Bytes, not only text: lone surrogates are escaped, never written as replacement characters.
    expect(encoder.encode(special).equals(Buffer.from(expected(special), "utf8"))).toBe(true);
  });

  test("long plain-ASCII strings that come back are written from their own bytes, exactly", () => {
    const digest = (i: number) =>
      createHash("sha256")
        .update(`v${i % 20}`)
        .digest("hex");
    // Same length, first, middle and last characters: the same slot of the recent-strings table.
    const twin = (middle: string) => `a${"x".repeat(30)}${middle}${"y".repeat(30)}z`;
    const pages: Value[][] = [];
    for (let p = 0; p < 4; p++) {
      const page: Value[] = [];
      for (let i = 0; i < 200; i++) {
        page.push({
          // The same string objects, and equal strings built anew.
          cached: digest(i),
          fresh: `${digest(i).slice(0, 32)}${digest(i).slice(32)}`,
          twin: [twin("m"), `a${"x".repeat(30)}m${"y".repeat(15)}"${"y".repeat(14)}z`, twin("m").replace("xx", "é")][
            i % 3
          ],
          long: "L".repeat(600 + (i % 2)),
          short: `s${i % 3}`,
        } as Value);
      }
      pages.push(page);
    }
    const encoder = new PageEncoder();
    for (const page of pages) {
      const expected = page.map((r) => `${JSON.stringify(r)}\n`).join("");
      expect(encoder.encode(page).toString("utf8")).toBe(expected);
    }
    // A buffer too small for the copy grows first, keeping what came before.
    const tiny = new PageEncoder();
    const wide = Array.from({ length: 3000 }, (_, i) => ({ d: digest(i) })) as Value[];
    expect(tiny.encode(wide).toString("utf8")).toBe(wide.map((r) => `${JSON.stringify(r)}\n`).join(""));
  });

  test("pretty indents each record", async () => {
    const path = join(dir, "pretty.jsonl");
    await run(path, [[{ a: 1 }]], { config: { pretty: true } });
    expect(readFileSync(path, "utf8")).toBe('{\n  "a": 1\n}\n');
  });

  test("gzip and zstd by suffix: one member or frame per page, readable by standard tools", async () => {
    const gz = join(dir, "out.jsonl.gz");
    await run(gz, [[{ id: 1 }], [{ id: 2 }]]);
    expect(gunzipSync(readFileSync(gz)).toString()).toBe('{"id":1}\n{"id":2}\n');
    const zst = join(dir, "out.jsonl.zst");
    await run(zst, [[{ id: 1 }], [{ id: 2 }]]);
    const { decompress } = await import("@mongodb-js/zstd");
    expect((await decompress(readFileSync(zst))).toString()).toBe('{"id":1}\n{"id":2}\n');
  });

  test("parent directories are created; relative paths resolve against the config file's directory", async () => {
    const config = parseConfig(definition.config, { path: "nested/deeper/out.jsonl" });
    const sink = await definition.create(config, { baseDir: dir, logger: silentLogger, pipeline: "t" });
    await new Pipeline(pages([[{ a: 1 }]]), sink, { logger: silentLogger }).run();
    expect(lines(join(dir, "nested", "deeper", "out.jsonl"))).toEqual([{ a: 1 }]);
  });
});

describe("run semantics", () => {
  test("a fresh run replaces the file; append: true adds to it", async () => {
    const path = join(dir, "runs.jsonl");
    await run(path, [[{ id: 1 }, { id: 2 }]]);
    await run(path, [[{ id: 3 }]]);
    expect(lines(path)).toEqual([{ id: 3 }]);
    await run(path, [[{ id: 4 }]], { config: { append: true } });
    expect(lines(path)).toEqual([{ id: 3 }, { id: 4 }]);
  });

  test("a successful run that writes nothing leaves an empty file (a valid empty gzip too)", async () => {
    const path = join(dir, "empty.jsonl");
    writeFileSync(path, '{"stale":true}\n');
    await run(path, [[]]);
    expect(readFileSync(path, "utf8")).toBe("");
    const gz = join(dir, "empty.jsonl.gz");
    await run(gz, []);
    expect(gunzipSync(readFileSync(gz)).toString()).toBe("");
  });

  test("a run that resumes from a saved bookmark appends, after trimming a torn last line", async () => {
    const path = join(dir, "resume.jsonl");
    const state = new MemoryStateStore();
    await run(path, [[{ id: 1 }], [{ id: 2 }]], { state });
    expect(await state.get("jsonl")).toEqual({ page: 2 });
    // A crash in the middle of a write leaves half a line.
    writeFileSync(path, `${readFileSync(path, "utf8")}{"id":3,"na`);
    await run(path, [[{ id: 3 }]], { state });
    expect(readFileSync(path, "utf8")).toBe('{"id":1}\n{"id":2}\n{"id":3}\n');
  });

  test("a failing run keeps every page it wrote whole and advances no bookmark past them", async () => {
    const path = join(dir, "fail.jsonl");
    const state = new MemoryStateStore();
    const error = await run(path, [[{ id: 1 }], [{ id: 2 }], [{ id: 3 }]], { state, fail: 2 }).then(
      () => undefined,
      (e: unknown) => e as FaucetError,
    );
    expect(error?.message).toContain("the source broke");
    expect(readFileSync(path, "utf8")).toBe('{"id":1}\n{"id":2}\n');
    expect(await state.get("jsonl")).toEqual({ page: 2 });
  });

  test("a run that fails before writing anything leaves the previous file untouched", async () => {
    const path = join(dir, "untouched.jsonl");
    writeFileSync(path, '{"previous":true}\n');
    await expect(run(path, [[{ id: 1 }]], { fail: 0 })).rejects.toThrow(/the source broke/);
    expect(readFileSync(path, "utf8")).toBe('{"previous":true}\n');
  });
});

describe("bad input is a clear FaucetError", () => {
  test("a directory that cannot be created", async () => {
    const error = await run(join(dir, "blocker", "x", "out.jsonl"), [[{ id: 1 }]]).then(
      () => undefined,
      (e: unknown) => e as FaucetError,
    );
    expect(error).toBeInstanceOf(FaucetError);
    expect(error?.kind).toBe("sink");
    expect(error?.message).toMatch(
      /could not create the directory for .*blocker\/x\/out\.jsonl: it (already exists and is not a directory|has a parent that is not a directory)/,
    );
  });

  test("the path is a directory", async () => {
    mkdirSync(join(dir, "a-dir"), { recursive: true });
    await expect(run(join(dir, "a-dir"), [[{ id: 1 }]])).rejects.toThrow(/a-dir: it is a directory, not a file/);
  });

  test("a value JSON cannot hold names the record", async () => {
    const sink = new JsonlSink({ path: join(dir, "bigint.jsonl") });
    const error = await sink.writeBatch([{ ok: 1 }, { n: 10n } as unknown as Value]).then(
      () => undefined,
      (e: unknown) => e as FaucetError,
    );
    expect(error?.message).toMatch(/record 1 of the page cannot be written as JSON/);
    await sink.close();
  });

  test("unknown config keys are refused with a suggestion", () => {
    expect(() => new JsonlSink({ path: "x", apend: true } as JsonlSinkInput)).toThrow(/did you mean `append`/);
  });
});

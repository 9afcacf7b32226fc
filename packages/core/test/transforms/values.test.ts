import { createHash } from "node:crypto";
import type { TransformSpec, Value } from "faucet-core";
import { applyTransforms, createTransforms, NOT_READ, parseJsonExact, parseJsonTexts, silentLogger } from "faucet-core";
import { describe, expect, test } from "vitest";
import { configError, failure, output, run } from "./helpers.js";

const sha256 = (text: string, encoding: "hex" | "base64" = "hex") => createHash("sha256").update(text).digest(encoding);

describe("value_case", () => {
  test.each([
    ["lower", "Hello WORLD", "hello world"],
    ["upper", "straße", "STRASSE"],
    ["trim", "  a b  ", "a b"],
    ["title", "o'brien  mcDONALD", "O'brien  Mcdonald"],
    ["capitalize", "hELLO wORLD", "Hello world"],
  ])("%s", async (mode, input, expected) => {
    expect(await output({ type: "value_case", config: { fields: ["v", "n"], mode } }, [{ v: input, n: 5 }])).toEqual([
      { v: expected, n: 5 },
    ]);
  });

  test("bad config: missing mode, empty fields", () => {
    expect(configError({ type: "value_case", config: { fields: ["email"] } }).message).toContain("mode");
    expect(configError({ type: "value_case", config: { fields: [], mode: "lower" } }).message).toContain("fields");
  });
});

describe("split and join", () => {
  test("split: on a delimiter, optionally trimmed, into another field; non-strings pass", async () => {
    expect(
      await output({ type: "split", config: { field: "tags", delimiter: ",", trim: true } }, [
        { tags: "a, b ,,c" },
        { tags: ["already"] },
        {},
      ]),
    ).toEqual([{ tags: ["a", "b", "", "c"] }, { tags: ["already"] }, {}]);
    expect(
      await output({ type: "split", config: { field: "s", delimiter: "", into: "parts" } }, [{ s: "ab" }]),
    ).toEqual([{ s: "ab", parts: ["ab"] }]);
  });

  test("join: strings as they are, null as empty, others as JSON", async () => {
    expect(
      await output({ type: "join", config: { field: "tags", delimiter: "|", into: "csv" } }, [
        { tags: ["a", 1, null, true, { k: 1 }] },
        { tags: "not an array" },
      ]),
    ).toEqual([{ tags: ["a", 1, null, true, { k: 1 }], csv: 'a|1||true|{"k":1}' }, { tags: "not an array" }]);
  });

  test("bad config: missing delimiter, wrong field type", () => {
    expect(configError({ type: "split", config: { field: "x" } }).message).toContain("delimiter");
    expect(configError({ type: "join", config: { field: 1, delimiter: "," } }).message).toContain("field");
  });
});

describe("json_parse and json_encode", () => {
  test("parses JSON text in place or into a field; non-strings pass through", async () => {
    expect(
      await output({ type: "json_parse", config: { fields: ["attributes"] } }, [
        { attributes: '{"tier":"free","score":2.501,"tags":["beta"]}' },
        { attributes: { already: true } },
      ]),
    ).toEqual([{ attributes: { tier: "free", score: 2.501, tags: ["beta"] } }, { attributes: { already: true } }]);
    expect(await output({ type: "json_parse", config: { fields: ["p"], into: "q" } }, [{ p: "[1]" }])).toEqual([
      { p: "[1]", q: [1] },
    ]);
  });

  test("never rounds: big integers and long decimals stay exact, as text", () => {
    expect(parseJsonExact('{"id": 12345678901234567890, "n": 42, "d": 0.1234567890123456789, "x": 1.5}')).toEqual({
      id: "12345678901234567890",
      n: 42,
      d: "0.1234567890123456789",
      x: 1.5,
    });
    expect(parseJsonExact('[9007199254740993, 9007199254740992, 1e400, "\\u00e9\\"", {"__proto__": 1}]')).toEqual([
      "9007199254740993",
      9007199254740992,
      "1e400",
      'é"',
      JSON.parse('{"__proto__": 1}'),
    ]);
  });

  test("the one-pass reader of simple documents gives exactly what JSON.parse gives, or leaves them to it", () => {
    const same = [
      '{"tier":"free","score":2.501,"tags":["beta","epsilon"]}',
      ' { "a" : [ 1 , -0 , 0.5 , -12.25 , 1e5 , 2.5E-3 , true , false , null ] , "b" : {} , "c" : [] } ',
      '{"a":1,"a":2,"10":3,"2":4}',
      '{"constructor":1,"toString":"x","hasOwnProperty":[]}',
      '"plain"',
      "123456789012345",
      "0.000000000000001",
      '{"é":"😀","lone":"\ud800"}',
      "[[[[[[[[[[1]]]]]]]]]]",
      // Arrays of each length the reader builds differently (0, 1, 2, more), nested too.
      '[[],["a"],["a","b"],["a","b","c"],[1,[2,[3,4]],[5,6,7]]]',
    ];
    for (const text of same) {
      const value = parseJsonExact(text);
      expect(value).toEqual(JSON.parse(text));
      expect(JSON.stringify(value)).toBe(JSON.stringify(JSON.parse(text)));
    }
    expect(Object.is(parseJsonExact("-0"), -0)).toBe(true);
    expect(Object.is(parseJsonExact("[-0.0]")[0 as never], -0)).toBe(true);
    // Repeated keys reuse one string; a key that only starts like the last one is read anew.
    expect(parseJsonExact('[{"tier":1},{"tiers":2},{"tier":3}]')).toEqual([{ tier: 1 }, { tiers: 2 }, { tier: 3 }]);
    // Escapes, long numbers and invalid text go to the native parser and its errors.
    expect(parseJsonExact('{"a":"\\n\\u00e9"}')).toEqual({ a: "\né" });
    expect(parseJsonExact("1234567890123456789")).toBe("1234567890123456789");
    for (const bad of [
      "",
      " ",
      "01",
      "1.",
      ".5",
      "-",
      "+1",
      "1e",
      "[1,]",
      "[1 2]",
      "[1,2",
      "[1,2 3]",
      "[1,2,]",
      "[1,2,3",
      '{"a":1,}',
      '{"a" 1}',
      "tru",
      "nul",
      '"a',
      '"\u0001"',
    ]) {
      expect(() => parseJsonExact(bad), bad).toThrow(SyntaxError);
    }
  });

  test("objects built by literals compiled per key sequence: many shapes, long, deep and repeated", () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const KEYS = ["a", "b", "tier", "score", "tags", "10", "2", "constructor", "é", "a"];
    const make = (depth: number): unknown => {
      const kind = depth > 12 ? 0 : next(4);
      if (kind === 0) return [next(1000) / 8, "text", true, null][next(4)];
      if (kind === 1) return Array.from({ length: [0, 1, 2, 3, 40][next(5)] as number }, () => make(depth + 1));
      const size = [0, 1, 3, 5, 40][next(5)] as number;
      // Keys written by hand, so duplicates (a later one wins) reach the reader.
      const entries = Array.from(
        { length: size },
        (_, i) => `"${size > 5 ? `k${i}` : KEYS[next(KEYS.length)]}":${JSON.stringify(make(depth + 1))}`,
      );
      return JSON.parse(`{${entries.join(",")}}`);
    };
    for (let i = 0; i < 400; i++) {
      const doc = make(0);
      const text = i % 2 === 0 ? JSON.stringify(doc) : JSON.stringify(doc, null, 1);
      expect(JSON.stringify(parseJsonExact(text)), text).toBe(JSON.stringify(JSON.parse(text)));
    }
    const duplicates = '{"a":1,"b":2,"a":3}';
    expect(JSON.stringify(parseJsonExact(duplicates))).toBe(JSON.stringify(JSON.parse(duplicates)));
    // The same shape again after others, at depths past 8.
    const deep = '{"x":{"x":{"x":{"x":{"x":{"x":{"x":{"x":{"x":{"x":{"a":1,"b":2}}}}}}}}},"y":{"a":1,"b":2}}}';
    expect(parseJsonExact(deep)).toEqual(JSON.parse(deep));
  });

  test("objects of the last shape read at a depth are read by its compiled reader; any departure reads on key by key", () => {
    const base = '{"tier":"free","score":2.5,"tags":["a","b"]}';
    const same = [
      '{"tier":"pro","score":-1e3,"tags":[]}',
      '{"tier":"x","score":1}',
      '{"tier":"x"}',
      '{"tier":"x","score":1,"tags":[],"extra":true}',
      '{"tear":"x","score":1,"tags":[]}',
      '{"tier":"x","scor":1,"tags":[]}',
      '{"tier":"x","score":1,"tagz":[]}',
      '{"tiers":"x","score":1,"tags":[]}',
      '{"tie":"x","score":1,"tags":[]}',
      ' { "tier" : "x" ,\n "score" : 1 , "tags" : [ ] } ',
      '{"tier":"a\\"b","score":1,"tags":[]}',
      '{"tier":"\\u00e9","score":1,"tags":[]}',
      '{"tier":1,"score":"s","tags":{"tier":"n","score":2,"tags":null}}',
      '{"tier":{"tier":"x","score":1,"tags":[]},"score":[{"tier":"y","score":2,"tags":[]}],"tags":true}',
      '{"tier":"a","score":1,"tags":[],"tier":"b"}',
      '{"tier":"a","__proto__":1}',
      '{"tier":"a","score":12345678901234567890,"tags":[]}',
      '{"tier":"","score":0,"tags":[""]}',
      '{"tier":"é😀","score":0.001,"tags":["\ud800"]}',
      '{"é":1}',
    ];
    for (const text of same) {
      for (const doc of [base, text, base, text]) {
        const expected = doc.includes("12345678901234567890")
          ? { tier: "a", score: "12345678901234567890", tags: [] }
          : JSON.parse(doc);
        expect(JSON.stringify(parseJsonExact(doc)), doc).toBe(JSON.stringify(expected));
      }
    }
    expect(Object.hasOwn(parseJsonExact('{"tier":"a","__proto__":1}') as object, "__proto__")).toBe(true);
    for (const bad of [
      '{"tier":"x","score":1,"tags":[]',
      '{"tier":"x","score":1,"tags":[],}',
      '{"tier":"x","score":1,"tags":[]]',
      '{"tier":"x",',
      '{"tier":"x"',
      '{"tier":"x" "score":1}',
      '{"tier" "x"}',
      '{"tier":"x\u0001","score":1,"tags":[]}',
      '{"tier":,"score":1,"tags":[]}',
      '{"tier":"x","score":01,"tags":[]}',
    ]) {
      parseJsonExact(base);
      expect(() => parseJsonExact(bad), bad).toThrow(SyntaxError);
    }
  });

  test("text beyond ASCII is read from its UTF-8 bytes into the same strings JSON.parse gives", () => {
    const docs = [
      '{"name":"Zoë","city":"København","tags":["naïve","日本語","😀"],"n":1}',
      '{"name":"é","city":"😀😀","tags":[],"n":2}',
      '{"name":"x","city":"y","tags":["\ud800","a\udc00b","\udbff\udfff"],"n":3}',
      '{"ключ":"значение","n":4}',
      '{"é":1,"Ã©":2}',
      '{"Ã©":1}',
      '["\u00e9 escaped", "é raw"]',
      '"\ufffd and \ufffd"',
      '{"a":"\u0000"}',
    ].map((doc) => doc.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))));
    for (let round = 0; round < 3; round++) {
      for (const doc of docs) {
        let expected: string;
        try {
          expected = JSON.stringify(JSON.parse(doc));
        } catch {
          expect(() => parseJsonExact(doc), doc).toThrow(SyntaxError);
          continue;
        }
        expect(JSON.stringify(parseJsonExact(doc)), doc).toBe(expected);
      }
    }
    // A lone surrogate survives as itself, not as the replacement character UTF-8 would give it.
    expect((parseJsonExact('["\ud800"]'.replace("\\ud800", "\ud800")) as string[])[0]?.charCodeAt(0)).toBe(0xd800);
  });

  test("a page's texts are read together: the same values, or NOT_READ from the first text the reader leaves", () => {
    const texts = ['{"a":1}', "12", "34", 7, null, '"Zoë"', " [1, 2] ", '{"a":"\\n"}', '{"a":2}', "[1,"];
    const read = parseJsonTexts(texts);
    expect(read.slice(0, 7)).toEqual([{ a: 1 }, 12, 34, NOT_READ, NOT_READ, "Zoë", [1, 2]]);
    // The escape is left to the exact parser, and with it every text after it.
    expect(read.slice(7)).toEqual([NOT_READ, NOT_READ, NOT_READ]);
    expect(parseJsonTexts([])).toEqual([]);
    // Up to 1M characters of a page are read together; the rest, and longer texts, are left.
    const long = `"${"a".repeat(400_000)}"`;
    expect(parseJsonTexts([long, long, long]).map((value) => (value === NOT_READ ? value : "read"))).toEqual([
      "read",
      "read",
      NOT_READ,
    ]);
    expect(parseJsonTexts([`"${"b".repeat(1_100_000)}"`, "[1]"])).toEqual([NOT_READ, [1]]);
    // A NUL inside a text ends nothing early: the text is left to the exact parser, which refuses it.
    expect(parseJsonTexts(["1\u00002".replace("\\u0000", "\u0000"), "3"])).toEqual([NOT_READ, NOT_READ]);
    // Every document of a page of many shapes, against JSON.parse.
    let seed = 11;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const words = ["a", "é", "😀", "日本", "plain", ""];
    const page = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify({
        i,
        w: words[next(words.length)],
        [words[next(words.length)] as string]: [next(100) / 4, words[next(6)]],
      }),
    );
    expect(parseJsonTexts(page)).toEqual(page.map((text) => JSON.parse(text)));
  });

  test("json_parse reads a page's texts together, fused or not, and never hands one value to two records", async () => {
    const records = [
      { id: 1, p: '{"tier":"free","tags":["a"]}', q: "[1]" },
      { id: 2, p: '{"tier":"pro","tags":[]}', q: "bad" },
      { id: 3, p: "not json", q: "[2]" },
    ] as Value[];
    const expected = [
      { id: 1, p: { tier: "free", tags: ["a"] }, q: [1] },
      { id: 2, p: { tier: "pro", tags: [] }, q: "bad" },
      { id: 3, p: "not json", q: [2] },
    ];
    expect(await output({ type: "json_parse", config: { fields: ["p", "q"] } }, records)).toEqual(expected);
    expect(await output({ type: "json_parse", config: { fields: ["p"], into: "r" } }, records)).toEqual(
      // Text that is not JSON is kept where it is (on_error: keep) and nothing is written.
      records.map((record, i) => (i === 2 ? record : { ...(record as object), r: (expected[i] as { p: unknown }).p })),
    );
    const fused = [
      { type: "keys_case", config: { mode: "camel" } },
      { type: "json_parse", config: { fields: ["p", "q"] } },
    ] as TransformSpec[];
    const stages = createTransforms(fused, { logger: silentLogger });
    // One record object twice, and the whole page twice (the same array): a fused chain reads
    // the page's texts together, yet every output record gets its own parsed objects.
    const page = [...records, records[0]] as Value[];
    const first = await applyTransforms(page, stages, { logger: silentLogger });
    expect(first.records).toEqual([...expected, expected[0]]);
    const again = await applyTransforms(page, stages, { logger: silentLogger });
    expect(again.records).toEqual(first.records);
    const objects = [...first.records, ...again.records].map((record) => (record as { p: unknown }).p);
    expect(new Set(objects.filter((p) => typeof p === "object")).size).toBe(6);
    // A field a stage before json_parse replaced is parsed from its new text.
    expect(
      await output(
        [
          { type: "set", config: { values: { p: '{"x":1}' } } },
          { type: "json_parse", config: { fields: ["p"] } },
        ],
        records,
      ),
    ).toEqual(records.map((record) => ({ ...(record as object), p: { x: 1 } })));
  });

  test("on_error: keep (default), null, error, dlq", async () => {
    const bad = [{ p: "{oops" }];
    expect(await output({ type: "json_parse", config: { fields: ["p"] } }, bad)).toEqual(bad);
    expect(await output({ type: "json_parse", config: { fields: ["p"], on_error: "null" } }, bad)).toEqual([
      { p: null },
    ]);
    const error = await failure({ type: "json_parse", config: { fields: ["p"], on_error: "error" } }, bad);
    expect(error.message).toContain("field `p` is not valid JSON");
    const { records, rejected } = await run({ type: "json_parse", config: { fields: ["p"], on_error: "dlq" } }, [
      { p: "1" },
      ...bad,
    ]);
    expect(records).toEqual([{ p: 1 }]);
    expect(rejected.map((r) => r.record)).toEqual(bad);
  });

  test("json_encode turns objects and arrays into compact JSON text; scalars pass", async () => {
    expect(
      await output({ type: "json_encode", config: { fields: ["o", "a", "s"] } }, [
        { o: { b: 1, a: [1, 2] }, a: [], s: "x" },
      ]),
    ).toEqual([{ o: '{"b":1,"a":[1,2]}', a: "[]", s: "x" }]);
  });

  test("bad config: into with several fields, unknown on_error", () => {
    expect(configError({ type: "json_parse", config: { fields: ["a", "b"], into: "x" } }).message).toContain(
      "only valid with exactly one field",
    );
    expect(configError({ type: "json_parse", config: { fields: ["a"], on_error: "skip" } }).message).toContain(
      "on_error",
    );
    expect(configError({ type: "json_encode", config: { field: ["a"] } }).message).toContain("did you mean `fields`");
  });
});

describe("hash", () => {
  test("sha256 hex in place; salt prepended; null and missing left alone", async () => {
    expect(
      await output({ type: "hash", config: { fields: ["email", "phone"], salt: "pepper" } }, [
        { email: "a@x.io", phone: null },
        {},
      ]),
    ).toEqual([{ email: sha256("peppera@x.io"), phone: null }, {}]);
  });

  test("base64 into another field; non-strings hash their canonical JSON (sorted keys)", async () => {
    const out = await output({ type: "hash", config: { fields: ["v"], encoding: "base64", into: "h" } }, [
      { v: { b: 1, a: [true, null] } },
      { v: 42 },
    ]);
    expect(out).toEqual([
      { v: { b: 1, a: [true, null] }, h: sha256('{"a":[true,null],"b":1}', "base64") },
      { v: 42, h: sha256("42", "base64") },
    ]);
  });

  test("many records: repeated values give the same digest", async () => {
    const records = Array.from({ length: 300 }, (_, i) => ({ k: `v${i % 7}` }));
    const out = (await output({ type: "hash", config: { fields: ["k"] } }, records)) as { k: string }[];
    expect(out[0]?.k).toBe(out[7]?.k);
    expect(out[299]?.k).toBe(sha256("v5"));
  });

  test("bad config: empty fields, into with several fields, blake3, misspelt salt", () => {
    expect(configError({ type: "hash", config: { fields: [] } }).message).toContain("fields");
    expect(configError({ type: "hash", config: { fields: ["a", "b"], into: "x" } }).message).toContain("into");
    expect(configError({ type: "hash", config: { fields: ["a"], algorithm: "blake3" } }).message).toContain(
      "algorithm",
    );
    expect(configError({ type: "hash", config: { fields: ["email"], slat: "pepper" } }).message).toContain(
      "did you mean `salt`",
    );
  });
});

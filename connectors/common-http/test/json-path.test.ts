import { compileJsonPath, parseJson } from "faucet-common-http";
import { FaucetError } from "faucet-core";
import { describe, expect, it } from "vitest";
import { seededRandom } from "./server.js";

const doc = {
  data: [
    { id: 1, tags: ["a", "b"], user: { name: "ann" } },
    { id: 2, tags: [], user: { name: "bob" } },
    { id: 3, tags: ["c"], user: { name: "cy" } },
  ],
  meta: { next: "abc", "odata.nextLink": "/p2", "with space": 7, count: 3 },
};

describe("compileJsonPath", () => {
  it.each([
    ["$.meta.next", ["abc"]],
    ["meta.next", ["abc"]],
    ["$['meta']['odata.nextLink']", ["/p2"]],
    ['$.meta["with space"]', [7]],
    ["$.data[0].id", [1]],
    ["$.data[-1].id", [3]],
    ["$.data[*].id", [1, 2, 3]],
    ["$.data[*].user.name", ["ann", "bob", "cy"]],
    ["$.data[0:2].id", [1, 2]],
    ["$.data[-2:].id", [2, 3]],
    ["$.data[::-1].id", [3, 2, 1]],
    ["$.data[0,2].id", [1, 3]],
    ["$.meta['next','count']", ["abc", 3]],
    ["$..name", ["ann", "bob", "cy"]],
    ["$.data[*].tags[*]", ["a", "b", "c"]],
    ["$.meta.*", ["abc", "/p2", 7, 3]],
    ["$.missing.deeper", []],
    ["$.data[9].id", []],
    ["$", [doc]],
  ])("%s", (expression, expected) => {
    expect(compileJsonPath(expression).query(doc)).toEqual(expected);
  });

  it("first() returns the first match or undefined, and says when a path can match many", () => {
    expect(compileJsonPath("$.data[*].id").first(doc)).toBe(1);
    expect(compileJsonPath("$.nope").first(doc)).toBeUndefined();
    expect(compileJsonPath("$.data[*]").multiple).toBe(true);
    expect(compileJsonPath("$.data").multiple).toBe(false);
  });

  it.each([
    ["", "empty"],
    ["$.data[?(@.id > 1)]", "filter"],
    ["$.data[", "never closed"],
    ["$.data[foo]", "not a quoted name"],
    ["$.data[::0]", "step cannot be 0"],
    ["$.data.", "name is missing"],
  ])("refuses %j with a config error", (expression, why) => {
    let thrown: unknown;
    try {
      compileJsonPath(expression);
    } catch (error) {
      thrown = error;
    }
    expect(FaucetError.is(thrown, "config")).toBe(true);
    expect((thrown as Error).message).toContain(why);
  });
});

describe("parseJson", () => {
  it("keeps integers beyond 2^53 and long decimals exactly, as strings", () => {
    const text =
      '{"big": 12345678901234567890, "neg": -9007199254740993, "safe": 9007199254740991, "dec": 0.12345678901234567891, ' +
      '"short": 1.5, "text": "12345678901234567890", "arr": [1, 18446744073709551615]}';
    expect(parseJson(text)).toEqual({
      big: "12345678901234567890",
      neg: "-9007199254740993",
      safe: 9007199254740991,
      dec: "0.12345678901234567891",
      short: 1.5,
      text: "12345678901234567890",
      arr: [1, "18446744073709551615"],
    });
  });

  it("finds a long number wherever it sits in the text", () => {
    const random = seededRandom(7);
    for (let t = 0; t < 5000; t++) {
      let pad = "";
      for (let i = Math.floor(random() * 40); i > 0; i--)
        pad += random() < 0.7 ? String(Math.floor(random() * 10)) : "x";
      let digits = String(1 + Math.floor(random() * 9));
      for (let i = Math.floor(random() * 21); i > 0; i--) digits += String(Math.floor(random() * 10));
      const parsed = parseJson(`{"pad":"${pad}","n":${digits}}`) as { n: number | string };
      const lossy = !Number.isSafeInteger(Number(digits));
      expect(parsed.n).toEqual(lossy ? digits : Number(digits));
    }
  });

  it("takes the plain path for ordinary JSON and still rejects malformed text", () => {
    expect(parseJson('[{"id":1,"ts":1700000000000}]')).toEqual([{ id: 1, ts: 1700000000000 }]);
    expect(() => parseJson('{"a": 1')).toThrow(SyntaxError);
    expect(() => parseJson('{"a": 12345678901234567890')).toThrow(SyntaxError);
  });
});

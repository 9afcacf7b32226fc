// biome-ignore-all lint/suspicious/noTemplateCurlyInString: faucet config syntax (${now.iso}, ${1}) under test, not templates
import { describe, expect, test } from "vitest";
import { configError, failure, output } from "./helpers.js";

describe("flatten", () => {
  test("nested objects become separator-joined keys; arrays stay", async () => {
    expect(await output({ type: "flatten" }, [{ a: { b: 1, c: { d: 2 } }, e: 3, tags: ["x", { y: 1 }] }])).toEqual([
      { a__b: 1, a__c__d: 2, e: 3, tags: ["x", { y: 1 }] },
    ]);
  });

  test("a custom separator, an empty separator, and a flat record left as it is", async () => {
    expect(await output({ type: "flatten", config: { separator: "." } }, [{ meta: { count: 2 } }])).toEqual([
      { "meta.count": 2 },
    ]);
    expect(await output({ type: "flatten", config: { separator: "" } }, [{ a: { b: 1 } }])).toEqual([{ ab: 1 }]);
    const flat = { id: 1, name: "Ada" };
    expect(await output({ type: "flatten" }, [flat])).toEqual([flat]);
  });

  test("max_depth keeps deeper objects as values; empty objects survive", async () => {
    const record = { a: { b: { c: 1 } }, empty: {}, x: { y: {} } };
    expect(await output({ type: "flatten", config: { max_depth: 1 } }, [record])).toEqual([
      { a__b: { c: 1 }, empty: {}, x__y: {} },
    ]);
  });

  test("two paths meeting on one key fail the page instead of losing a value", async () => {
    const error = await failure({ type: "flatten" }, [{ a__b: 1, a: { b: 2 } }]);
    expect(error.kind).toBe("transform");
    expect(error.message).toContain("`a__b`");
  });

  test("bad config: wrong type, unknown key, depth below 1", () => {
    expect(configError({ type: "flatten", config: { separator: 1 } }).message).toContain("separator");
    expect(configError({ type: "flatten", config: { seperator: "." } }).message).toContain("did you mean `separator`");
    expect(configError({ type: "flatten", config: { max_depth: 0 } }).message).toContain("max_depth");
  });
});

describe("rename_keys", () => {
  test("every key, recursively (objects in arrays too), with capture groups", async () => {
    const spec = { type: "rename_keys", config: { pattern: "^_sdc_(\\w+)$", replacement: "meta_$1" } };
    expect(await output(spec, [{ _sdc_id: 1, items: [{ _sdc_seq: 2 }], keep: { _sdc_x: 3 } }])).toEqual([
      { meta_id: 1, items: [{ meta_seq: 2 }], keep: { meta_x: 3 } },
    ]);
  });

  test("Rust replacement syntax: ${name}, $$ and an inline (?i) flag", async () => {
    const named = { type: "rename_keys", config: { pattern: "(?i)^(?<word>[a-z]+)_ID$", replacement: "${word}Id$$" } };
    expect(await output(named, [{ user_id: 1, ORDER_ID: 2 }])).toEqual([{ userId$: 1, ORDERId$: 2 }]);
  });

  test("recursive: false renames only top-level keys", async () => {
    const spec = { type: "rename_keys", config: { pattern: "-", replacement: "_", recursive: false } };
    expect(await output(spec, [{ "a-b": { "c-d": 1 } }])).toEqual([{ a_b: { "c-d": 1 } }]);
  });

  test("two keys renaming to one name fail the page", async () => {
    const spec = { type: "rename_keys", config: { pattern: "[^a-z]", replacement: "" } };
    expect((await failure(spec, [{ a1: 1, a2: 2 }])).message).toContain("`a`");
    expect((await failure(spec, [{ x: [{ b1: 1, b2: 2 }] }])).message).toContain("`b`");
  });

  test("bad config: a regex that does not compile, a missing replacement", () => {
    expect(configError({ type: "rename_keys", config: { pattern: "(", replacement: "" } }).message).toContain(
      "not a valid regular expression",
    );
    expect(configError({ type: "rename_keys", config: { pattern: "^_" } }).message).toContain("replacement");
  });
});

describe("keys_case", () => {
  const input = [{ "First Name": 1, "last-name": 2, camelCase: 3, XMLParser: 4, v3Api: 5, "%%": 6 }];

  test.each([
    ["snake", { first_name: 1, last_name: 2, camel_case: 3, xmlparser: 4, v3api: 5, "%%": 6 }],
    ["camel", { firstName: 1, lastName: 2, camelCase: 3, xmlparser: 4, v3api: 5, "%%": 6 }],
    ["pascal", { FirstName: 1, LastName: 2, CamelCase: 3, Xmlparser: 4, V3api: 5, "%%": 6 }],
    ["kebab", { "first-name": 1, "last-name": 2, "camel-case": 3, xmlparser: 4, v3api: 5, "%%": 6 }],
    ["screaming_snake", { FIRST_NAME: 1, LAST_NAME: 2, CAMEL_CASE: 3, XMLPARSER: 4, V3API: 5, "%%": 6 }],
    ["dot", { "first.name": 1, "last.name": 2, "camel.case": 3, xmlparser: 4, v3api: 5, "%%": 6 }],
  ])("mode %s", async (mode, expected) => {
    expect(await output({ type: "keys_case", config: { mode } }, input)).toEqual([expected]);
  });

  test("walks nested objects and arrays; many records of one shape stay right", async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ userId: i, Tags: [{ tagName: "x" }] }));
    const out = await output({ type: "keys_case", config: { mode: "snake" } }, records);
    expect(out[49]).toEqual({ user_id: 49, tags: [{ tag_name: "x" }] });
    expect(out).toHaveLength(50);
  });

  test("a collision is an error by default, and suffixed on request", async () => {
    const record = { AccountId: 1, account_id: 2, Account_Id: 3 };
    const error = await failure({ type: "keys_case", config: { mode: "snake" } }, [record]);
    expect(error.kind).toBe("transform");
    expect(error.message).toContain("`account_id`");
    expect(error.message).toContain("on_collision: suffix");
    expect(await output({ type: "keys_case", config: { mode: "snake", on_collision: "suffix" } }, [record])).toEqual([
      { account_id: 1, account_id_2: 2, account_id_3: 3 },
    ]);
  });

  test("bad config: unknown mode, missing mode", () => {
    expect(configError({ type: "keys_case", config: { mode: "spongebob" } }).message).toContain("mode");
    expect(configError({ type: "keys_case", config: {} }).message).toContain("mode");
  });
});

describe("spell_symbols", () => {
  test("spells symbols in keys, longest first, with extra entries and a separator", async () => {
    expect(await output({ type: "spell_symbols" }, [{ "% sold": 1, "C# courses": 2, plain: { "a&b": 3 } }])).toEqual([
      { " percent  sold": 1, "C number  courses": 2, plain: { "a and b": 3 } },
    ]);
    const spec = { type: "spell_symbols", config: { extra: { "<=": "lte", "#": "hash" }, separator: "_" } };
    expect(await output(spec, [{ "a<=b": 1, "#x": 2, "a<b": 3 }])).toEqual([{ a_lte_b: 1, _hash_x: 2, a_lt_b: 3 }]);
  });

  test("then keys_case gives clean identifiers", async () => {
    const out = await output(
      [{ type: "spell_symbols" }, { type: "keys_case", config: { mode: "snake" } }],
      [{ "% sold": 1, "revenue $": 2 }],
    );
    expect(out).toEqual([{ percent_sold: 1, revenue_dollar: 2 }]);
  });

  test("two keys spelling to one name fail the page; bad config is refused", async () => {
    expect((await failure({ type: "spell_symbols", config: { separator: "" } }, [{ "a%": 1, apercent: 2 }])).kind).toBe(
      "transform",
    );
    expect(configError({ type: "spell_symbols", config: { extra: { "%": 1 } } }).message).toContain("extra");
  });
});

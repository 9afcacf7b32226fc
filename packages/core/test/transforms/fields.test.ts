// biome-ignore-all lint/suspicious/noTemplateCurlyInString: faucet config syntax (${now.iso}, ${1}) under test, not templates
import type { Value } from "faucet-core";
import { describe, expect, test } from "vitest";
import { CLOCK, configError, failure, output, run } from "./helpers.js";

describe("select", () => {
  test("keeps the listed fields in the listed order; missing fields add nothing", async () => {
    const out = await output({ type: "select", config: { fields: ["name", "id", "nope"] } }, [
      { id: 1, name: "Ada", extra: true },
      { id: 2, extra: false },
      "not an object",
    ]);
    expect(out).toEqual([{ name: "Ada", id: 1 }, { id: 2 }, "not an object"]);
    expect(Object.keys(out[0] as object)).toEqual(["name", "id"]);
  });

  test("prototype-named fields are real fields, never Object.prototype's", async () => {
    const withOwn = JSON.parse('{"constructor": 1, "__proto__": 2, "x": 3}');
    const out = await output({ type: "select", config: { fields: ["constructor", "__proto__", "toString"] } }, [
      withOwn,
      { x: 1 },
    ]);
    expect(Object.keys(out[0] as object)).toEqual(["constructor", "__proto__"]);
    expect(Object.getPrototypeOf(out[0])).toBe(Object.prototype);
    expect(out[1]).toEqual({});
  });

  test("bad config: fields must be a list of strings and is required", () => {
    expect(configError({ type: "select", config: { fields: "id" } }).message).toContain("fields");
    expect(configError({ type: "select", config: {} }).message).toContain("fields");
  });
});

describe("drop", () => {
  test("removes the listed fields, keeping the others in order", async () => {
    const out = await output({ type: "drop", config: { fields: ["secret", "nope"] } }, [
      { id: 1, secret: "x", name: "Ada" },
      { id: 2 },
    ]);
    expect(out).toEqual([{ id: 1, name: "Ada" }, { id: 2 }]);
    expect(Object.keys(out[0] as object)).toEqual(["id", "name"]);
  });

  test("records of changing shapes are each handled right", async () => {
    const records: Value[] = Array.from(
      { length: 40 },
      (_, i): Value => (i % 3 === 0 ? { a: i, b: i } : i % 3 === 1 ? { b: i } : { b: i, a: i, c: i }),
    );
    const out = await output({ type: "drop", config: { fields: ["b"] } }, records);
    expect(out.slice(0, 3)).toEqual([{ a: 0 }, {}, { a: 2, c: 2 }]);
  });

  test("bad config: wrong type", () => {
    expect(configError({ type: "drop", config: { fields: [1] } }).message).toContain("fields[0]");
  });
});

describe("set", () => {
  test("constants overwrite or add fields; nested constants are copied per record", async () => {
    const out = await output({ type: "set", config: { values: { source: "api", version: 2, meta: { a: [1] } } } }, [
      { id: 1, source: "old" },
      { id: 2 },
    ]);
    expect(out).toEqual([
      { id: 1, source: "api", version: 2, meta: { a: [1] } },
      { id: 2, source: "api", version: 2, meta: { a: [1] } },
    ]);
    expect((out[0] as { meta: object }).meta).not.toBe((out[1] as { meta: object }).meta);
  });

  test("run-time references resolve against the run clock, the pipeline and the page", async () => {
    const values = {
      at: "${now.iso}",
      day: "${now.date}",
      parts: "${now.year}/${now.month}/${now.day} ${now.hour}:${now.minute}:${now.second}",
      unix: "${now.unix}",
      ms: "${now.epoch_ms}",
      label: "${pipeline.name}#${page.index}",
      page: "${page.index}",
      literal: "$${now.iso}",
    };
    const { records } = await run({ type: "set", config: { values } }, [{}], { pageIndex: 7, pipeline: "orders" });
    expect(records).toEqual([
      {
        at: "2024-05-01T12:34:56.789Z",
        day: "2024-05-01",
        parts: "2024/05/01 12:34:56",
        unix: Math.floor(CLOCK.getTime() / 1000),
        ms: CLOCK.getTime(),
        label: "orders#7",
        page: 7,
        literal: "${now.iso}",
      },
    ]);
  });

  test("run.id is one UUID for the whole run", async () => {
    const { records } = await run(
      [
        { type: "set", config: { values: { a: "${run.id}" } } },
        { type: "set", config: { values: { b: "${run.id}" } } },
      ],
      [{}, {}],
    );
    const first = records[0] as { a: string; b: string };
    expect(first.a).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.b).toBe(first.a);
    expect((records[1] as { a: string }).a).toBe(first.a);
  });

  test("bad config: an unknown reference, values not a map", () => {
    const error = configError({ type: "set", config: { values: { at: "${now.isoo}" } } });
    expect(error.message).toContain("unknown reference `${now.isoo}`");
    expect(configError({ type: "set", config: { values: ["a"] } }).message).toContain("values");
  });
});

describe("rename_field", () => {
  test("renames in place, keeping the field's position; missing sources are skipped", async () => {
    const out = await output({ type: "rename_field", config: { fields: { first_name: "name", nope: "x" } } }, [
      { id: 1, first_name: "Ada", country: "GB" },
      { id: 2 },
    ]);
    expect(out).toEqual([{ id: 1, name: "Ada", country: "GB" }, { id: 2 }]);
    expect(Object.keys(out[0] as object)).toEqual(["id", "name", "country"]);
  });

  test("swaps and chains apply against the record as it was", async () => {
    expect(await output({ type: "rename_field", config: { fields: { a: "b", b: "a" } } }, [{ a: 1, b: 2 }])).toEqual([
      { b: 1, a: 2 },
    ]);
    expect(await output({ type: "rename_field", config: { fields: { a: "b", b: "c" } } }, [{ a: 1, b: 2 }])).toEqual([
      { b: 1, c: 2 },
    ]);
  });

  test("a target that already exists is an error, not an overwrite", async () => {
    const error = await failure({ type: "rename_field", config: { fields: { first_name: "name" } } }, [
      { first_name: "Ada", name: "Lovelace" },
    ]);
    expect(error.kind).toBe("transform");
    expect(error.message).toContain("target field `name` already exists");
    const twice = await failure({ type: "rename_field", config: { fields: { a: "x", b: "x" } } }, [{ a: 1, b: 2 }]);
    expect(twice.message).toContain("same target `x`");
  });

  test("bad config: fields must map names to names", () => {
    expect(configError({ type: "rename_field", config: { fields: { a: 1 } } }).message).toContain("fields.a");
    expect(configError({ type: "rename_field", config: { fields: ["a"] } }).message).toContain("fields");
  });
});

describe("redact", () => {
  test("masks present fields with *** or a given value", async () => {
    expect(await output({ type: "redact", config: { fields: ["ssn", "nope"] } }, [{ ssn: "123", id: 1 }])).toEqual([
      { ssn: "***", id: 1 },
    ]);
    expect(await output({ type: "redact", config: { fields: ["card"], mask: null } }, [{ card: "4111" }])).toEqual([
      { card: null },
    ]);
  });

  test("bad config: missing fields", () => {
    expect(configError({ type: "redact", config: { mask: "x" } }).message).toContain("fields");
  });
});

describe("coalesce", () => {
  test("fills a missing or null field from a default", async () => {
    const spec = { type: "coalesce", config: { field: "status", default: "unknown" } };
    expect(await output(spec, [{ status: null }, {}, { status: "ok" }, { status: "" }])).toEqual([
      { status: "unknown" },
      { status: "unknown" },
      { status: "ok" },
      { status: "" },
    ]);
  });

  test("or from the first fallback that is present and not null; empty strings optionally null", async () => {
    const spec = {
      type: "coalesce",
      config: { field: "email", from: ["work_email", "home_email"], treat_empty_string_as_null: true },
    };
    expect(
      await output(spec, [
        { email: "", work_email: null, home_email: "h@x" },
        { work_email: "w@x", home_email: "h@x" },
        { work_email: "" },
      ]),
    ).toEqual([
      { email: "h@x", work_email: null, home_email: "h@x" },
      { email: "w@x", work_email: "w@x", home_email: "h@x" },
      { work_email: "" },
    ]);
  });

  test("bad config: both or neither of default and from; field missing", () => {
    expect(configError({ type: "coalesce", config: { field: "s", default: "x", from: ["y"] } }).message).toContain(
      "not both",
    );
    expect(configError({ type: "coalesce", config: { field: "s" } }).message).toContain("exactly one of");
    expect(configError({ type: "coalesce", config: { default: 1 } }).message).toContain("field");
  });
});

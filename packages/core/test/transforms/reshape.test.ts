// biome-ignore-all lint/suspicious/noTemplateCurlyInString: faucet config syntax (${now.iso}, ${1}) under test, not templates
import { applyTransforms, createTransforms, type Logger, silentLogger, transforms, type Value } from "faucet-core";
import { describe, expect, test } from "vitest";
import { configError, failure, output, run } from "./helpers.js";

describe("explode", () => {
  test("one record per element; object elements merge with the path's name as prefix", async () => {
    expect(
      await output({ type: "explode", config: { path: "lines" } }, [
        {
          id: 1,
          lines: [
            { sku: "a", qty: 1 },
            { sku: "b", qty: 2 },
          ],
        },
      ]),
    ).toEqual([
      { id: 1, lines_sku: "a", lines_qty: 1 },
      { id: 1, lines_sku: "b", lines_qty: 2 },
    ]);
  });

  test("scalar elements replace the array in place; prefix and separator configurable", async () => {
    expect(await output({ type: "explode", config: { path: "tags" } }, [{ id: 1, tags: ["x", "y"] }])).toEqual([
      { id: 1, tags: "x" },
      { id: 1, tags: "y" },
    ]);
    expect(
      await output({ type: "explode", config: { path: "l", prefix: "", separator: "." } }, [{ id: 1, l: [{ v: 1 }] }]),
    ).toEqual([{ id: 1, v: 1 }]);
    expect(
      await output({ type: "explode", config: { path: "l", prefix: "item", separator: "." } }, [{ l: [{ v: 1 }] }]),
    ).toEqual([{ "item.v": 1 }]);
  });

  test("a nested array: the parent object is copied per child, and carry copies parent fields", async () => {
    const input = [{ id: 7, order: { no: "A", lines: [{ sku: "a" }, { sku: "b" }] } }];
    const out = await output(
      { type: "explode", config: { path: "order.lines", prefix: "", carry: { order_id: "id", no: "$.order.no" } } },
      input,
    );
    expect(out).toEqual([
      { id: 7, order: { no: "A", sku: "a" }, order_id: 7, no: "A" },
      { id: 7, order: { no: "A", sku: "b" }, order_id: 7, no: "A" },
    ]);
    expect((out[0] as { order: object }).order).not.toBe((out[1] as { order: object }).order);
  });

  test("on_missing: passthrough (default), drop, error", async () => {
    const records: Value[] = [{ id: 1 }, { id: 2, items: [] }, { id: 3, items: "x" }];
    expect(await output({ type: "explode", config: { path: "items" } }, records)).toEqual(records);
    expect(await output({ type: "explode", config: { path: "items", on_missing: "drop" } }, records)).toEqual([]);
    const error = await failure({ type: "explode", config: { path: "items", on_missing: "error" } }, records);
    expect(error.message).toContain("did not yield a non-empty array");
  });

  test("an element field that would overwrite a parent field fails the page", async () => {
    const error = await failure({ type: "explode", config: { path: "l", prefix: "" } }, [{ id: 1, l: [{ id: 2 }] }]);
    expect(error.message).toContain("overwrite the field `id`");
  });

  test("bad config: bad path, bad on_missing, bad carry path", () => {
    expect(configError({ type: "explode", config: { path: "$..items" } }).message).toContain("path");
    expect(configError({ type: "explode", config: { path: "items", on_missing: "explode_harder" } }).message).toContain(
      "on_missing",
    );
    expect(configError({ type: "explode", config: { path: "items", carry: { a: "b[*]" } } }).message).toContain(
      "carry.a",
    );
    expect(configError({ type: "explode", config: {} }).message).toContain("path");
  });
});

describe("cdc_unwrap", () => {
  const events: Value[] = [
    { op: "c", before: null, after: { id: 1, name: "a" }, source: {} },
    { op: "u", before: { id: 1, name: "a" }, after: { id: 1, name: "b", __unchanged_toast__: ["blob"] } },
    { op: "d", before: { id: 1, name: "b" }, after: null },
    { op: "delete", before: null, document_key: { _id: "x" } },
    { op: "ddl", ddl: "ALTER TABLE" },
    { op: "truncate" },
  ];

  test("upserts become the after row + __op u; deletes the before row (or key) + __op d", async () => {
    expect(await output({ type: "cdc_unwrap" }, events)).toEqual([
      { id: 1, name: "a", __op: "u" },
      { id: 1, name: "b", __op: "u" },
      { id: 1, name: "b", __op: "d" },
      { _id: "x", __op: "d" },
    ]);
  });

  test("key_fields: a delete carries only the key; every field name is configurable", async () => {
    const config = {
      op_field: "operation",
      after_field: "new",
      before_field: "old",
      marker_field: "_deleted_op",
      delete_ops: ["DELETE"],
      drop_ops: ["NOOP"],
      key_fields: ["id"],
    };
    expect(
      await output({ type: "cdc_unwrap", config }, [
        { operation: "INSERT", new: { id: 1, v: 1 } },
        { operation: "DELETE", old: { id: 1, v: 1 } },
        { operation: "NOOP", new: { id: 9 } },
      ]),
    ).toEqual([
      { id: 1, v: 1, _deleted_op: "u" },
      { id: 1, _deleted_op: "d" },
    ]);
  });

  test("events with no usable row are dropped with one warning per page", async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
    const stages = createTransforms([{ type: "cdc_unwrap" }]);
    const { records } = await applyTransforms([{ op: "u", after: null }, { op: "d" }, "junk"], stages, { logger });
    expect(records).toEqual([]);
    expect(warnings).toEqual(["cdc_unwrap: dropped change events that carry no usable row image"]);
  });

  test("bad config: wrong types, unknown key", () => {
    expect(configError({ type: "cdc_unwrap", config: { delete_ops: "d" } }).message).toContain("delete_ops");
    expect(configError({ type: "cdc_unwrap", config: { op_feild: "op" } }).message).toContain(
      "did you mean `op_field`",
    );
  });
});

describe("custom", () => {
  test("a function per record: change, fan out, drop, reject", async () => {
    const stage = transforms.custom((record, ctx) => {
      const r = record as { n: number };
      if (r.n === 0) return null;
      if (r.n === 2)
        return [
          { n: 2, copy: 1 },
          { n: 2, copy: 2 },
        ];
      if (r.n < 0) {
        ctx.reject(record, "negative n");
        return null;
      }
      return { ...r, seen: true };
    });
    const { records, rejected } = await applyTransforms([{ n: 0 }, { n: 1 }, { n: 2 }, { n: -1 }], [stage], {
      logger: silentLogger,
    });
    expect(records).toEqual([
      { n: 1, seen: true },
      { n: 2, copy: 1 },
      { n: 2, copy: 2 },
    ]);
    expect(rejected.map((r) => [r.record, r.reason])).toEqual([[{ n: -1 }, "negative n"]]);
  });

  test("a throwing function fails the page as a transform error naming the stage", async () => {
    const stage = transforms.custom(() => {
      throw new Error("boom");
    });
    const error = await applyTransforms([{}], [stage]).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ kind: "transform" });
    expect((error as Error).message).toContain("(custom) failed: boom");
  });

  test("works in faucet.config.ts form ({type: custom, config: {fn}}) and is refused from YAML", async () => {
    const fn = (record: Value) => ({ ...(record as object), ok: 1 });
    expect(await output({ type: "custom", config: { fn } }, [{}])).toEqual([{ ok: 1 }]);
    expect(configError({ type: "custom", config: { fn: "record => record" } }).message).toContain(
      "cannot be written in YAML",
    );
    expect(configError({ type: "custom" }).message).toContain("fn");
  });
});

describe("chains", () => {
  test("a realistic chain over CSV-like string records", async () => {
    const { records } = await run(
      [
        { type: "rename_field", config: { fields: { first_name: "name" } } },
        { type: "cast", config: { fields: { id: "int", amount: "float", active: "bool" } } },
        { type: "value_case", config: { fields: ["country"], mode: "lower" } },
        { type: "filter", config: { path: "amount", op: "gte", value: 10 } },
        { type: "json_parse", config: { fields: ["attributes"] } },
        { type: "flatten" },
        { type: "set", config: { values: { loaded_at: "${now.iso}" } } },
        { type: "keys_case", config: { mode: "camel" } },
        { type: "drop", config: { fields: ["attributesTags"] } },
        { type: "hash", config: { fields: ["name"], into: "nameHash" } },
      ],
      [
        {
          id: "1",
          first_name: "Eve",
          country: "GB",
          amount: "6767.32",
          active: "false",
          attributes: '{"tier":"free","score":2.501,"tags":["beta","epsilon"]}',
        },
        { id: "2", first_name: "Bo", country: "US", amount: "3.5", active: "true", attributes: "{}" },
      ],
    );
    expect(records).toEqual([
      {
        id: 1,
        name: "Eve",
        country: "gb",
        amount: 6767.32,
        active: false,
        attributesTier: "free",
        attributesScore: 2.501,
        loadedAt: "2024-05-01T12:34:56.789Z",
        nameHash: "b9bae658d96579857efe22dee62673a31355446ddc6ad270ec046aa8c717081c",
      },
    ]);
  });
});

import { FaucetError, MemoryStateStore, Pipeline, type Sink, silentLogger, transforms, type Value } from "faucet-core";
import { describe, expect, test } from "vitest";
import { configError, failure, output, run } from "./helpers.js";

const cast = (fields: Record<string, string>, on_error?: string) => ({
  type: "cast",
  config: on_error ? { fields, on_error } : { fields },
});

describe("cast", () => {
  test("int: digits, signs, whitespace, booleans, whole floats; beyond 2^53 as exact text", async () => {
    const out = await output(cast({ a: "int", b: "int", c: "int", d: "int", e: "int", f: "int", g: "int", h: "int" }), [
      {
        a: "42",
        b: "-7",
        c: " 12 ",
        d: true,
        e: 3.0,
        f: "9007199254740993",
        g: "+5",
        h: "-0",
      },
    ]);
    expect(out).toEqual([{ a: 42, b: -7, c: 12, d: 1, e: 3, f: "9007199254740993", g: 5, h: 0 }]);
  });

  test("float: decimals exactly as JSON would parse them, exponents, booleans", async () => {
    const values = ["6767.32", "-0.5", ".25", "1e3", "123456789012.345", "0.1", "1.", "7"];
    const fields = Object.fromEntries(values.map((_, i) => [`f${i}`, "float"]));
    const record = Object.fromEntries(values.map((v, i) => [`f${i}`, v]));
    const out = (await output(cast(fields), [{ ...record, b: true }]))[0] as Record<string, number>;
    values.forEach((v, i) => {
      expect(out[`f${i}`]).toBe(Number(v));
    });
  });

  test("bool: true/false/1/0/yes/no/y/n in any case, and 0/1", async () => {
    const words = ["true", "FALSE", "1", "0", " Yes ", "no", "Y", "n"];
    const fields = Object.fromEntries([...words.map((_, i) => [`b${i}`, "bool"]), ["one", "bool"], ["zero", "bool"]]);
    const record = { ...Object.fromEntries(words.map((w, i) => [`b${i}`, w])), one: 1, zero: 0 };
    expect(await output(cast(fields), [record])).toEqual([
      { b0: true, b1: false, b2: true, b3: false, b4: true, b5: false, b6: true, b7: false, one: true, zero: false },
    ]);
  });

  test("string and timestamp (normalised RFC 3339)", async () => {
    const out = await output(
      cast({ n: "string", t: "string", a: "timestamp", b: "timestamp", c: "timestamp", d: "timestamp" }),
      [
        {
          n: 1.5,
          t: false,
          a: "2026-05-28T00:00:00Z",
          b: "2026-05-28T00:00:00+00:00",
          c: "2026-05-28 10:00:00.5+02:00",
          d: "2024-02-29T23:59:59.123456789123z",
        },
      ],
    );
    expect(out).toEqual([
      {
        n: "1.5",
        t: "false",
        a: "2026-05-28T00:00:00Z",
        b: "2026-05-28T00:00:00Z",
        c: "2026-05-28T10:00:00.500+02:00",
        d: "2024-02-29T23:59:59.123456789Z",
      },
    ]);
  });

  test("missing fields are skipped and null stays null", async () => {
    expect(await output(cast({ n: "int", m: "float" }), [{ n: null }])).toEqual([{ n: null }]);
  });

  test.each([
    ["int", "1.5"],
    ["int", "abc"],
    ["int", ""],
    ["int", 2.5],
    ["int", "99999999999999999999"],
    ["float", "0x10"],
    ["float", "Infinity"],
    ["float", "1,5"],
    ["bool", "maybe"],
    ["bool", 2],
    ["string", { a: 1 }],
    ["timestamp", "2026-02-30T00:00:00Z"],
    ["timestamp", "2026-05-28"],
    ["timestamp", 1716854400],
  ])("on_error: error (the default) fails the page for %s %j", async (type, value) => {
    const error = await failure(cast({ v: type }), [{ v: value }]);
    expect(error.kind).toBe("transform");
    expect(error.message).toContain(`field \`v\` to ${type} failed`);
    expect(error.hint).toContain("on_error");
  });

  test("on_error: null writes null, skip leaves the value", async () => {
    expect(await output(cast({ n: "int", m: "int" }, "null"), [{ n: "x", m: "2" }])).toEqual([{ n: null, m: 2 }]);
    expect(await output(cast({ n: "int", m: "int" }, "skip"), [{ n: "x", m: "2" }])).toEqual([{ n: "x", m: 2 }]);
  });

  test("on_error: dlq rejects the whole record, untouched, and keeps the rest", async () => {
    const { records, rejected } = await run(cast({ n: "int", m: "int" }, "dlq"), [
      { id: 1, n: "1", m: "2" },
      { id: 2, n: "2", m: "oops" },
      { id: 3, n: "3", m: "4" },
    ]);
    expect(records).toEqual([
      { id: 1, n: 1, m: 2 },
      { id: 3, n: 3, m: 4 },
    ]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.record).toEqual({ id: 2, n: "2", m: "oops" });
    expect(rejected[0]?.reason).toContain("field `m` to int failed");
    expect(rejected[0]?.index).toBe(1);
    expect(rejected[0]?.error.kind).toBe("transform");
  });

  test("dlq through the Pipeline: rejected rows reach the dead-letter sink; without one the run fails", async () => {
    const rows: Value[] = [];
    const dead: Value[] = [];
    const source = { fetchWithContext: async () => [{ n: "1" }, { n: "x" }, { n: "3" }] };
    const sink: Sink = {
      writeBatch: async (r) => {
        rows.push(...r);
        return r.length;
      },
    };
    const dlq: Sink = {
      writeBatch: async (r) => {
        dead.push(...r);
        return r.length;
      },
    };
    const stage = transforms.cast({ fields: { n: "int" }, on_error: "dlq" });
    const result = await new Pipeline(source, sink, {
      transforms: [stage],
      deadLetter: { sink: dlq },
      logger: silentLogger,
      stateStore: new MemoryStateStore(),
    }).run();
    expect(rows).toEqual([{ n: 1 }, { n: 3 }]);
    expect(result.deadLettered).toBe(1);
    expect(dead[0]).toMatchObject({ reason: "transform_rejected", payload: { n: "x" }, error: { kind: "transform" } });

    const failing = new Pipeline(
      source,
      { writeBatch: async (r) => r.length },
      { transforms: [stage], logger: silentLogger },
    );
    const error = await failing.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaucetError);
    expect((error as FaucetError).message).toContain("record rejected: cast: field `n` to int failed");
  });

  test("bad config: unknown type, unknown on_error, missing fields, misspelt key", () => {
    expect(configError(cast({ x: "uuid" })).message).toContain("fields.x");
    expect(configError(cast({ x: "int" }, "explode")).message).toContain("on_error");
    expect(configError({ type: "cast", config: {} }).message).toContain("fields");
    expect(configError({ type: "cast", config: { fields: {}, onerror: "null" } }).message).toContain(
      "did you mean `on_error`",
    );
  });
});

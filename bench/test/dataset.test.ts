// The benchmark dataset must be byte-identical to the Rust faucet-stream's. The expected values
// below were printed by CPython 3.11 (`random.Random`, `round`, `repr`); the generator never
// calls Python.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { datasetChunks } from "../dist/dataset/dataset.js";
import { pythonRepr, pythonRound } from "../dist/dataset/python-float.js";
import { PythonRandom } from "../dist/dataset/python-random.js";

describe("PythonRandom", () => {
  it("draws what random.Random(seed) draws", () => {
    const rng = new PythonRandom(42);
    expect([rng.u32(), rng.u32(), rng.u32()]).toEqual([2746317213, 478163327, 107420369]);
    expect(new PythonRandom(42).random()).toBe(0.6394267984578837);
    expect(new PythonRandom(2 ** 40 + 5).random()).toBe(0.5043802970418443); // a two-word key
    expect(new PythonRandom(-7).random()).toBe(0.32383276483316237); // the absolute value
  });

  it("samples below(n) by rejection like _randbelow", () => {
    const rng = new PythonRandom(42);
    expect([1, 2, 3, 90, 1000, 2 ** 31, 2 ** 32 - 1].map((n) => rng.below(n))).toEqual([
      0, 0, 2, 35, 250, 958682846, 599310825,
    ]);
    expect(() => rng.below(0)).toThrow(RangeError);
    expect(() => rng.below(2 ** 32)).toThrow(RangeError);
  });
});

describe("pythonRound and pythonRepr", () => {
  // [x, ndigits, repr(round(x, ndigits))]
  const rounds: [number, number, string][] = [
    [2.675, 2, "2.67"],
    [0.125, 2, "0.12"],
    [0.375, 2, "0.38"],
    [2.5, 0, "2.0"],
    [3.5, 0, "4.0"],
    [-2.5, 0, "-2.0"],
    [1.0005, 3, "1.0"],
    [6767.315, 2, "6767.31"],
    [0.0005, 3, "0.001"],
    [1e16, 2, "1e+16"],
    [123.456, -1, "120.0"],
    [1234.5, -2, "1200.0"],
    [-0.001, 2, "-0.0"],
    [5e-324, 2, "0.0"],
    [1.7976931348623157e308, -300, "1.79769313e+308"],
    [0.285, 2, "0.28"],
    [1.015, 2, "1.01"],
    [99.9995, 3, "99.999"],
    [7535.0, 2, "7535.0"],
    [6371.5, 1, "6371.5"],
    [1e-7, 10, "1e-07"],
    [4503599627370497, -1, "4503599627370500.0"],
  ];
  it.each(rounds)("round(%d, %d) is %s", (x, ndigits, expected) => {
    expect(pythonRepr(pythonRound(x, ndigits))).toBe(expected);
  });

  // [x, repr(x)]
  const reprs: [number, string][] = [
    [7535.0, "7535.0"],
    [6371.5, "6371.5"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [0.0001234, "0.0001234"],
    [1.2345678901234568e17, "1.2345678901234568e+17"],
    [5e-324, "5e-324"],
    [-0, "-0.0"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [1e22, "1e+22"],
    [2.5e-7, "2.5e-07"],
    [-1234.5, "-1234.5"],
    [Number.NaN, "nan"],
    [Number.NEGATIVE_INFINITY, "-inf"],
  ];
  it.each(reprs)("repr(%d) is %s", (x, expected) => {
    expect(pythonRepr(x)).toBe(expected);
  });
});

describe("the benchmark dataset", () => {
  it("starts with the header and the exact row 1", () => {
    const first = datasetChunks({ rows: 2, seed: 42 }).next().value!.toString("latin1");
    const lines = first.split("\r\n");
    expect(lines[0]).toBe("id,first_name,country,amount,created_at,active,attributes");
    expect(lines[1]).toBe(
      '1,Eve,GB,6767.32,2020-01-01T00:01:22Z,false,"{""tier"":""free"",""score"":2.501,""tags"":[""beta"",""epsilon""]}"',
    );
    expect(lines).toHaveLength(4); // header, two rows, and the empty text after the last CRLF
  });

  it("is byte-identical to the Rust faucet-stream's at 100,000 rows, seed 42", () => {
    const hash = createHash("sha256");
    let bytes = 0;
    for (const chunk of datasetChunks({ rows: 100_000, seed: 42 })) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    expect(bytes).toBe(12_102_717);
    expect(hash.digest("hex")).toBe("7c10437e8304471cfa3f351533716067f8e4f80276a94602c5f808cae6751f02");
  });
});

import { formatDecimal, formatTimestamp, parseJson } from "faucet-source-parquet";
import { describe, expect, it } from "vitest";

describe("value formatting", () => {
  it("timestamps: RFC 3339 UTC with the unit's digits, before and after the epoch, beyond 2^53 ticks", () => {
    expect(formatTimestamp(0n, 1_000n, 3)).toBe("1970-01-01T00:00:00.000Z");
    expect(formatTimestamp(-1n, 1_000_000n, 6)).toBe("1969-12-31T23:59:59.999999Z");
    expect(formatTimestamp(-2_208_988_800_000n, 1_000n, 3)).toBe("1900-01-01T00:00:00.000Z");
    expect(formatTimestamp(1_704_067_200_123_456_789n, 1_000_000_000n, 9)).toBe("2024-01-01T00:00:00.123456789Z");
    expect(formatTimestamp(-1_704_067_200_123_456_789n, 1_000_000_000n, 9)).toBe("1916-01-01T23:59:59.876543211Z");
    expect(formatTimestamp(253_402_300_799_999n, 1_000n, 3)).toBe("9999-12-31T23:59:59.999Z");
  });

  it("decimals: exact, signed, any scale", () => {
    expect(formatDecimal(12345n, 2)).toBe("123.45");
    expect(formatDecimal(-5n, 3)).toBe("-0.005");
    expect(formatDecimal(0n, 2)).toBe("0.00");
    expect(formatDecimal(12n, -3)).toBe("12000");
    expect(formatDecimal(-123456789012345678901234567890n, 10)).toBe("-12345678901234567890.1234567890");
  });

  it("JSON: integers beyond ±2^53 stay exact strings; digits inside strings and fractions are untouched", () => {
    expect(parseJson('{"a":12345678901234567890,"b":[-9007199254740993],"c":"12345678901234567890"}')).toEqual({
      a: "12345678901234567890",
      b: ["-9007199254740993"],
      c: "12345678901234567890",
    });
    expect(parseJson('{"x":9007199254740991,"y":0.1234567890123456789,"z":"a\\"12345678901234567890"}')).toEqual({
      x: 9007199254740991,
      y: Number("0.1234567890123456789"),
      z: 'a"12345678901234567890',
    });
  });
});

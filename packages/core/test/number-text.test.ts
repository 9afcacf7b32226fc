// faucet-core/numbers: numbers written as bytes exactly as String() prints them, or left to it.
import { writeShortNumber } from "faucet-core/numbers";
import { expect, test } from "vitest";

function written(n: number): string | undefined {
  const buffer = Buffer.alloc(32, 120);
  const end = writeShortNumber(n, buffer, 3);
  return end < 0 ? undefined : buffer.toString("latin1", 3, end);
}

test("integers below 10^15 and short decimals are written as String() prints them", () => {
  const numbers = [0, 1, -1, 9, 10, 0.5, -0.5, 0.1 + 0.2, 1.005, 2.675, 6767.32, 7535.0, 123.456789, 0.000001, 0.001];
  numbers.push(2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 + 0.5, 999999999999999, 99999999999999.9, 1234567.891011);
  for (let i = 0; i < 20_000; i++) {
    numbers.push(Math.round((Math.random() - 0.5) * 10 ** (i % 16)) / 10 ** (i % 7), (Math.random() - 0.5) * 1e4);
  }
  for (const n of numbers) {
    const text = written(n);
    if (text !== undefined) expect(text).toBe(String(n));
  }
  // The common shapes never fall back.
  for (const n of [6767.32, 2.501, 42, -17, 0.5, 2 ** 40, 123456.789]) expect(written(n)).toBe(String(n));
  expect(written(-0)).toBe("0");
});

test("anything else is left to String(): -1 and nothing written", () => {
  for (const n of [1e15, 1e21, -1e16, 1e-7, 0.1234567, Math.PI, Number.NaN, Number.POSITIVE_INFINITY, 5e-324]) {
    const buffer = Buffer.alloc(32, 120);
    expect(writeShortNumber(n, buffer, 3)).toBe(-1);
    expect(buffer.every((b) => b === 120)).toBe(true);
  }
});

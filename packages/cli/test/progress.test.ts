// The run summary's number formatting (by hand, not toLocaleString: see progress.ts).
import { expect, test } from "vitest";
import { count, duration } from "../dist/progress.js";

test("count groups thousands with commas exactly as toLocaleString('en-US') does", () => {
  const numbers = [0, 1, 12, 123, 1234, 12345, 123456, 1234567, 1_000_000, -1, -1234, -1234567, 999.4, 999.6];
  numbers.push(Number.MAX_SAFE_INTEGER, 2 ** 60, 1e21);
  for (let i = 0; i < 1000; i++) numbers.push(Math.floor(Math.random() * 10 ** (i % 16)));
  for (const n of numbers) expect(count(n)).toBe(Math.round(n).toLocaleString("en-US"));
  expect(count(-0)).toBe("0");
});

test("duration switches units at 10 s and 60 s", () => {
  expect(duration(420)).toBe("0.42 s");
  expect(duration(12_345)).toBe("12.3 s");
  expect(duration(185_000)).toBe("3m 05s");
});

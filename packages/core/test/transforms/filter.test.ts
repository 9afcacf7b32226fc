import type { Value } from "faucet-core";
import { describe, expect, test } from "vitest";
import { configError, output } from "./helpers.js";

const rows: Value[] = [
  { id: 1, status: "active", amount: "6767.32", at: "2024-01-02T00:00:00Z", user: { tier: "pro" }, tag: null },
  { id: 2, status: "deleted", amount: "12.5", at: "2024-01-01T23:00:00-02:00", user: { tier: "free" } },
  { id: 3, status: "active", amount: 99, at: "2023-12-31T00:00:00Z", tag: "x" },
  { id: 4, amount: "9007199254740993", at: "not a date" },
];

const ids = async (config: object) =>
  (await output({ type: "filter", config }, rows)).map((r) => (r as { id: number }).id);

describe("filter", () => {
  test("eq and ne (a missing field fails eq and passes ne)", async () => {
    expect(await ids({ path: "status", op: "eq", value: "active" })).toEqual([1, 3]);
    expect(await ids({ path: "status", op: "ne", value: "active" })).toEqual([2, 4]);
  });

  test("numbers compare numerically whether they arrive as numbers or as text", async () => {
    expect(await ids({ path: "amount", op: "gt", value: 100 })).toEqual([1, 4]);
    expect(await ids({ path: "amount", op: "lte", value: "99" })).toEqual([2, 3]);
    expect(await ids({ path: "amount", op: "eq", value: 99 })).toEqual([3]);
    expect(await ids({ path: "amount", op: "gt", value: "9007199254740992" })).toEqual([4]);
    expect(await ids({ path: "id", op: "gte", value: 3 })).toEqual([3, 4]);
  });

  test("timestamps compare as instants, and only with timestamps", async () => {
    expect(await ids({ path: "at", op: "gte", value: "2024-01-01T00:00:00Z" })).toEqual([1, 2]);
    expect(await ids({ path: "at", op: "lt", value: "2024-01-02T00:00:00Z" })).toEqual([3]);
    expect(await ids({ path: "at", op: "eq", value: "2024-01-02T01:00:00+00:00" })).toEqual([2]);
  });

  test("in, not_in, exists, regex", async () => {
    expect(await ids({ path: "status", op: "in", value: ["active", "paused"] })).toEqual([1, 3]);
    expect(await ids({ path: "status", op: "not_in", value: ["active"] })).toEqual([2, 4]);
    expect(await ids({ path: "amount", op: "in", value: [12.5, "99"] })).toEqual([2, 3]);
    expect(await ids({ path: "tag", op: "exists" })).toEqual([3]);
    expect(await ids({ path: "status", op: "regex", value: "^del" })).toEqual([2]);
    expect(await ids({ path: "status", op: "regex", value: "(?i)^ACT" })).toEqual([1, 3]);
  });

  test("dot paths and quoted keys", async () => {
    expect(await ids({ path: "user.tier", op: "eq", value: "pro" })).toEqual([1]);
    expect(await ids({ path: "$.user.tier", op: "ne", value: "pro" })).toEqual([2, 3, 4]);
    const out = await output({ type: "filter", config: { path: "$['a.b']", op: "eq", value: 1 } }, [
      { "a.b": 1 },
      { a: { b: 1 } },
    ]);
    expect(out).toEqual([{ "a.b": 1 }]);
  });

  test("all / any, nested", async () => {
    expect(
      await ids({
        all: [
          { path: "status", op: "eq", value: "active" },
          {
            any: [
              { path: "amount", op: "gt", value: 1000 },
              { path: "tag", op: "exists" },
            ],
          },
        ],
      }),
    ).toEqual([1, 3]);
    expect(
      await ids({
        any: [
          { path: "id", op: "eq", value: 4 },
          { path: "user.tier", op: "eq", value: "free" },
        ],
      }),
    ).toEqual([2, 4]);
  });

  test("ordering fails on null, missing and mismatched types", async () => {
    const out = await output({ type: "filter", config: { path: "v", op: "lt", value: 5 } }, [
      { v: null },
      {},
      { v: "abc" },
      { v: true },
      { v: 4 },
    ]);
    expect(out).toEqual([{ v: 4 }]);
  });

  test("bad config: value rules per op, bad path, bad regex, condition and group mixed", () => {
    expect(configError({ type: "filter", config: { path: "v", op: "in", value: "scalar" } }).message).toContain(
      "requires an array",
    );
    expect(configError({ type: "filter", config: { path: "v", op: "exists", value: "x" } }).message).toContain(
      "takes no `value`",
    );
    expect(configError({ type: "filter", config: { path: "v", op: "eq" } }).message).toContain("requires a `value`");
    expect(configError({ type: "filter", config: { path: "$..items", op: "exists" } }).message).toContain(
      "recursive descent",
    );
    expect(configError({ type: "filter", config: { path: "items[*]", op: "exists" } }).message).toContain("wildcards");
    expect(configError({ type: "filter", config: { path: "v", op: "regex", value: "[" } }).message).toContain(
      "not a valid regular expression",
    );
    expect(configError({ type: "filter", config: { path: "v", op: "like", value: "x" } }).message).toContain("op");
    expect(
      configError({ type: "filter", config: { path: "v", op: "exists", all: [{ path: "a", op: "exists" }] } }).message,
    ).toContain("one condition");
    expect(configError({ type: "filter", config: { all: [{ path: "a" }] } }).message).toContain("all[0].op");
    expect(configError({ type: "filter", config: {} }).message).toContain("one condition");
  });
});

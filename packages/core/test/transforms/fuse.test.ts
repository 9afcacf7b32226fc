// The chain compiler (fuse.ts) against the stages run one by one: same records, key order,
// dead-letter rows and errors, for chains of every fusable stage over ordinary and odd pages.
import type { FusionStats, Transform, TransformSpec, Value } from "faucet-core";
import { applyTransforms, createTransforms, fusedChain, fusionStats, silentLogger } from "faucet-core";
import { describe, expect, test } from "vitest";
import { CLOCK } from "./helpers.js";

/** The stages as plain wrappers, which the chain compiler does not know, so each runs alone. */
function unfused(stages: Transform[]): Transform[] {
  return stages.map((stage) => Object.defineProperty((r, c) => stage(r, c), "name", { value: stage.name }));
}

type Outcome =
  | { records: string; rejected: { record: string; reason: string; index: number | null; error: string }[] }
  | { error: string; kind: string };

async function outcome(stages: Transform[], records: Value[], pageIndex: number): Promise<Outcome> {
  try {
    const result = await applyTransforms(records, stages, {
      logger: silentLogger,
      runStartedAt: CLOCK,
      pipeline: "orders",
      pageIndex,
    });
    return {
      // JSON text, so key order counts too.
      records: JSON.stringify(result.records),
      rejected: result.rejected.map((r) => ({
        record: JSON.stringify(r.record),
        reason: r.reason,
        index: r.index,
        error: `${r.error.kind}: ${r.error.message}`,
      })),
    };
  } catch (error) {
    const e = error as { message: string; kind: string; cause?: { message?: string } };
    return { error: `${e.message} / ${e.cause?.message ?? ""}`, kind: e.kind };
  }
}

/** Pages run and given back, summed over the fused runs of a chain. */
function counts(stages: Transform[]): FusionStats {
  const total = { pages: 0, bails: 0 };
  for (const stage of fusedChain(stages)) {
    const stats = fusionStats(stage);
    total.pages += stats?.pages ?? 0;
    total.bails += stats?.bails ?? 0;
  }
  return total;
}

/**
 * Runs every page through one fused chain and one unfused chain (each compiled once, as in a
 * run) and expects the same outcome page by page. Returns, per page, whether every fused run
 * took it (false when a run gave it back to the unfused stages).
 */
async function same(specs: TransformSpec[], pages: Value[][]): Promise<boolean[]> {
  const fused = createTransforms(specs, { logger: silentLogger });
  const plain = unfused(createTransforms(specs, { logger: silentLogger }));
  const took: boolean[] = [];
  for (const [index, page] of pages.entries()) {
    const before = counts(fused);
    const input = structuredClone(page);
    const got = await outcome(fused, input, index);
    const want = await outcome(plain, structuredClone(page), index);
    expect(got, `page ${index} of ${JSON.stringify(specs)}`).toEqual(want);
    const after = counts(fused);
    took.push(after.pages > before.pages && after.bails === before.bails);
    // The fused code never changes its input, so a page it gave back is run as it was.
    if (took.at(-1)) expect(input).toEqual(page);
  }
  return took;
}

const row = (id: number, extra: Record<string, Value> = {}): Value => ({
  id: String(id),
  first_name: ["Eve", "Gus", "Ada"][id % 3] as string,
  country: ["GB", "IN", "US"][id % 3] as string,
  amount: `${id * 10}.5`,
  created_at: "2020-01-01T00:01:22Z",
  active: id % 2 === 0 ? "true" : "false",
  attributes: `{"tier":"free","score":${id}.25,"tags":["beta"]}`,
  ...extra,
});
const rows = (n: number, extra?: Record<string, Value>) => Array.from({ length: n }, (_, i) => row(i + 1, extra));

const A10: TransformSpec[] = [
  { type: "keys_case", config: { mode: "camel" } },
  { type: "rename_field", config: { fields: { firstName: "name" } } },
  { type: "cast", config: { fields: { amount: "float" } } },
  { type: "cast", config: { fields: { active: "bool" } } },
  { type: "set", config: { values: { source: "bench" } } },
  { type: "value_case", config: { fields: ["country"], mode: "lower" } },
  { type: "json_parse", config: { fields: ["attributes"] } },
  { type: "drop", config: { fields: ["createdAt"] } },
  { type: "hash", config: { fields: ["name"] } },
  { type: "filter", config: { path: "amount", op: "gt", value: 20 } },
];

/** Ordinary pages, then odd ones: every way a record can leave the fused code's path. */
const PAGES: Value[][] = [
  rows(5),
  rows(3),
  [row(1), { ...(row(2) as object), first_name: null }, row(3)],
  [row(1), { id: "9", amount: "7.5" }, row(2)],
  [row(1), { ...(row(2) as object), amount: "twelve" }],
  [row(1), { ...(row(2) as object), active: "maybe" }],
  [row(1), { ...(row(2) as object), attributes: "{not json" }],
  [row(1), { ...(row(2) as object), nested: { inner_key: 1, list: [{ deep_key: 2 }] } }],
  [row(1), { ...(row(2) as object), firstName: "twice" }],
  [row(1), { ...(row(2) as object), name: "taken" }],
  [row(1), ["an", "array"], 42, null, "text"],
  [row(1), JSON.parse('{"__proto__": {"polluted": true}, "id": "3"}') as Value],
  [{ ...(row(2) as object), constructor: "c", toString: "t" }],
  [],
  rows(4, { amount: 5 }),
];

describe("fused chains match the stages run one by one", () => {
  test("the A10 chain, ordinary pages fused and odd pages handed back", async () => {
    const took = await same(A10, PAGES);
    // Given back: a cast that fails (4, 5), a key collision (8), an existing rename target (9),
    // records that are not objects (10), a `__proto__` key (11).
    expect(took.flatMap((fused, i) => (fused ? [] : [i]))).toEqual([4, 5, 8, 9, 10, 11]);
  });

  test.each<[string, TransformSpec[]]>([
    [
      "cast modes, value_case, filter",
      [
        { type: "cast", config: { fields: { amount: "float", id: "int" }, on_error: "null" } },
        { type: "cast", config: { fields: { active: "bool" }, on_error: "skip" } },
        { type: "value_case", config: { fields: ["country", "first_name"], mode: "title" } },
        { type: "filter", config: { path: "id", op: "ne", value: "3" } },
      ],
    ],
    [
      "cast to the dead-letter path",
      [
        { type: "cast", config: { fields: { amount: "float" }, on_error: "dlq" } },
        { type: "cast", config: { fields: { active: "bool" }, on_error: "error" } },
      ],
    ],
    [
      "json_parse modes and a nested filter path",
      [
        { type: "json_parse", config: { fields: ["attributes"], on_error: "null" } },
        { type: "filter", config: { path: "attributes.tier", op: "in", value: ["free", "pro"] } },
        { type: "json_parse", config: { fields: ["attributes"], on_error: "dlq" } },
        { type: "filter", config: { path: "$.attributes.tags", op: "exists" } },
      ],
    ],
    [
      "json_parse on_error error, hash into a new field",
      [
        { type: "json_parse", config: { fields: ["attributes"], on_error: "error" } },
        { type: "hash", config: { fields: ["first_name"], into: "token", salt: "s", encoding: "base64" } },
        { type: "hash", config: { fields: ["attributes", "country"] } },
      ],
    ],
    [
      "key reshapes and collisions",
      [
        { type: "keys_case", config: { mode: "pascal", on_collision: "suffix" } },
        { type: "spell_symbols", config: {} },
        { type: "rename_keys", config: { pattern: "^(F|N)", replacement: "x_$1" } },
        { type: "select", config: { fields: ["Id", "x_FirstName", "x_Name", "Amount", "missing"] } },
      ],
    ],
    [
      "rename_field swaps, set, redact, drop",
      [
        { type: "rename_field", config: { fields: { id: "country", country: "id", amount: "name" } } },
        { type: "set", config: { values: { source: "bench", meta: { tags: ["a"] }, id: 0 } } },
        { type: "redact", config: { fields: ["first_name", "nothing"], mask: { hidden: true } } },
        { type: "drop", config: { fields: ["created_at", "attributes"] } },
      ],
    ],
    [
      "stages that are not fused split the runs",
      [
        { type: "keys_case", config: { mode: "snake" } },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a faucet run-time reference, not a template
        { type: "set", config: { values: { page: "${page.index}" } } },
        { type: "cast", config: { fields: { amount: "float" } } },
        {
          type: "filter",
          config: {
            any: [
              { path: "amount", op: "lt", value: 50 },
              { path: "active", op: "eq", value: "true" },
            ],
          },
        },
        { type: "value_case", config: { fields: ["country"], mode: "lower" } },
        { type: "json_parse", config: { fields: ["attributes"], into: "parsed" } },
        { type: "filter", config: { path: "country", op: "regex", value: "^(gb|in)$" } },
        { type: "coalesce", config: { field: "missing", default: 1 } },
        { type: "filter", config: { path: "missing", op: "ne", value: 2 } },
      ],
    ],
  ])("%s", async (_, specs) => {
    await same(specs, PAGES);
  });

  test("a chain that keeps giving pages back stops trying and still matches", async () => {
    const bad = [row(1), { ...(row(2) as object), amount: "bad" }];
    const pages = [...Array.from({ length: 20 }, () => bad), rows(3)];
    const specs: TransformSpec[] = [
      { type: "cast", config: { fields: { amount: "float" }, on_error: "dlq" } },
      { type: "value_case", config: { fields: ["country"], mode: "lower" } },
    ];
    const took = await same(specs, pages);
    expect(took).toEqual(pages.map(() => false));
    expect(counts(createTransforms(specs))).toEqual({ pages: 0, bails: 0 });
  });
});

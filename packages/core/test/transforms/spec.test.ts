// biome-ignore-all lint/suspicious/noTemplateCurlyInString: faucet config syntax (${now.iso}, ${1}) under test, not templates
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  defineTransform,
  FaucetError,
  formatTransformTestReport,
  runTransformSpec,
  schemaFor,
  TransformTestSpecSchema,
  z,
} from "faucet-core";
import { describe, expect, test } from "vitest";
// The YAML parser faucet-cli uses (hoisted in the workspace); core itself reads no YAML.
import { parse } from "yaml";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/transform-tests/orders.spec.yaml", import.meta.url));

describe("runTransformSpec (the engine of `faucet test`)", () => {
  test("the example spec in examples/transform-tests passes", async () => {
    const report = await runTransformSpec(parse(readFileSync(EXAMPLE, "utf8")), { file: "orders.spec.yaml" });
    expect(report.cases.map((c) => [c.name, c.failures])).toEqual(report.cases.map((c) => [c.name, []]));
    expect(report).toMatchObject({ name: "orders cleanup", passed: true, passedCount: 4, failedCount: 0 });
    expect(formatTransformTestReport(report)).toMatch(/✓ casts, normalises[\s\S]*\n4 passed, 0 failed\n$/);
  });

  test("unmet expectations are reported, one line each, never thrown", async () => {
    const report = await runTransformSpec({
      transforms: [{ type: "cast", config: { fields: { n: "int" }, on_error: "dlq" } }],
      dlq: true,
      cases: [
        { name: "wrong record", input: [{ n: "1" }], expect: { records: [{ n: 2 }] } },
        { name: "wrong count", input: [{ n: "1" }, { n: "x" }], expect: { record_count: 2, dead_letter_count: 0 } },
        { name: "expected an error", input: [{ n: "1" }], expect: { error: "boom" } },
        {
          name: "wrong dead letter",
          input: [{ n: "x" }],
          expect: {
            dead_letter: [{ payload: { n: "y" }, reason: "sink_rejected", error_kind: "config", error: "zzz" }],
          },
        },
        { name: "right", input: [{ n: "x" }, { n: "2" }], expect: { records: [{ n: 2 }], dead_letter_count: 1 } },
      ],
    });
    expect(report.passed).toBe(false);
    expect(report.failedCount).toBe(4);
    const [wrong, count, error, dead, right] = report.cases;
    expect(wrong?.failures).toEqual(["records differ at [0].n: expected 2, got 1"]);
    expect(count?.failures).toEqual(["expected 2 records, got 1", "expected 0 dead-letter rows, got 1"]);
    expect(error?.failures).toEqual(['expected the run to fail with "boom", but it succeeded']);
    expect(dead?.failures).toEqual([
      'dead_letter[0].payload.n: expected "y", got "x"',
      "dead_letter[0].reason: expected sink_rejected, got transform_rejected",
      "dead_letter[0].error.kind: expected config, got transform",
      expect.stringContaining('dead_letter[0].error: expected it to contain "zzz"'),
    ]);
    expect(right?.passed).toBe(true);
    expect(formatTransformTestReport(report)).toContain("✗ wrong record\n    records differ at [0].n");
  });

  test("an unexpected failure, a config error under test, budgets, batch size", async () => {
    const report = await runTransformSpec({
      transforms: [{ type: "cast", config: { fields: { n: "int" } } }],
      batch_size: 1,
      cases: [
        { name: "fails", input: [{ n: "x" }], expect: { record_count: 0 } },
        {
          name: "bad config is an expected error",
          transforms: [{ type: "cast", config: { fields: { n: "uuid" } } }],
          input: [],
          expect: { error: { kind: "config", message: "fields.n" } },
        },
        {
          name: "budget",
          transforms: [{ type: "cast", config: { fields: { n: "int" }, on_error: "dlq" } }],
          dlq: { max_failures_per_page: 1 },
          batch_size: 3,
          input: [{ n: "a" }, { n: "b" }, { n: "1" }],
          expect: { error: { kind: "quality" }, records: [{ n: 1 }], dead_letter_count: 2 },
        },
      ],
    });
    expect(report.cases[0]?.failures).toEqual([
      expect.stringContaining("the run failed: [faucet] cast: field `n` to int failed"),
    ]);
    expect(report.cases[0]?.error?.kind).toBe("transform");
    expect(report.cases[1]?.passed).toBe(true);
    expect(report.cases[2]?.failures).toEqual([]);
  });

  test("now and run_id pin run-time values; the input fixture is not modified", async () => {
    const input = [{ id: "1" }];
    const report = await runTransformSpec({
      now: "2030-01-02T03:04:05Z",
      run_id: "run-42",
      pipeline_name: "nightly",
      transforms: [
        { type: "cast", config: { fields: { id: "int" } } },
        { type: "set", config: { values: { at: "${now.iso}", run: "${run.id}", p: "${pipeline.name}" } } },
      ],
      cases: [
        {
          name: "pinned",
          input,
          expect: { records: [{ id: 1, at: "2030-01-02T03:04:05.000Z", run: "run-42", p: "nightly" }] },
        },
      ],
    });
    expect(report.cases[0]?.failures).toEqual([]);
    expect(input).toEqual([{ id: "1" }]);
  });

  test("third-party transforms and a pipeline file through the loader hook", async () => {
    const double = defineTransform({
      type: "double",
      description: "Doubles n",
      config: z.strictObject({}),
      create: () => (records) => records.map((r) => ({ n: (r as { n: number }).n * 2 })),
    });
    const report = await runTransformSpec(
      {
        pipeline: "./pipeline.yaml",
        cases: [{ name: "from the pipeline", input: [{ n: 2 }], expect: { records: [{ n: 4 }] } }],
      },
      {
        definitions: [double],
        loadPipeline: (path, baseDir) => {
          expect([path, baseDir]).toEqual(["./pipeline.yaml", "/specs"]);
          return { transforms: [{ type: "double" }] };
        },
        baseDir: "/specs",
      },
    );
    expect(report.passed).toBe(true);
  });

  test("a malformed spec is a config error naming the key", async () => {
    const bad = async (spec: unknown) => {
      const error = await runTransformSpec(spec, { file: "x.spec.yaml" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FaucetError);
      expect((error as FaucetError).kind).toBe("config");
      return (error as FaucetError).message;
    };
    expect(await bad({ cases: [] })).toContain("x.spec.yaml.cases");
    expect(await bad({ cases: [{ name: "a", input: [], expect: {} }] })).toContain("say what to expect");
    expect(await bad({ cases: [{ name: "a", input: {}, expect: { record_count: 0 } }] })).toContain("cases[0].input");
    expect(await bad({ case: [] })).toContain("did you mean `cases`");
    expect(await bad({ now: "yesterday", cases: [{ name: "a", input: [], expect: { record_count: 0 } }] })).toContain(
      "not a date-time",
    );
    expect(await bad({ pipeline: "p.yaml", cases: [{ name: "a", input: [], expect: { record_count: 0 } }] })).toContain(
      "needs a pipeline loader",
    );
    const report = await runTransformSpec({
      cases: [{ name: "no transforms", input: [], expect: { record_count: 0 } }],
    });
    expect(report.cases[0]?.failures[0]).toContain("has no transforms to test");
  });

  test("the spec schema is a strict JSON Schema with every field described", () => {
    const schema = schemaFor(TransformTestSpecSchema) as { properties: Record<string, { description?: string }> };
    for (const [key, property] of Object.entries(schema.properties))
      expect([key, property.description]).not.toContainEqual(undefined);
  });
});

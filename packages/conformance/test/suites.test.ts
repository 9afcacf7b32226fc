import { testSink, testSource } from "faucet-conformance";
import { FaucetError } from "faucet-core";
import { describe, expect, test } from "vitest";
import { DatasetSource, records, Table, TableSink, TableSource } from "./doubles.js";
import { runNestedSuites } from "./nested-run.js";

// Correct doubles pass the whole battery, registered exactly as a connector's test does.
const sourceTable = new Table();
testSource({
  name: "testSource on a correct incremental source",
  create: (config: { batch_size?: number; fail?: boolean }) => {
    if (config.fail) throw new FaucetError("config", "cannot build");
    return new TableSource(sourceTable, { batchSize: config.batch_size ?? 100 });
  },
  config: {},
  seed: (rows) => {
    sourceTable.rows = rows;
  },
  records: 40,
  failing: { config: { fail: true }, kind: "config", title: "a config it refuses" },
  additionalTests: ({ open, records }) => {
    test("additionalTests run inside the suite with its seeded data", async () => {
      expect(records).toBe(40);
      expect(await (await open()).fetchWithContext({})).toHaveLength(40);
    });
  },
});

const datasets = { orders: records(5), users: records(3) };
testSource({
  name: "testSource on a discoverable source",
  create: (config: { dataset?: string }) => new DatasetSource(datasets, config),
  config: { dataset: "orders" },
  records: 5,
  withBatchSize: (config) => config,
});

const sinkTable = new Table();
testSink({
  name: "testSink on a correct sink in every mode",
  create: (config: { mode?: "append" | "upsert" | "delete"; overwrite?: boolean }) => new TableSink(sinkTable, config),
  config: {},
  configs: { upsert: { mode: "upsert" }, delete: { mode: "delete" }, overwrite: { overwrite: true } },
  count: sinkTable.count,
  read: sinkTable.read,
  reset: () => {
    sinkTable.rows = [];
  },
});

const watermarkTable = new Table();
testSink({
  name: "testSink on an atomic-watermark, evolving sink",
  create: (config: { mode?: "upsert" | "delete"; down?: boolean }) =>
    new TableSink(watermarkTable, { watermark: true, evolve: true, buffered: true, ...config }),
  config: {},
  configs: { upsert: { mode: "upsert" }, delete: { mode: "delete" } },
  count: watermarkTable.count,
  failing: { config: { down: true }, kind: "connection", title: "a server that is down" },
});

describe("suites choose checks by capabilities and fail broken connectors", () => {
  test("the broken fixtures fail exactly the checks they break, and skip what they do not claim", async () => {
    const results = (await runNestedSuites(new URL("fixtures/vitest.config.ts", import.meta.url))).map((r) => ({
      ...r,
      check: r.title.split(":")[0],
    }));
    const statuses = (suite: string, status: string) =>
      results.filter((r) => r.suite === suite && r.status === status).map((r) => r.check);

    expect(statuses("source that ignores its bookmark", "failed")).toEqual(["assertBookmarkRoundtrip"]);
    expect(statuses("source that ignores its bookmark", "skipped")).toEqual([
      "assertDiscoverRoundtrips",
      "assertNativePagesMatch",
      "assertPreflightCheckWellFormed",
      "assertErrorsNotCrashes",
    ]);
    expect(statuses("sink that lies about upsert", "failed")).toEqual([
      "assertIdempotentReplay",
      "assertWriteModesTruthful",
    ]);
    expect(statuses("sink that drops rows on cancel", "failed")).toEqual([
      "assertCapabilitiesTruthful",
      "assertWriteModesTruthful",
      "assertCancellationFlushes",
    ]);
    expect(statuses("minimal sink", "failed")).toEqual([
      "assertConnectorNameNonEmpty",
      "assertCapabilitiesTruthful",
      "assertCancellationFlushes",
    ]);
    expect(statuses("minimal sink", "skipped")).toEqual([
      "assertConfigSchemaValid",
      "assertNativeDeclinesUnknown",
      "assertIdempotentReplay",
      "assertWriteModesTruthful",
      "assertSchemaEvolutionEffective",
      "assertPreflightCheckWellFormed",
      "assertErrorsNotCrashes",
    ]);
    expect(statuses("minimal sink", "passed")).toEqual(["assertResourcesReleased"]);
  });
});

// The template's tests: the conformance battery first (source, then sink), then what is
// specific to this connector.
import { testSink, testSource } from "faucet-conformance";
import {
  memory,
  sinkDefinition,
  sourceDefinition,
  TemplateSink,
  type TemplateSinkInput,
  TemplateSource,
  type TemplateSourceInput,
} from "faucet-connector-template";
import { FaucetError, MemoryStateStore, Pipeline, parseConfig, schemaFor, silentLogger } from "faucet-core";
import { expect, test } from "vitest";

testSource({
  create: (config: TemplateSourceInput) => new TemplateSource(config),
  config: { dataset: "source-test", replication_key: "id" },
  seed: (records) => memory.replace("source-test", records),
  failing: { config: { dataset: "missing" }, kind: "source", title: "a dataset that does not exist" },
  additionalTests: ({ open }) => {
    test("reads every record when no replication_key is set", async () => {
      const source = await open({ dataset: "source-test", batch_size: 7 });
      expect(source.capabilities?.()).toEqual({ incremental: false, deterministicReplay: false, discover: true });
      expect(await source.fetchWithContext({})).toHaveLength(120);
    });
  },
});

test("the definition parses a YAML-shaped config and builds a working source", async () => {
  expect(sourceDefinition).toMatchObject({ kind: "source", type: "template" });
  memory.replace("orders", [{ id: 1 }, { id: 2 }]);
  const context = { baseDir: ".", logger: silentLogger, pipeline: "test" };
  const source = await sourceDefinition.create(parseConfig(sourceDefinition.config, { dataset: "orders" }), context);
  expect(await source.fetchWithContext({})).toEqual([{ id: 1 }, { id: 2 }]);
});

test("an incremental run writes only the records added since the last one", async () => {
  memory.replace("events", [{ id: 1 }, { id: 2 }]);
  memory.drop("events_copy");
  const state = new MemoryStateStore();
  const run = () =>
    new Pipeline(
      new TemplateSource({ dataset: "events", replication_key: "id" }),
      new TemplateSink({ dataset: "events_copy" }),
      { stateStore: state, name: "events", logger: silentLogger },
    ).run();
  expect((await run()).recordsWritten).toBe(2);
  memory.replace("events", [{ id: 1 }, { id: 2 }, { id: 3 }]);
  const second = await run();
  expect(second.recordsWritten).toBe(1);
  expect(second.bookmark).toBe(3);
  expect(memory.rows("events_copy")).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
});

test("an unknown key is a config error that names the closest valid key", () => {
  expect(() => new TemplateSource({ dataset: "x", batch_sise: 5 } as never)).toThrow(
    "`batch_sise`: unknown key; did you mean `batch_size`?",
  );
});

test("a closed connector refuses to work, with a FaucetError", async () => {
  memory.replace("closed", [{ id: 1 }]);
  const source = new TemplateSource({ dataset: "closed" });
  await source.close();
  await expect(source.fetchWithContext({})).rejects.toThrow("[faucet] [source-template] the source is closed");
});

const sinkConfig = { dataset: "sink-test" };
testSink({
  create: (config: TemplateSinkInput) => new TemplateSink(config),
  config: sinkConfig,
  configs: {
    upsert: { ...sinkConfig, write_mode: "upsert", key: ["id"], delete_marker: { field: "__op", values: ["d"] } },
    delete: { ...sinkConfig, write_mode: "delete", key: ["id"] },
  },
  count: () => memory.rows("sink-test")?.length ?? 0,
  read: () => memory.rows("sink-test") ?? [],
  reset: () => memory.drop("sink-test"),
  failing: {
    config: { ...sinkConfig, write_mode: "upsert", key: ["tenant"] },
    kind: "sink",
    title: "a key the records lack",
  },
});

test("the definition parses a YAML-shaped config and builds a working sink", async () => {
  expect(sinkDefinition).toMatchObject({ kind: "sink", type: "template" });
  expect(schemaFor(sinkDefinition.config)).toMatchObject({ type: "object", required: ["dataset"] });
  memory.drop("orders_copy");
  const context = { baseDir: ".", logger: silentLogger, pipeline: "test" };
  const config = parseConfig(sinkDefinition.config, { dataset: "orders_copy", write_mode: "upsert", key: ["id"] });
  const sink = await sinkDefinition.create(config, context);
  const source = { fetchWithContext: async () => [{ id: 1 }, { id: 2 }, { id: 1, fixed: true }] };
  const result = await new Pipeline(source, sink, { logger: silentLogger }).run();
  expect(result.recordsWritten).toBe(3);
  expect(memory.rows("orders_copy")).toEqual([{ id: 1, fixed: true }, { id: 2 }]);
});

test("upsert and delete need a key, and every record written needs it", async () => {
  expect(() => new TemplateSink({ dataset: "x", write_mode: "upsert" })).toThrow(
    "write_mode upsert needs a non-empty key",
  );
  const sink = new TemplateSink({ dataset: "keyed", write_mode: "upsert", key: ["id"] });
  const error = await sink.writeBatch([{ id: 1 }, { name: "no id" }]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FaucetError);
  expect((error as FaucetError).message).toBe(
    "[faucet] [sink-template] record 1 has no value for key field `id` (hint: every record written with upsert or delete needs each `key` field)",
  );
  expect(memory.rows("keyed")).toBeUndefined();
});

test("a delete marker deletes its key, and the marker field is not stored", async () => {
  memory.drop("marked");
  const sink = new TemplateSink({
    dataset: "marked",
    write_mode: "upsert",
    key: ["id"],
    delete_marker: { field: "__op", values: ["d"] },
  });
  await sink.writeBatch([
    { id: 1, __op: "c" },
    { id: 2, __op: "c" },
  ]);
  await sink.writeBatch([{ id: 1, __op: "d" }]);
  expect(memory.rows("marked")).toEqual([{ id: 2 }]);
});

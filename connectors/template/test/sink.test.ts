// The template sink's tests: the conformance battery first, then what is specific to it.

import { testSink } from "faucet-conformance";
import { memory, sinkDefinition, TemplateSink, type TemplateSinkInput } from "faucet-connector-template";
import { FaucetError, Pipeline, parseConfig, schemaFor, silentLogger } from "faucet-core";
import { expect, test } from "vitest";

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

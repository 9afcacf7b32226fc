// The template source's tests: the conformance battery first, then what is specific to it.

import { testSource } from "faucet-conformance";
import {
  memory,
  sourceDefinition,
  TemplateSink,
  TemplateSource,
  type TemplateSourceInput,
} from "faucet-connector-template";
import { MemoryStateStore, Pipeline, parseConfig, silentLogger } from "faucet-core";
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

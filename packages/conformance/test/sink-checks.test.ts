import {
  assertCapabilitiesTruthful,
  assertIdempotentReplay,
  assertSchemaEvolutionEffective,
  assertWriteModesTruthful,
} from "faucet-conformance";
import { describe, expect, test } from "vitest";
import { type SinkFault, Table, TableSink, type TableSinkOptions } from "./doubles.js";
import { failure } from "./failure.js";

function setup(options: TableSinkOptions = {}) {
  const table = new Table();
  return { table, sink: new TableSink(table, options), count: table.count, read: table.read };
}
const faulty = (options: TableSinkOptions, ...faults: SinkFault[]) => setup({ ...options, faults });

describe("assertIdempotentReplay", () => {
  test("passes for an atomic-watermark sink and for a keyed-upsert sink", async () => {
    const watermark = setup({ watermark: true });
    await assertIdempotentReplay(watermark.sink, watermark);
    expect(watermark.table.rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
    const keyed = setup({ mode: "upsert" });
    await assertIdempotentReplay(keyed.sink, keyed);
  });

  test("fails for a sink that claims a watermark but does not store its token", async () => {
    const { sink, count } = faulty({ watermark: true }, "token-not-stored");
    const error = await failure("assertIdempotentReplay", () => assertIdempotentReplay(sink, { count }));
    expect(error.detail).toBe(
      'lastCommittedToken("faucet-conformance") returned undefined after page 1, expected "00000000000000000001#{\\"id\\":3}"',
    );
  });

  test("fails for a watermark sink that writes rows twice or mixes up scopes", async () => {
    const twice = faulty({ watermark: true }, "watermark-duplicates");
    expect((await failure("assertIdempotentReplay", () => assertIdempotentReplay(twice.sink, twice))).detail).toBe(
      "page 1 of 3 new rows added 6 rows",
    );
    const unscoped = faulty({ watermark: true }, "token-unscoped");
    expect(
      (await failure("assertIdempotentReplay", () => assertIdempotentReplay(unscoped.sink, unscoped))).detail,
    ).toContain("tokens must be kept per scope");
  });

  test("fails for a sink that lies about upsert", async () => {
    const { sink, count } = faulty({ mode: "upsert" }, "upsert-appends");
    const error = await failure("assertIdempotentReplay", () => assertIdempotentReplay(sink, { count }));
    expect(error.detail).toBe("pages with ids 1–3 and 2–4 added 6 rows, expected 4 distinct keys");
  });

  test("fails for a sink that claims no dedup mechanism", async () => {
    const { sink, count } = setup();
    const error = await failure("assertIdempotentReplay", () => assertIdempotentReplay(sink, { count }));
    expect(error.detail).toContain("claims neither atomicWatermark nor dedupsByKey");
  });
});

describe("assertCapabilitiesTruthful", () => {
  test.each([
    ["an append sink", {}],
    ["a keyed-upsert sink", { mode: "upsert" }],
    ["a watermark sink", { watermark: true }],
    ["an evolving sink", { evolve: true }],
  ] as const)("passes for %s", async (_name, options) => {
    const s = setup(options);
    await assertCapabilitiesTruthful(s.sink, s);
  });

  test.each([
    ["no-append-mode", {}, 'lacks "append"'],
    ["appends-nothing", {}, "appending 2 rows added 0"],
    ["reports-token", {}, "claims no atomic watermark yet lastCommittedToken returned"],
    ["claims-replay-safe", {}, "replaySafeWrites is claimed but writing the same page again added 2 rows"],
    ["upsert-appends", { mode: "upsert" }, "expected 4 distinct keys"],
    ["token-not-stored", { watermark: true }, "lastCommittedToken"],
  ] as const)("fails for a sink with fault %s", async (fault, options, message) => {
    const s = faulty(options, fault);
    const error = await failure("assertCapabilitiesTruthful", () => assertCapabilitiesTruthful(s.sink, s));
    expect(error.message).toContain(message);
  });

  test("fails for a sink that claims evolution without the methods", async () => {
    const sink = {
      connectorName: () => "sink-x",
      writeBatch: async () => 0,
      capabilities: () => ({ schemaEvolution: true }),
    };
    const error = await failure("assertCapabilitiesTruthful", () =>
      assertCapabilitiesTruthful(sink as never, { count: () => 0 }),
    );
    expect(error.detail).toContain("currentSchema() or evolveSchema() is missing");
  });
});

describe("assertWriteModesTruthful", () => {
  function modes(faults: SinkFault[] = [], options: TableSinkOptions = {}) {
    const table = new Table();
    return {
      table,
      sink: new TableSink(table, { ...options, faults }),
      sinks: {
        upsert: new TableSink(table, { ...options, mode: "upsert", faults }),
        delete: new TableSink(table, { ...options, mode: "delete", faults }),
        overwrite: new TableSink(table, { ...options, faults }),
      },
      count: table.count,
      read: table.read,
    };
  }

  test("passes for a sink whose upsert, delete and overwrite work", async () => {
    await assertWriteModesTruthful(modes().sink, modes());
    const all = modes([], { overwrite: true });
    await assertWriteModesTruthful(all.sink, all);
  });

  test("passes with keyless rows reported through writeBatchPartial", async () => {
    const partial = modes([], { partial: true });
    await assertWriteModesTruthful(partial.sink, partial);
  });

  test("an upsert sink that deletes by marker serves as the delete sink", async () => {
    const table = new Table();
    const upsert = new TableSink(table, { mode: "upsert" });
    await assertWriteModesTruthful(new TableSink(table), { count: table.count, read: table.read, sinks: { upsert } });
  });

  test.each([
    ["upsert-appends", {}, "added 3 rows, expected 2"],
    ["upsert-keeps-old", {}, "was not updated in place"],
    ["keyless-written", {}, 'writeBatch accepted {"v":"missing id"}'],
    ["keyless-written", { partial: true }, "writeBatchPartial reported failures at []"],
    ["delete-ignored", {}, 'a record marked {"__op":"d"} for id 11 left 1 rows behind'],
    ["overwrite-appends", { overwrite: true }, "after commitOverwrite the destination holds"],
    ["abort-keeps-staged", { overwrite: true }, "abortOverwrite changed the destination"],
  ] as const)("fails for a sink with fault %s %j", async (fault, options, message) => {
    const m = modes([fault], options);
    const error = await failure("assertWriteModesTruthful", () => assertWriteModesTruthful(m.sink, m));
    expect(error.message).toContain(message);
  });

  test("fails when a claimed mode has no sink configured for it", async () => {
    const table = new Table();
    const error = await failure("assertWriteModesTruthful", () =>
      assertWriteModesTruthful(new TableSink(table), { count: table.count }),
    );
    expect(error.detail).toContain("no sink configured for upsert was given (configs.upsert)");
  });
});

describe("assertSchemaEvolutionEffective", () => {
  test("passes when the new column shows in currentSchema()", async () => {
    const { sink, table } = setup({ evolve: true });
    await assertSchemaEvolutionEffective(sink);
    expect(table.columns).toEqual(["id", "v", "faucet_conformance_evolved"]);
  });

  test("fails when evolveSchema changes nothing", async () => {
    const { sink } = faulty({ evolve: true }, "evolve-noop");
    const error = await failure("assertSchemaEvolutionEffective", () => assertSchemaEvolutionEffective(sink));
    expect(error.detail).toBe(
      'evolveSchema resolved but currentSchema() does not show faucet_conformance_evolved: ["id","v"]',
    );
  });

  test("fails for a sink that does not claim evolution, or whose column exists already", async () => {
    await failure("assertSchemaEvolutionEffective", () => assertSchemaEvolutionEffective(setup().sink));
    const { sink } = setup({ evolve: true });
    const error = await failure("assertSchemaEvolutionEffective", () =>
      assertSchemaEvolutionEffective(sink, { column: "V" }),
    );
    expect(error.detail).toContain("column V exists already");
  });
});

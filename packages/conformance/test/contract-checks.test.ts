import {
  assertConfigSchemaValid,
  assertConnectorNameNonEmpty,
  assertPreflightCheckWellFormed,
  ConformanceError,
} from "faucet-conformance";
import { schemaFor, secret, z } from "faucet-core";
import { describe, expect, test } from "vitest";
import { CheckedSink, Table, TableSource } from "./doubles.js";

/** Runs `fn` and returns the ConformanceError it must throw. */
async function failure(fn: () => unknown): Promise<ConformanceError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConformanceError);
    return error as ConformanceError;
  }
  throw new Error("the check passed, but it should have failed");
}

describe("assertConfigSchemaValid", () => {
  const Config = z.strictObject({
    path: z.string().describe("File to read"),
    password: secret(z.string()).optional(),
    mode: z.enum(["a", "b"]).default("a"),
  });

  test("passes for a connector's zod-derived schema and for the schema itself", () => {
    assertConfigSchemaValid(new TableSource(new Table()));
    assertConfigSchemaValid(schemaFor(Config));
    assertConfigSchemaValid({ $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: {} });
  });

  test("fails for an object that is not a schema", async () => {
    const error = await failure(() => assertConfigSchemaValid({ nope: 1 }));
    expect(error.check).toBe("assertConfigSchemaValid");
    expect(error.message).toContain("has none of type, properties");
  });

  test("fails for a schema Ajv cannot compile", async () => {
    const error = await failure(() => assertConfigSchemaValid({ type: "strin" }));
    expect(error.message).toContain("Ajv cannot compile");
  });

  test("fails for a schema that changes in a JSON round trip", async () => {
    const error = await failure(() =>
      assertConfigSchemaValid({ type: "object", properties: { a: { type: "string", default: undefined } } }),
    );
    expect(error.message).toContain("JSON round trip");
  });

  test("fails for a connector whose configSchema() is not an object or throws", async () => {
    const named = { connectorName: () => "source-x", fetchWithContext: async () => [] };
    expect(
      (await failure(() => assertConfigSchemaValid({ ...named, configSchema: () => "{}" as never }))).message,
    ).toBe('[conformance] assertConfigSchemaValid (source-x): configSchema() returned "{}", not an object');
    const throwing = {
      ...named,
      configSchema: () => {
        throw new Error("boom");
      },
    };
    expect((await failure(() => assertConfigSchemaValid(throwing))).message).toContain("configSchema() threw");
    expect((await failure(() => assertConfigSchemaValid(named))).message).toContain("has no configSchema()");
  });
});

describe("assertConnectorNameNonEmpty", () => {
  test("passes for a named connector", () => {
    assertConnectorNameNonEmpty(new TableSource(new Table()));
  });

  test("fails for a missing, empty or blank name", async () => {
    const base = { fetchWithContext: async () => [] };
    expect((await failure(() => assertConnectorNameNonEmpty(base))).message).toContain("no connectorName() method");
    expect((await failure(() => assertConnectorNameNonEmpty({ ...base, connectorName: () => "" }))).message).toContain(
      'returned ""',
    );
    expect((await failure(() => assertConnectorNameNonEmpty({ ...base, connectorName: () => "  " }))).check).toBe(
      "assertConnectorNameNonEmpty",
    );
  });
});

describe("assertPreflightCheckWellFormed", () => {
  test("passes for named probes with reasons that change nothing", async () => {
    const table = new Table();
    await assertPreflightCheckWellFormed(new CheckedSink(table), { snapshot: table.read });
  });

  test.each([
    ["rejects", "check() rejected"],
    ["no-probes", "returned no probes"],
    ["no-reason", "is skip but gives no reason"],
    ["no-name", "has no name"],
    ["no-elapsed", "has elapsedMs null"],
  ] as const)("fails when check() %s", async (fault, message) => {
    const error = await failure(() => assertPreflightCheckWellFormed(new CheckedSink(new Table(), fault)));
    expect(error.message).toContain(message);
  });

  test("fails when check() changes the backend", async () => {
    const table = new Table();
    const error = await failure(() =>
      assertPreflightCheckWellFormed(new CheckedSink(table, "mutates"), { snapshot: table.read }),
    );
    expect(error.message).toContain("check() changed the backend");
  });

  test("fails for a connector without check()", async () => {
    const error = await failure(() => assertPreflightCheckWellFormed(new TableSource(new Table())));
    expect(error.message).toContain("has no check() method");
  });
});

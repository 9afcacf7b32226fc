import { isDeepStrictEqual } from "node:util";
import { Ajv } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { CheckReport, FetchContext, JsonSchema } from "faucet-core";
import { isValueObject } from "faucet-core";
import { describeError, type Reporter, reporter, safeJson } from "./failure.js";
import { type Connector, connectorLabel } from "./fixtures.js";

const SCHEMA_KEYWORDS = ["type", "properties", "$ref", "oneOf", "anyOf", "allOf", "enum"] as const;

/**
 * Check 1: the connector's `configSchema()` (or the schema itself) is a JSON Schema object —
 * it has at least one of `type`, `properties`, `$ref`, `oneOf`, `anyOf`, `allOf`, `enum` —
 * compiles with Ajv (draft 2020-12 unless its `$schema` says otherwise), and survives a
 * `JSON.stringify` / `JSON.parse` round trip unchanged (no `undefined`, functions or class
 * instances hiding in it), so `faucet schema` and `faucet init` can use it as is.
 *
 * @example
 * assertConfigSchemaValid(new CsvSource(config));
 * assertConfigSchemaValid(schemaFor(CsvConfig));
 */
export function assertConfigSchemaValid(subject: Connector | JsonSchema): void {
  const isConnector = typeof (subject as Connector).configSchema === "function";
  const report: Reporter = reporter(
    "assertConfigSchemaValid",
    isConnector ? connectorLabel(subject as Connector) : "schema",
  );
  let schema: unknown = subject;
  if (isConnector) {
    try {
      schema = (subject as Connector).configSchema?.();
    } catch (error) {
      report.fail(`configSchema() threw: ${describeError(error)}`, error);
    }
  } else if ("writeBatch" in subject || "fetchWithContext" in subject) {
    report.fail("the connector has no configSchema(); return schemaFor(YourConfig) from it");
  }
  report.ensure(isValueObject(schema as never), () => `configSchema() returned ${safeJson(schema)}, not an object`);
  const object = schema as JsonSchema;
  report.ensure(
    SCHEMA_KEYWORDS.some((keyword) => keyword in object),
    () => `the schema has none of ${SCHEMA_KEYWORDS.join(", ")}: ${safeJson(object)}`,
  );
  if ("type" in object) {
    report.ensure(
      typeof object.type === "string" || Array.isArray(object.type),
      () => `the schema's type must be a string or an array, got ${safeJson(object.type)}`,
    );
  }
  if ("properties" in object) {
    report.ensure(isValueObject(object.properties as never), "the schema's properties must be an object");
  }
  let copy: unknown;
  try {
    copy = JSON.parse(JSON.stringify(object));
  } catch (error) {
    report.fail(`the schema does not serialize to JSON: ${describeError(error)}`, error);
  }
  report.ensure(
    isDeepStrictEqual(copy, object),
    "the schema changes in a JSON round trip (it holds undefined, functions, class instances or non-finite numbers)",
  );
  try {
    ajvFor(object).compile(object);
  } catch (error) {
    report.fail(`Ajv cannot compile the schema: ${describeError(error)}`, error);
  }
}

/** An Ajv instance for the draft the schema declares (2020-12 when it declares none). */
function ajvFor(schema: JsonSchema): { compile(schema: object): unknown } {
  const draft = typeof schema.$schema === "string" ? schema.$schema : "";
  // Non-strict: connectors may annotate fields with extra keywords (faucet's `secret`).
  const options = { strict: false, allErrors: true, validateFormats: false };
  if (/draft-0[467]/.test(draft)) return new Ajv(options);
  if (draft.includes("2019-09")) return new Ajv2019(options);
  return new Ajv2020(options);
}

/**
 * Check 10: `connectorName()` exists and returns a non-empty, non-blank string (it prefixes
 * every error and log line and labels metrics), e.g. `source-csv`.
 *
 * @example
 * assertConnectorNameNonEmpty(new CsvSource(config));
 */
export function assertConnectorNameNonEmpty(connector: Connector): void {
  const report: Reporter = reporter("assertConnectorNameNonEmpty", "connector");
  report.ensure(typeof connector.connectorName === "function", "the connector has no connectorName() method");
  let name: unknown;
  try {
    name = connector.connectorName?.();
  } catch (error) {
    report.fail(`connectorName() threw: ${describeError(error)}`, error);
  }
  report.ensure(typeof name === "string", () => `connectorName() returned ${safeJson(name)}, not a string`);
  report.ensure(
    (name as string).trim() !== "",
    () => `connectorName() returned ${safeJson(name)}; name it e.g. \`source-foo\``,
  );
}

/** Options of {@link assertPreflightCheckWellFormed}. */
export interface PreflightOptions {
  /** Passed to `check()`. Default `{}`. */
  context?: FetchContext;
  /**
   * A picture of the backend (rows, files, offsets) taken before and after `check()`; the two
   * must be equal, because a pre-flight check must not change anything.
   */
  snapshot?: () => unknown | Promise<unknown>;
}

/**
 * Check 11: `check()` resolves (never rejects) to a report with at least one probe; every probe
 * has a name, a status of `pass`, `fail` or `skip` and an elapsed time, and every failed or
 * skipped probe says why. With `snapshot`, the backend must look the same before and after.
 *
 * @example
 * await assertPreflightCheckWellFormed(sink, { snapshot: () => countRows() });
 */
export async function assertPreflightCheckWellFormed(
  connector: Connector,
  options: PreflightOptions = {},
): Promise<void> {
  const report: Reporter = reporter("assertPreflightCheckWellFormed", connectorLabel(connector));
  report.ensure(typeof connector.check === "function", "the connector has no check() method");
  const before = options.snapshot ? await report.step("snapshot() before check()", options.snapshot) : undefined;
  let result: CheckReport | undefined;
  try {
    result = await connector.check?.(options.context ?? {});
  } catch (error) {
    report.fail(
      `check() rejected (${describeError(error)}); a failed probe is data: return { status: "fail", reason } instead`,
      error,
    );
  }
  report.ensure(
    result !== undefined && isValueObject(result as never) && Array.isArray(result.probes),
    () => `check() resolved to ${safeJson(result)}, not { probes: [...] }`,
  );
  report.ensure(result.probes.length > 0, "check() returned no probes; report at least one (e.g. `connect`)");
  for (const [index, probe] of result.probes.entries()) {
    const label = `probe ${index} (${safeJson(probe?.name)})`;
    report.ensure(typeof probe?.name === "string" && probe.name.trim() !== "", `${label} has no name`);
    report.ensure(
      probe.status === "pass" || probe.status === "fail" || probe.status === "skip",
      () => `${label} has status ${safeJson(probe.status)}; use pass, fail or skip`,
    );
    if (probe.status !== "pass") {
      report.ensure(
        typeof probe.reason === "string" && probe.reason.trim() !== "",
        `${label} is ${probe.status} but gives no reason`,
      );
    }
    report.ensure(
      typeof probe.elapsedMs === "number" && Number.isFinite(probe.elapsedMs) && probe.elapsedMs >= 0,
      () => `${label} has elapsedMs ${safeJson(probe.elapsedMs)}; use probe() from faucet-core to time it`,
    );
  }
  if (options.snapshot) {
    const after = await report.step("snapshot() after check()", options.snapshot);
    report.ensure(
      isDeepStrictEqual(after, before),
      () => `check() changed the backend: before ${safeJson(before)}, after ${safeJson(after)}`,
    );
  }
}

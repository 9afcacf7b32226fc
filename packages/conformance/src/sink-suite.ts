import { type Sink, sinkCapabilities } from "faucet-core";
import { beforeEach, describe } from "vitest";
import {
  assertConfigSchemaValid,
  assertConnectorNameNonEmpty,
  assertPreflightCheckWellFormed,
} from "./contract-checks.js";
import type { CountRows, ReadRows } from "./fixtures.js";
import {
  assertCancellationFlushes,
  assertErrorsNotCrashes,
  assertResourcesReleased,
  type ResourcesOptions,
} from "./runtime-checks.js";
import {
  assertCapabilitiesTruthful,
  assertIdempotentReplay,
  assertNativeDeclinesUnknown,
  assertSchemaEvolutionEffective,
  assertWriteModesTruthful,
} from "./sink-checks.js";
import type { FailingConfig } from "./source-suite.js";
import { check, Opened } from "./suite-support.js";

/** What `additionalTests` receives. */
export interface SinkSuite<C> {
  /** Builds a sink (default: from the suite's config) that is closed after the test. */
  open(config?: C): Promise<Sink>;
}

/** Options of {@link testSink}. */
export interface SinkSuiteOptions<C> {
  /** Title of the `describe` block. Default `faucet conformance: sink`. */
  name?: string;
  /** Builds a sink from a config; every test gets fresh ones. */
  create: (config: C) => Sink | Promise<Sink>;
  /** The default config (usually `write_mode: append`). */
  config: C;
  /**
   * Configs for the write modes the sink claims, all writing to the destination `count` reads:
   * `upsert` keyed on `id`; `delete` so a record marked `{"__op": "d"}` deletes its `id`
   * (an upsert config with that delete marker, or a delete mode); `overwrite`.
   */
  configs?: { upsert?: C; delete?: C; overwrite?: C };
  /** Rows in the destination now (e.g. `SELECT count(*)`). */
  count: CountRows;
  /** Every row in the destination now; when given, values are checked too, not just counts. */
  read?: ReadRows;
  /** Empties the destination before every test. Without it, each check uses its own ids. */
  reset?: () => unknown | Promise<unknown>;
  /** Configs the sink must fail with, for {@link assertErrorsNotCrashes}. */
  failing?: FailingConfig<C> | FailingConfig<C>[];
  /** A picture of the destination that `check()` must not change. Default: `read`, else `count`. */
  snapshot?: () => unknown | Promise<unknown>;
  /** How to exercise the sink before closing it in {@link assertResourcesReleased}. */
  use?: ResourcesOptions["use"];
  /** Registers the connector's own tests inside the suite's `describe`. */
  additionalTests?: (suite: SinkSuite<C>) => void;
}

/**
 * Registers the conformance battery for a sink as vitest tests in one `describe` block. Every
 * test builds fresh sinks with `create`; checks whose capability the sink does not claim
 * (a dedup mechanism, write modes beyond append, schema evolution, a `check()` method) are
 * reported as skipped with the reason, so a capability that is claimed is always tested.
 * Records are `{ id, v }` with integer ids; upsert and delete are keyed on `id`.
 *
 * @example
 * testSink({
 *   create: (config) => new MemorySink(config),
 *   config: { dataset: "out" },
 *   configs: { upsert: { dataset: "out", write_mode: "upsert", key: ["id"] } },
 *   count: () => backend.rows("out").length,
 *   reset: () => backend.drop("out"),
 * });
 */
export function testSink<C>(options: SinkSuiteOptions<C>): void {
  const failing = options.failing === undefined ? [] : [options.failing].flat();
  const { count, read } = options;
  const destination = (firstId: number) => ({ count, firstId, ...(read ? { read } : {}) });
  describe(options.name ?? "faucet conformance: sink", () => {
    const opened = new Opened<Sink>();
    const open = async (config: C = options.config) => opened.track(await options.create(config));
    if (options.reset) beforeEach(options.reset);
    const snapshot = options.snapshot ?? read ?? count;

    check("assertConnectorNameNonEmpty: connectorName() is non-empty", async () => {
      assertConnectorNameNonEmpty(await open());
    });
    check("assertConfigSchemaValid: configSchema() is a valid JSON Schema", async (ctx) => {
      const sink = await open();
      if (!sink.configSchema) ctx.skip("the sink has no configSchema()");
      assertConfigSchemaValid(sink);
    });
    check("assertCapabilitiesTruthful: declared capabilities hold", async () => {
      await assertCapabilitiesTruthful(await open(), destination(1_000));
    });
    check(
      "assertNativeDeclinesUnknown: an unknown native encoding is declined with a reason (acceptNative)",
      async (ctx) => {
        const sink = await open();
        if (!sink.acceptNative) ctx.skip("the sink takes no native pages");
        await assertNativeDeclinesUnknown(sink);
      },
    );
    check("assertIdempotentReplay: replayed pages add no duplicates (atomicWatermark / dedupsByKey)", async (ctx) => {
      const variants = [options.config, options.configs?.upsert].filter((c) => c !== undefined) as C[];
      let claimed = 0;
      for (const [index, config] of variants.entries()) {
        const sink = await open(config);
        const caps = sinkCapabilities(sink);
        if (!caps.atomicWatermark && !caps.dedupsByKey) continue;
        claimed++;
        await assertIdempotentReplay(sink, {
          ...destination(2_000 + index * 100),
          scope: `faucet-conformance-${index}`,
        });
      }
      if (claimed === 0) ctx.skip("no config claims atomicWatermark or dedupsByKey");
    });
    check("assertWriteModesTruthful: upsert, delete and overwrite do what they claim", async (ctx) => {
      const sink = await open();
      if (sinkCapabilities(sink).writeModes.every((mode) => mode === "append")) ctx.skip("the sink only appends");
      const configs = options.configs ?? {};
      const sinks = {
        ...(configs.upsert === undefined ? {} : { upsert: await open(configs.upsert) }),
        ...(configs.delete === undefined ? {} : { delete: await open(configs.delete) }),
        ...(configs.overwrite === undefined ? {} : { overwrite: await open(configs.overwrite) }),
      };
      await assertWriteModesTruthful(sink, { ...destination(3_000), sinks });
    });
    check("assertSchemaEvolutionEffective: evolveSchema adds a column (schemaEvolution)", async (ctx) => {
      const sink = await open();
      if (!sinkCapabilities(sink).schemaEvolution) ctx.skip("capabilities().schemaEvolution is false");
      await assertSchemaEvolutionEffective(sink, { firstId: 4_000 });
    });
    check("assertPreflightCheckWellFormed: check() reports named probes and mutates nothing", async (ctx) => {
      const sink = await open();
      if (!sink.check) ctx.skip("the sink has no check()");
      await assertPreflightCheckWellFormed(sink, { snapshot });
    });
    check("assertCancellationFlushes: a cancelled run leaves every counted row durable", async () => {
      await assertCancellationFlushes(await open(), destination(5_000));
    });
    if (failing.length === 0) {
      check("assertErrorsNotCrashes: failures are FaucetErrors, not crashes", async (ctx) => {
        ctx.skip("no `failing` config given (e.g. an unreachable server); give one to run this check");
      });
    }
    for (const [index, bad] of failing.entries()) {
      const title = bad.title ?? (failing.length > 1 ? `failing config ${index + 1}` : "failing config");
      check(`assertErrorsNotCrashes: ${title} fails with a FaucetError, not a crash`, async () => {
        await assertErrorsNotCrashes(() => options.create(bad.config), bad.kind ? { kind: bad.kind } : {});
      });
    }
    check("assertResourcesReleased: close() releases everything and is idempotent", async () => {
      await assertResourcesReleased(() => open(), options.use ? { use: options.use } : {});
    });
    options.additionalTests?.({ open });
  });
}

import { type ErrorKind, fetchAll, type Source, sourceCapabilities, type Value, type ValueObject } from "faucet-core";
import { beforeEach, describe } from "vitest";
import {
  assertConfigSchemaValid,
  assertConnectorNameNonEmpty,
  assertPreflightCheckWellFormed,
} from "./contract-checks.js";
import { conformanceRecords, mergeConfigPatch } from "./fixtures.js";
import { assertErrorsNotCrashes, assertResourcesReleased, type ResourcesOptions } from "./runtime-checks.js";
import {
  assertBatchSizeZeroSinglePage,
  assertBookmarkRoundtrip,
  assertBoundedMemory,
  assertDeterministicReplay,
  assertDiscoverRoundtrips,
  assertNativePagesMatch,
} from "./source-checks.js";
import { check, Opened, withBatchSizeKey } from "./suite-support.js";

/** A config the connector must fail with, and how. */
export interface FailingConfig<C> {
  /** E.g. a server address nothing listens on, or a wrong password. */
  config: C;
  /** The FaucetError kind expected, e.g. `connection` or `auth`. */
  kind?: ErrorKind;
  /** Names the case in the test title, e.g. `unreachable server`. */
  title?: string;
}

/** What `additionalTests` receives. */
export interface SourceSuite<C> {
  /** Builds a source (default: from the suite's config) that is closed after the test. */
  open(config?: C): Promise<Source>;
  /** How many records the configured source reads. */
  readonly records: number;
}

/** Options of {@link testSource}. */
export interface SourceSuiteOptions<C> {
  /** Title of the `describe` block. Default `faucet conformance: source`. */
  name?: string;
  /** Builds a source from a config; every test gets fresh ones. */
  create: (config: C) => Source | Promise<Source>;
  /** A config that reads the dataset `seed` fills (or a fixture that holds `records` records). */
  config: C;
  /**
   * Replaces the dataset the config reads with exactly these records before every test:
   * `{ id, v }` with ids 1…`records` (see {@link conformanceRecords}). Omit it for a backend
   * that cannot be written, and give `records` instead.
   */
  seed?: (records: ValueObject[]) => unknown | Promise<unknown>;
  /** How many records to seed (default 120), or, without `seed`, how many the config reads. */
  records?: number;
  /** `config` with the source's own page size set. Default: adds `batch_size`. */
  withBatchSize?: (config: C, batchSize: number) => C;
  /** Configs the source must fail with, for {@link assertErrorsNotCrashes}. */
  failing?: FailingConfig<C> | FailingConfig<C>[];
  /** The config of a discovered dataset. Default: {@link mergeConfigPatch}. */
  rebuild?: (config: C, configPatch: Readonly<Record<string, Value>>) => C;
  /** A picture of the backend that `check()` must not change. Default: every record the source reads. */
  snapshot?: () => unknown | Promise<unknown>;
  /** How to exercise the source before closing it in {@link assertResourcesReleased}. */
  use?: ResourcesOptions["use"];
  /** Registers the connector's own tests inside the suite's `describe`. */
  additionalTests?: (suite: SourceSuite<C>) => void;
}

/**
 * Registers the conformance battery for a source as vitest tests in one `describe` block.
 * Every test builds fresh sources with `create`; checks whose capability the source does not
 * claim (incremental, deterministicReplay, discover, a `check()` method) are reported as
 * skipped with the reason, so a capability that is claimed is always tested.
 *
 * @example
 * testSource({
 *   create: (config) => new MemorySource(config),
 *   config: { dataset: "orders", replication_key: "id" },
 *   seed: (records) => backend.replace("orders", records),
 *   failing: { config: { dataset: "missing" }, kind: "source" },
 * });
 */
export function testSource<C>(options: SourceSuiteOptions<C>): void {
  const records = options.records ?? (options.seed ? 120 : undefined);
  if (records === undefined || !Number.isInteger(records) || records < 2) {
    throw new TypeError("testSource needs `seed` or `records` (at least 2 records the config reads)");
  }
  const withBatchSize = options.withBatchSize ?? withBatchSizeKey;
  const batchSize = Math.max(1, Math.floor(records / 4));
  const failing = options.failing === undefined ? [] : [options.failing].flat();
  describe(options.name ?? "faucet conformance: source", () => {
    const opened = new Opened<Source>();
    const open = async (config: C = options.config) => opened.track(await options.create(config));
    if (options.seed) {
      const seed = options.seed;
      beforeEach(async () => {
        await seed(conformanceRecords(records));
      });
    }
    const snapshot = options.snapshot ?? (async () => await fetchAll(await open()));

    check("assertConnectorNameNonEmpty: connectorName() is non-empty", async () => {
      assertConnectorNameNonEmpty(await open());
    });
    check("assertConfigSchemaValid: configSchema() is a valid JSON Schema", async (ctx) => {
      const source = await open();
      if (!source.configSchema) ctx.skip("the source has no configSchema()");
      assertConfigSchemaValid(source);
    });
    check(`assertBoundedMemory: ${records} records arrive in pages of at most ${batchSize}`, async () => {
      await assertBoundedMemory(await open(withBatchSize(options.config, batchSize)), { batchSize, total: records });
    });
    check("assertBatchSizeZeroSinglePage: batch_size 0 gives one page", async () => {
      await assertBatchSizeZeroSinglePage(await open(withBatchSize(options.config, 0)));
    });
    check("assertBookmarkRoundtrip: the last bookmark resumes the read (incremental)", async (ctx) => {
      const source = await open();
      if (!sourceCapabilities(source).incremental) ctx.skip("capabilities().incremental is false");
      await assertBookmarkRoundtrip(source, { resume: await open(), batchSize });
    });
    check("assertDeterministicReplay: reads repeat exactly (deterministicReplay)", async (ctx) => {
      if (!sourceCapabilities(await open()).deterministicReplay)
        ctx.skip("capabilities().deterministicReplay is false");
      await assertDeterministicReplay(() => open(), { batchSize });
    });
    check("assertDiscoverRoundtrips: every discovered dataset can be read (discover)", async (ctx) => {
      const source = await open();
      if (!sourceCapabilities(source).discover) ctx.skip("capabilities().discover is false");
      const rebuild = options.rebuild ?? mergeConfigPatch;
      await assertDiscoverRoundtrips(source, { rebuild: (patch) => open(rebuild(options.config, patch)) });
    });
    check("assertNativePagesMatch: native pages hold the records path's rows (nativePages)", async (ctx) => {
      const source = await open(withBatchSize(options.config, batchSize));
      if (!source.nativeFormat || !source.nativePages) ctx.skip("the source has no native pages");
      if ((await source.nativeFormat?.({})) === undefined) ctx.skip("nativeFormat() offers nothing for this config");
      await assertNativePagesMatch(source, await open(withBatchSize(options.config, batchSize)), { batchSize });
    });
    check("assertPreflightCheckWellFormed: check() reports named probes and mutates nothing", async (ctx) => {
      const source = await open();
      if (!source.check) ctx.skip("the source has no check()");
      await assertPreflightCheckWellFormed(source, { snapshot });
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
    options.additionalTests?.({ open, records });
  });
}

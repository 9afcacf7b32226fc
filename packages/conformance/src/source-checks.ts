import { isDeepStrictEqual } from "node:util";
import { type DatasetDescriptor, isValueObject, type Source, sourceCapabilities, type Value } from "faucet-core";
import { ConformanceError, describeError, type Reporter, reporter, safeJson } from "./failure.js";
import { connectorLabel, drain } from "./fixtures.js";

/** Options of {@link assertBoundedMemory}. */
export interface BoundedMemoryOptions {
  /** The page size the source was configured with; it must be smaller than `total`. */
  batchSize: number;
  /** How many records the source holds. */
  total: number;
}

/**
 * Check 2: draining the source's pages yields exactly `total` records and no page holds more
 * than `batchSize`, so a pipeline's memory stays O(batchSize) whatever the volume. Configure
 * the source with the same batch size (a source's own `batch_size` wins over the pipeline's).
 *
 * @example
 * await assertBoundedMemory(new CsvSource({ path, batch_size: 100 }), { batchSize: 100, total: 1000 });
 */
export async function assertBoundedMemory(source: Source, options: BoundedMemoryOptions): Promise<void> {
  const report: Reporter = reporter("assertBoundedMemory", connectorLabel(source));
  const { batchSize, total } = options;
  report.ensure(
    Number.isInteger(batchSize) && batchSize > 0 && Number.isInteger(total) && total > batchSize,
    `needs 0 < batchSize < total to prove anything, got batchSize ${batchSize} and total ${total}`,
  );
  const { pages, records } = await drain(report, source, batchSize);
  const largest = Math.max(0, ...pages.map((page) => page.records.length));
  report.ensure(records === total, () => `read ${records} records in ${pages.length} pages, expected ${total}`);
  report.ensure(
    largest <= batchSize,
    () => `a page held ${largest} records, more than batchSize ${batchSize}: the source is not paging`,
  );
}

/** Options of {@link assertBookmarkRoundtrip}. */
export interface BookmarkRoundtripOptions {
  /** A fresh source built from the same config; the bookmark is applied to it. Default: `source` itself. */
  resume?: Source;
  /** Page size of both reads. Default 100. */
  batchSize?: number;
}

/**
 * Check 3: the last bookmark of a full read, stored as JSON and applied with
 * `applyStartBookmark`, makes the next read strictly shorter: the source resumes instead of
 * starting over.
 *
 * @example
 * await assertBookmarkRoundtrip(createSource(), { resume: createSource() });
 */
export async function assertBookmarkRoundtrip(source: Source, options: BookmarkRoundtripOptions = {}): Promise<void> {
  const report: Reporter = reporter("assertBookmarkRoundtrip", connectorLabel(source));
  const batchSize = options.batchSize ?? 100;
  const first = await drain(report, source, batchSize);
  report.ensure(
    first.records > 0,
    "the first read returned no records; seed the backend so there is something to resume after",
  );
  report.ensure(first.bookmark !== undefined, "no page carried a bookmark, so there is nothing to resume from");
  const stored = jsonCopy(first.bookmark);
  report.ensure(
    isDeepStrictEqual(stored, first.bookmark),
    () => `the bookmark ${safeJson(first.bookmark)} does not survive a JSON round trip, but state stores keep JSON`,
  );
  const resumed = options.resume ?? source;
  report.ensure(typeof resumed.applyStartBookmark === "function", "the source has no applyStartBookmark() method");
  await report.step("applyStartBookmark", () => resumed.applyStartBookmark?.(stored as Value));
  const second = await drain(report, resumed, batchSize);
  report.ensure(
    second.records < first.records,
    () =>
      `after applyStartBookmark(${safeJson(stored)}) the source read ${second.records} records again ` +
      `(first read: ${first.records}); the bookmark was ignored`,
  );
}

/**
 * Check 9: a source configured with `batch_size: 0` yields exactly one non-empty page holding
 * every record (pages without records, e.g. a final bookmark-only page, are allowed).
 *
 * @example
 * await assertBatchSizeZeroSinglePage(new CsvSource({ path, batch_size: 0 }));
 */
export async function assertBatchSizeZeroSinglePage(source: Source): Promise<void> {
  const report: Reporter = reporter("assertBatchSizeZeroSinglePage", connectorLabel(source));
  const { pages, records } = await drain(report, source, 0);
  const nonEmpty = pages.filter((page) => page.records.length > 0).length;
  report.ensure(records > 0, "the source read no records; seed the backend so a single page can be observed");
  report.ensure(
    nonEmpty === 1,
    () => `batch size 0 must give one page with every record, got ${nonEmpty} non-empty pages for ${records} records`,
  );
}

/** Options of {@link assertDiscoverRoundtrips}. */
export interface DiscoverOptions {
  /** Builds a source from the base config merged with a descriptor's `configPatch` (see {@link mergeConfigPatch}). */
  rebuild: (configPatch: Readonly<Record<string, Value>>) => Source | Promise<Source>;
  /** Page size of the reads. Default 100. */
  batchSize?: number;
}

/**
 * Check 12: a source claiming `discover` returns at least one well-formed dataset descriptor,
 * and the source rebuilt from each descriptor's `configPatch` reads without error (an empty
 * dataset is fine; failing to select it is not).
 *
 * @example
 * await assertDiscoverRoundtrips(source, {
 *   rebuild: (patch) => new PostgresSource(mergeConfigPatch(config, patch)),
 * });
 */
export async function assertDiscoverRoundtrips(source: Source, options: DiscoverOptions): Promise<void> {
  const report: Reporter = reporter("assertDiscoverRoundtrips", connectorLabel(source));
  report.ensure(sourceCapabilities(source).discover, "capabilities().discover is false; nothing to check");
  report.ensure(
    typeof source.discover === "function",
    "capabilities().discover is true but there is no discover() method",
  );
  const found = await report.step("discover()", () => source.discover?.() as Promise<DatasetDescriptor[]>);
  report.ensure(Array.isArray(found), () => `discover() resolved to ${safeJson(found)}, not an array`);
  report.ensure(found.length > 0, "discover() found no datasets; seed the backend so there is one to select");
  for (const descriptor of found) {
    const what = `dataset ${safeJson(descriptor?.name)}`;
    report.ensure(typeof descriptor?.name === "string" && descriptor.name !== "", `a descriptor has no name`);
    report.ensure(typeof descriptor.kind === "string" && descriptor.kind !== "", `${what} has no kind`);
    report.ensure(isValueObject(descriptor.configPatch as never), `${what} has no configPatch object`);
    const rebuilt = await report.step(`rebuilding the source for ${what}`, () =>
      options.rebuild(descriptor.configPatch),
    );
    try {
      await drain(report, rebuilt, options.batchSize ?? 100);
    } catch (error) {
      const detail = error instanceof ConformanceError ? error.detail : describeError(error);
      report.fail(`the source for ${what} (configPatch ${safeJson(descriptor.configPatch)}) failed: ${detail}`, error);
    } finally {
      await rebuilt.close?.();
    }
  }
}

/**
 * A source claiming `deterministicReplay` reads the same records in the same pages with the
 * same bookmarks each time, from the start and from a bookmark. `open` builds a fresh source
 * from one config. (Not one of the numbered checks: it keeps that claim honest.)
 *
 * @example
 * await assertDeterministicReplay(() => new PostgresSource(config));
 */
export async function assertDeterministicReplay(
  open: () => Source | Promise<Source>,
  options: { batchSize?: number } = {},
): Promise<void> {
  const batchSize = options.batchSize ?? 10;
  const read = async (bookmark?: Value) => {
    const source = await open();
    const report: Reporter = reporter("assertDeterministicReplay", connectorLabel(source));
    try {
      if (bookmark !== undefined) await report.step("applyStartBookmark", () => source.applyStartBookmark?.(bookmark));
      return { report, drained: await drain(report, source, batchSize) };
    } finally {
      await source.close?.();
    }
  };
  const a = await read();
  const b = await read();
  const report: Reporter = a.report;
  report.ensure(
    isDeepStrictEqual(a.drained.pages, b.drained.pages),
    () => `two reads from the start differ (${a.drained.records} vs ${b.drained.records} records)`,
  );
  const resumeAt = a.drained.pages.find((page) => page.bookmark !== undefined)?.bookmark;
  if (resumeAt === undefined || a.drained.pages.length < 2) return;
  const c = await read(jsonCopy(resumeAt) as Value);
  const d = await read(jsonCopy(resumeAt) as Value);
  report.ensure(
    isDeepStrictEqual(c.drained.pages, d.drained.pages),
    () => `two reads from bookmark ${safeJson(resumeAt)} differ (${c.drained.records} vs ${d.drained.records} records)`,
  );
}

function jsonCopy(value: Value | undefined): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? null));
  } catch {
    return undefined;
  }
}

/**
 * Native pages (docs/concepts.md, "Native pass-through"): when `nativeFormat()` offers an
 * encoding, `nativePages` with the same page size holds every record the records path reads, in
 * pages no larger than `batchSize` (the dataset's keys are distinct), none of them empty, and
 * ends on the same bookmark. Call it with two fresh sources built from one config.
 *
 * @example
 * await assertNativePagesMatch(createSource(), createSource(), { batchSize: 30 });
 */
export async function assertNativePagesMatch(
  source: Source,
  records: Source,
  options: { batchSize: number },
): Promise<void> {
  const report: Reporter = reporter("assertNativePagesMatch", connectorLabel(source));
  report.ensure(
    typeof source.nativeFormat === "function" && typeof source.nativePages === "function",
    "the source needs both nativeFormat() and nativePages()",
  );
  const format = await report.step("asking nativeFormat()", async () => await source.nativeFormat?.({}));
  report.ensure(format !== undefined, "nativeFormat() offers no encoding for this config; nothing to check");
  report.ensure(
    typeof format?.encoding === "string" && format.encoding.length > 0 && Array.isArray(format.columns),
    () => `nativeFormat() returned ${safeJson(format)}, not { encoding, columns }`,
  );
  const { batchSize } = options;
  const counts: number[] = [];
  let bookmark: Value | undefined;
  await report.step(`reading nativePages with batchSize ${batchSize}`, async () => {
    for await (const page of source.nativePages?.({}, batchSize) ?? []) {
      report.ensure(
        Number.isInteger(page.count) && page.count > 0 && page.bytes.length > 0,
        () => `a native page held ${page.count} rows in ${page.bytes.length} bytes: pages must hold rows`,
      );
      counts.push(page.count);
      if (page.bookmark !== undefined) bookmark = page.bookmark;
    }
  });
  const expected = await drain(report, records, batchSize);
  const total = counts.reduce((a, b) => a + b, 0);
  report.ensure(
    total === expected.records,
    () => `native pages held ${total} rows, the records path ${expected.records}`,
  );
  const largest = Math.max(0, ...counts);
  report.ensure(largest <= batchSize, () => `a native page held ${largest} rows, more than batchSize ${batchSize}`);
  report.ensure(
    isDeepStrictEqual(bookmark, expected.bookmark),
    () => `native pages ended on bookmark ${safeJson(bookmark)}, the records path on ${safeJson(expected.bookmark)}`,
  );
}

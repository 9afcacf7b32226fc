import {
  formatCommitToken,
  type Sink,
  type SinkSchema,
  sinkCapabilities,
  type Value,
  type WriteMode,
} from "faucet-core";
import { ConformanceError, type Reporter, reporter, safeJson } from "./failure.js";
import {
  conformanceRecords,
  connectorLabel,
  countRows,
  type DestinationOptions,
  idOf,
  writeAndFlush,
} from "./fixtures.js";

/** Options of {@link assertIdempotentReplay}. */
export interface IdempotentReplayOptions extends DestinationOptions {
  /** The scope commit tokens are written under. Default `faucet-conformance`. */
  scope?: string;
}

/**
 * Check 4: replaying pages cannot duplicate rows. A sink claiming `atomicWatermark` writes a
 * page and its commit token together, returns that token from `lastCommittedToken(scope)` (and
 * nothing for another scope) and adds exactly the new rows; a sink claiming `dedupsByKey`
 * (configured to upsert on `id`) grows by exactly the number of distinct keys when pages
 * overlap. A sink claiming neither fails: nothing makes its replays safe.
 *
 * @example
 * await assertIdempotentReplay(sink, { count: () => countRows("events") });
 */
export async function assertIdempotentReplay(sink: Sink, options: IdempotentReplayOptions): Promise<void> {
  const report: Reporter = reporter("assertIdempotentReplay", connectorLabel(sink));
  const caps = sinkCapabilities(sink);
  if (caps.atomicWatermark) return await watermarkReplay(report, sink, options);
  if (caps.dedupsByKey) return await keyedReplay(report, sink, options);
  report.fail("the sink claims neither atomicWatermark nor dedupsByKey, so nothing makes a replayed page safe");
}

async function watermarkReplay(report: Reporter, sink: Sink, options: IdempotentReplayOptions): Promise<void> {
  report.ensure(
    typeof sink.writeBatchIdempotent === "function" && typeof sink.lastCommittedToken === "function",
    "capabilities().atomicWatermark is true but writeBatchIdempotent() or lastCommittedToken() is missing",
  );
  const scope = options.scope ?? "faucet-conformance";
  const first = options.firstId ?? 1;
  let before = await countRows(report, options.count, "before the first page");
  for (const [seq, ids] of [
    [1, 3],
    [2, 2],
  ] as const) {
    const start = first + (seq - 1) * 3;
    const token = formatCommitToken(seq, { id: start + ids - 1 });
    const page = conformanceRecords(ids, start);
    await report.step(`writeBatchIdempotent (page ${seq})`, () => sink.writeBatchIdempotent?.(page, scope, token));
    if (sink.flush) await report.step(`flush after page ${seq}`, () => sink.flush?.());
    const after = await countRows(report, options.count, `after page ${seq}`);
    report.ensure(after - before === ids, () => `page ${seq} of ${ids} new rows added ${after - before} rows`);
    const stored = await report.step("lastCommittedToken", () => sink.lastCommittedToken?.(scope));
    report.ensure(
      stored === token,
      () =>
        `lastCommittedToken(${safeJson(scope)}) returned ${safeJson(stored)} after page ${seq}, expected ${safeJson(token)}`,
    );
    before = after;
  }
  const other = `${scope}-never-written-${process.pid}-${Date.now()}`;
  const leaked = await report.step("lastCommittedToken (another scope)", () => sink.lastCommittedToken?.(other));
  report.ensure(
    leaked === undefined,
    () => `lastCommittedToken for a scope never written returned ${safeJson(leaked)}; tokens must be kept per scope`,
  );
}

async function keyedReplay(report: Reporter, sink: Sink, options: DestinationOptions): Promise<void> {
  const first = options.firstId ?? 1;
  const before = await countRows(report, options.count, "before the first page");
  await writeAndFlush(report, sink, conformanceRecords(3, first), "page 1");
  await writeAndFlush(report, sink, conformanceRecords(3, first + 1), "an overlapping page");
  const after = await countRows(report, options.count, "after the overlapping page");
  report.ensure(
    after - before === 4,
    () =>
      `pages with ids ${first}–${first + 2} and ${first + 1}–${first + 3} added ${after - before} rows, expected 4 distinct keys`,
  );
}

const WRITE_MODES: readonly WriteMode[] = ["append", "upsert", "delete", "overwrite"];

/**
 * Check 5: the capabilities a sink declares are true. `append` is always among its write
 * modes; a sink that claims no dedup mechanism (neither `atomicWatermark` nor `dedupsByKey`)
 * really appends and reports no commit token; a claimed dedup mechanism passes
 * {@link assertIdempotentReplay}; claimed `replaySafeWrites` survive writing one page twice;
 * claimed `schemaEvolution` and `atomicWatermark` come with their methods.
 *
 * @example
 * await assertCapabilitiesTruthful(sink, { count: () => countRows("events") });
 */
export async function assertCapabilitiesTruthful(sink: Sink, options: DestinationOptions): Promise<void> {
  const report: Reporter = reporter("assertCapabilitiesTruthful", connectorLabel(sink));
  const caps = sinkCapabilities(sink);
  report.ensure(Array.isArray(caps.writeModes), "capabilities().writeModes is not an array");
  report.ensure(caps.writeModes.includes("append"), () => `writeModes ${safeJson(caps.writeModes)} lacks "append"`);
  for (const mode of caps.writeModes) {
    report.ensure(WRITE_MODES.includes(mode), () => `writeModes has unknown mode ${safeJson(mode)}`);
  }
  for (const flag of ["replaySafeWrites", "atomicWatermark", "dedupsByKey", "schemaEvolution"] as const) {
    report.ensure(
      typeof caps[flag] === "boolean",
      () => `capabilities().${flag} is ${safeJson(caps[flag])}, not a boolean`,
    );
  }
  if (caps.schemaEvolution) {
    report.ensure(
      typeof sink.currentSchema === "function" && typeof sink.evolveSchema === "function",
      "capabilities().schemaEvolution is true but currentSchema() or evolveSchema() is missing",
    );
    await report.step("evolveSchema with no changes", () => sink.evolveSchema?.({ addColumns: [] }));
  }
  const first = options.firstId ?? 1;
  if (caps.atomicWatermark || caps.dedupsByKey) {
    const claim = caps.atomicWatermark ? "atomicWatermark" : "dedupsByKey";
    try {
      await assertIdempotentReplay(sink, { ...options, firstId: first });
    } catch (error) {
      if (!(error instanceof ConformanceError)) throw error;
      report.fail(`${claim} is claimed but does not hold: ${error.detail}`, error);
    }
  } else {
    const before = await countRows(report, options.count, "before appending");
    await writeAndFlush(report, sink, conformanceRecords(2, first), "an append");
    const after = await countRows(report, options.count, "after appending");
    report.ensure(after - before === 2, () => `appending 2 rows added ${after - before}`);
    if (sink.lastCommittedToken) {
      const token = await report.step("lastCommittedToken", () => sink.lastCommittedToken?.("faucet-conformance"));
      report.ensure(
        token === undefined,
        () => `the sink claims no atomic watermark yet lastCommittedToken returned ${safeJson(token)}`,
      );
    }
  }
  if (caps.replaySafeWrites) {
    const page = conformanceRecords(2, first + 10);
    await writeAndFlush(report, sink, page, "a page");
    const once = await countRows(report, options.count, "after writing a page once");
    await writeAndFlush(report, sink, page, "the same page again");
    const twice = await countRows(report, options.count, "after writing it again");
    report.ensure(
      twice === once,
      () => `replaySafeWrites is claimed but writing the same page again added ${twice - once} rows`,
    );
  }
}

/** The sinks configured for each write mode, all writing to one destination. */
export interface WriteModeSinks {
  /** Configured `write_mode: upsert` keyed on `id`. Default: the sink under test when it dedups by key. */
  upsert?: Sink;
  /** Configured so a record carrying `"__op": "d"` deletes its key. Default: the upsert sink. */
  delete?: Sink;
  /** Configured `write_mode: overwrite`. Default: the sink under test when it has beginOverwrite(). */
  overwrite?: Sink;
}

/** Options of {@link assertWriteModesTruthful}. */
export interface WriteModesOptions extends DestinationOptions {
  sinks?: WriteModeSinks;
}

/**
 * Check 7: the write modes a sink claims really work, keyed on `id`. Upsert updates a row in
 * place (the count stays, and with `read` the value changes) and reports rows without a key
 * (missing or null `id`) as failures instead of writing them; delete removes the row a record
 * marked `{"__op": "d"}` names; overwrite replaces the destination on commit and leaves it
 * untouched on abort. `sink` is the sink in its default config; it also writes seed rows.
 *
 * @example
 * await assertWriteModesTruthful(appendSink, { count, read, sinks: { upsert: upsertSink } });
 */
export async function assertWriteModesTruthful(sink: Sink, options: WriteModesOptions): Promise<void> {
  const report: Reporter = reporter("assertWriteModesTruthful", connectorLabel(sink));
  const modes = sinkCapabilities(sink).writeModes;
  const first = options.firstId ?? 1;
  const upsert = options.sinks?.upsert ?? (sinkCapabilities(sink).dedupsByKey ? sink : undefined);
  if (modes.includes("upsert")) {
    report.ensure(upsert, "writeModes has upsert, but no sink configured for upsert was given (configs.upsert)");
    await checkUpsert(report, upsert, options, first);
  }
  if (modes.includes("delete")) {
    const remover = options.sinks?.delete ?? upsert;
    report.ensure(remover, "writeModes has delete, but no sink configured for deletes was given (configs.delete)");
    await checkDelete(report, upsert ?? sink, remover, options, first + 10);
  }
  if (modes.includes("overwrite")) {
    const overwrite = options.sinks?.overwrite ?? (sink.beginOverwrite ? sink : undefined);
    report.ensure(overwrite, "writeModes has overwrite, but no sink configured for it was given (configs.overwrite)");
    await checkOverwrite(report, sink, overwrite, options, first + 20);
  }
}

async function checkUpsert(report: Reporter, sink: Sink, options: DestinationOptions, first: number): Promise<void> {
  report.ensure(sinkCapabilities(sink).dedupsByKey, "the sink configured for upsert reports dedupsByKey: false");
  const before = await countRows(report, options.count, "before upserting");
  await writeAndFlush(report, sink, conformanceRecords(2, first), "two new keys");
  await writeAndFlush(report, sink, [{ id: first, v: "updated" }], "an update of one key");
  const after = await countRows(report, options.count, "after the update");
  report.ensure(after - before === 2, () => `two keys and an update of one added ${after - before} rows, expected 2`);
  if (options.read) {
    const rows = (await report.step("read()", options.read)).filter((row) => idOf(row) === String(first));
    report.ensure(rows.length === 1, () => `read() shows ${rows.length} rows with id ${first}, expected 1`);
    report.ensure(
      (rows[0] as { v?: Value }).v === "updated",
      () => `the row with id ${first} was not updated in place: ${safeJson(rows[0])}`,
    );
  }
  await checkMissingKeys(report, sink, options, first + 5);
}

/** Rows without a key must come back as failures, never be written. */
async function checkMissingKeys(report: Reporter, sink: Sink, options: DestinationOptions, id: number): Promise<void> {
  const before = await countRows(report, options.count, "before writing rows without a key");
  if (sink.writeBatchPartial) {
    const page: Value[] = [{ id, v: "keyed" }, { v: "missing id" }, { id: null, v: "null id" }];
    const outcome = await report.step("writeBatchPartial with keyless rows", () => sink.writeBatchPartial?.(page));
    if (sink.flush) await report.step("flush after keyless rows", () => sink.flush?.());
    const failed = (outcome?.failures ?? []).map((failure) => failure.index).sort();
    report.ensure(
      failed.length === 2 && failed[0] === 1 && failed[1] === 2,
      () => `writeBatchPartial reported failures at ${safeJson(failed)}, expected the keyless rows [1, 2]`,
    );
    const after = await countRows(report, options.count, "after writing rows without a key");
    report.ensure(
      after - before === 1,
      () => `one keyed and two keyless rows added ${after - before} rows, expected 1`,
    );
    return;
  }
  const keyless: Value[] = [{ v: "missing id" }, { id: null, v: "null id" }];
  for (const row of keyless) {
    let rejected = false;
    try {
      await sink.writeBatch([row]);
      await sink.flush?.();
    } catch {
      rejected = true;
    }
    report.ensure(
      rejected,
      () => `writeBatch accepted ${safeJson(row)}; a row without its key must be reported as failed`,
    );
  }
  const after = await countRows(report, options.count, "after writing rows without a key");
  report.ensure(after === before, () => `rows without a key changed the row count by ${after - before}`);
}

async function checkDelete(
  report: Reporter,
  seeder: Sink,
  remover: Sink,
  options: DestinationOptions,
  id: number,
): Promise<void> {
  const before = await countRows(report, options.count, "before the delete");
  await writeAndFlush(report, seeder, [{ id, v: "doomed" }], "the row to delete");
  const seeded = await countRows(report, options.count, "after writing the row to delete");
  report.ensure(seeded - before === 1, () => `writing the row to delete added ${seeded - before} rows, expected 1`);
  await writeAndFlush(report, remover, [{ id, __op: "d" }], 'a record marked {"__op":"d"}');
  const after = await countRows(report, options.count, "after the delete");
  report.ensure(after === before, () => `a record marked {"__op":"d"} for id ${id} left ${after - before} rows behind`);
  if (options.read) {
    const rows = (await report.step("read()", options.read)).filter((row) => idOf(row) === String(id));
    report.ensure(rows.length === 0, () => `read() still shows the deleted row: ${safeJson(rows[0])}`);
  }
}

async function checkOverwrite(
  report: Reporter,
  seeder: Sink,
  sink: Sink,
  options: DestinationOptions,
  first: number,
): Promise<void> {
  report.ensure(
    sink.beginOverwrite && sink.commitOverwrite && sink.abortOverwrite,
    "the overwrite sink lacks beginOverwrite(), commitOverwrite() or abortOverwrite()",
  );
  await writeAndFlush(report, seeder, conformanceRecords(2, first), "rows to be replaced");
  const seeded = await countRows(report, options.count, "before the overwrite");
  await report.step("beginOverwrite", () => sink.beginOverwrite?.());
  await writeAndFlush(report, sink, conformanceRecords(1, first + 5), "a staged row");
  await report.step("abortOverwrite", () => sink.abortOverwrite?.());
  const aborted = await countRows(report, options.count, "after abortOverwrite");
  report.ensure(aborted === seeded, () => `abortOverwrite changed the destination from ${seeded} to ${aborted} rows`);
  await report.step("beginOverwrite", () => sink.beginOverwrite?.());
  await writeAndFlush(report, sink, conformanceRecords(2, first + 6), "the replacement rows");
  await report.step("commitOverwrite", () => sink.commitOverwrite?.());
  const replaced = await countRows(report, options.count, "after commitOverwrite");
  report.ensure(
    replaced === 2,
    () => `after commitOverwrite the destination holds ${replaced} rows, expected exactly 2`,
  );
}

/** Options of {@link assertSchemaEvolutionEffective}. */
export interface SchemaEvolutionOptions {
  /** The column to add. Default `faucet_conformance_evolved`; it must not exist yet. */
  column?: string;
  /** The first record id written when the destination must be created first. Default 1. */
  firstId?: number;
}

/**
 * Check 8: a sink claiming `schemaEvolution` adds a new nullable string column through
 * `evolveSchema`, and a fresh `currentSchema()` then shows it (names compared without case).
 * When the destination does not exist yet, one row is written first to create it.
 *
 * @example
 * await assertSchemaEvolutionEffective(sink);
 */
export async function assertSchemaEvolutionEffective(sink: Sink, options: SchemaEvolutionOptions = {}): Promise<void> {
  const report: Reporter = reporter("assertSchemaEvolutionEffective", connectorLabel(sink));
  const column = options.column ?? "faucet_conformance_evolved";
  report.ensure(sinkCapabilities(sink).schemaEvolution, "capabilities().schemaEvolution is false; nothing to check");
  report.ensure(
    typeof sink.currentSchema === "function" && typeof sink.evolveSchema === "function",
    "currentSchema() or evolveSchema() is missing",
  );
  let before = await report.step("currentSchema()", () => sink.currentSchema?.());
  if (before === undefined) {
    await writeAndFlush(report, sink, conformanceRecords(1, options.firstId ?? 1), "a row to create the destination");
    before = await report.step("currentSchema() after the first write", () => sink.currentSchema?.());
  }
  report.ensure(before !== undefined, "currentSchema() returns undefined even after a write");
  report.ensure(!hasColumn(before, column), `column ${column} exists already; empty the destination first`);
  await report.step(`evolveSchema adding ${column}`, () =>
    sink.evolveSchema?.({ addColumns: [{ name: column, type: "string", nullable: true }] }),
  );
  const after = await report.step("currentSchema() after evolveSchema", () => sink.currentSchema?.());
  report.ensure(
    after !== undefined && hasColumn(after, column),
    () =>
      `evolveSchema resolved but currentSchema() does not show ${column}: ${safeJson(after?.columns?.map((c) => c.name))}`,
  );
}

function hasColumn(schema: SinkSchema, column: string): boolean {
  return (schema.columns ?? []).some((c) => c.name.toLowerCase() === column.toLowerCase());
}

/**
 * Native pages (docs/concepts.md, "Native pass-through"): a sink that takes them declines an
 * encoding it cannot know with a reason — `acceptNative` resolves to a non-empty string, never
 * `true` and never an error — and has `writeNative` to write the ones it accepts.
 *
 * @example
 * await assertNativeDeclinesUnknown(new PostgresSink(config));
 */
export async function assertNativeDeclinesUnknown(sink: Sink): Promise<void> {
  const report: Reporter = reporter("assertNativeDeclinesUnknown", connectorLabel(sink));
  report.ensure(
    typeof sink.acceptNative === "function" && typeof sink.writeNative === "function",
    "a sink with native pages needs both acceptNative() and writeNative()",
  );
  const format = { encoding: "faucet-conformance/unknown", columns: [{ name: "id", type: "integer" }] };
  const answer = await report.step("offering an unknown encoding", async () => await sink.acceptNative?.(format));
  report.ensure(
    typeof answer === "string" && answer.trim().length > 0,
    () => `acceptNative() answered ${safeJson(answer)} for an unknown encoding; decline with a reason (a string)`,
  );
}

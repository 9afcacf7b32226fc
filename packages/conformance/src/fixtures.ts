import {
  type FetchContext,
  isValueObject,
  type Sink,
  type Source,
  type StreamPage,
  streamPagesOf,
  type Value,
  type ValueObject,
} from "faucet-core";
import type { Reporter } from "./failure.js";

/** A source or a sink: what the checks that apply to both accept. */
export type Connector = Source | Sink;

/** How many rows the destination holds right now (e.g. `SELECT count(*)`). */
export type CountRows = () => number | Promise<number>;

/** Every row the destination holds right now, as records. */
export type ReadRows = () => readonly Value[] | Promise<readonly Value[]>;

/** How a sink check observes the destination. */
export interface DestinationOptions {
  /** Rows in the destination now. Every sink passed to the check writes to this destination. */
  count: CountRows;
  /** Every row in the destination now; when given, checks also verify values, not just counts. */
  read?: ReadRows;
  /**
   * The first record id the check writes (it uses a few dozen ids from there). Default 1.
   * Give each check its own range when the destination is not emptied between checks.
   */
  firstId?: number;
}

/** The name a connector reports, or a placeholder for messages when it reports none. */
export function connectorLabel(connector: Connector): string {
  try {
    const name = connector.connectorName?.();
    return typeof name === "string" && name.trim() !== "" ? name : "unnamed connector";
  } catch {
    return "unnamed connector";
  }
}

/** True for a sink (it has `writeBatch`), false for a source. */
export function isSink(connector: Connector): connector is Sink {
  return typeof (connector as Sink).writeBatch === "function";
}

/**
 * The records the battery reads and writes: `{ id, v }` with integer ids `firstId`,
 * `firstId + 1`, … and `v` = `"v<id>"`. A SQL backend under test needs a table with an integer
 * `id` (the key for upsert and delete) and a text `v` column.
 *
 * @example
 * conformanceRecords(2); // [{ id: 1, v: "v1" }, { id: 2, v: "v2" }]
 */
export function conformanceRecords(count: number, firstId = 1): ValueObject[] {
  const records: ValueObject[] = [];
  for (let id = firstId; id < firstId + count; id++) records.push({ id, v: `v${id}` });
  return records;
}

/**
 * Merges a discovered dataset's `configPatch` into a base config: objects merge key by key,
 * everything else (scalars, arrays) is replaced. This is how a descriptor selects its dataset.
 *
 * @example
 * mergeConfigPatch({ url: "x", options: { a: 1 } }, { options: { b: 2 } });
 * // { url: "x", options: { a: 1, b: 2 } }
 */
export function mergeConfigPatch<C>(base: C, patch: Readonly<Record<string, Value>>): C {
  if (!isValueObject(base as Value)) return structuredClone(patch) as C;
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    const current = merged[key];
    merged[key] =
      isValueObject(value) && isValueObject(current as Value)
        ? mergeConfigPatch(current, value)
        : structuredClone(value);
  }
  return merged as C;
}

/** What one full read of a source saw. */
export interface Drained {
  pages: StreamPage[];
  records: number;
  /** The last bookmark any page carried. */
  bookmark: Value | undefined;
}

/** Reads every page of `source` (its own `streamPages`, or core's default paging). */
export async function drain(
  report: Reporter,
  source: Source,
  batchSize: number,
  ctx: FetchContext = {},
): Promise<Drained> {
  const pages: StreamPage[] = [];
  let records = 0;
  let bookmark: Value | undefined;
  await report.step(`reading the source with batchSize ${batchSize}`, async () => {
    for await (const page of streamPagesOf(source, ctx, batchSize)) {
      pages.push(page);
      records += page.records.length;
      if (page.bookmark !== undefined) bookmark = page.bookmark;
    }
  });
  return { pages, records, bookmark };
}

/** Writes one page and flushes it, so a buffering sink has made it visible. */
export async function writeAndFlush(
  report: Reporter,
  sink: Sink,
  records: readonly Value[],
  what: string,
): Promise<number> {
  const written = await report.step(`writeBatch (${what})`, () => sink.writeBatch(records));
  if (sink.flush) await report.step(`flush after ${what}`, () => sink.flush?.());
  return written;
}

/** The destination's row count, as a number the check can trust. */
export async function countRows(report: Reporter, count: CountRows, when: string): Promise<number> {
  const n = await report.step(`count() ${when}`, count);
  report.ensure(
    typeof n === "number" && Number.isInteger(n) && n >= 0,
    () => `count() ${when} returned ${String(n)}, not a non-negative integer`,
  );
  return n;
}

/** A row's `id` as text (compared the way a database compares a key column), if it has one. */
export function idOf(row: Value): string | undefined {
  return isValueObject(row) && row.id !== undefined ? String(row.id) : undefined;
}

/** True for a FaucetError from any copy of faucet-core (a duck-typed `instanceof`). */
export function isFaucetErrorLike(error: unknown): error is Error & { kind: string } {
  return (
    error instanceof Error && error.name === "FaucetError" && typeof (error as { kind?: unknown }).kind === "string"
  );
}

import { cancelledError, FaucetError } from "./errors.js";
import type { FetchContext, Source, StreamPage } from "./source.js";
import { sourceName } from "./source.js";
import type { Value } from "./value.js";

/** The largest page size a pipeline accepts. */
export const MAX_BATCH_SIZE = 1_000_000;

/**
 * Reads every record of a source into memory: the provided convenience for small sources and
 * tests, and the `fetchWithContext` of a source that streams. Uses the source's own
 * `streamPages` when it has one. A cancelled read (`ctx.signal` aborted before or during it)
 * throws the `cancelled` FaucetError rather than returning part of the records as if complete.
 *
 * @example
 * const rows = await fetchAll(new MySource());
 */
export async function fetchAll(source: Source, ctx: FetchContext = {}): Promise<Value[]> {
  if (ctx.signal?.aborted) throw cancelledError();
  if (!source.streamPages) return await fetchRecords(source, ctx);
  const all: Value[] = [];
  for await (const page of streamPagesOf(source, ctx, 0, ctx.signal)) {
    for (const record of page.records) all.push(record);
  }
  if (ctx.signal?.aborted) throw cancelledError();
  return all;
}

/**
 * The pages of a source: its own `streamPages` when it has one, else `fetchWithContext`
 * chunked into pages of `batchSize` (0 = one page). Failures reach the caller as FaucetError
 * of kind `source` (or the connector's own kind).
 *
 * @example
 * for await (const page of streamPagesOf(source, {}, 1000)) console.log(page.records.length);
 */
export async function* streamPagesOf(
  source: Source,
  ctx: FetchContext,
  batchSize: number,
  signal?: AbortSignal,
): AsyncGenerator<StreamPage> {
  const name = sourceName(source);
  const context: FetchContext = signal && !ctx.signal ? { ...ctx, signal } : ctx;
  if (source.streamPages) {
    let iterable: AsyncIterable<StreamPage>;
    try {
      iterable = source.streamPages(context, batchSize, signal);
    } catch (error) {
      throw FaucetError.wrap(error, "source", { connector: name });
    }
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      while (true) {
        if (signal?.aborted) return;
        let step: IteratorResult<StreamPage>;
        try {
          step = await iterator.next();
        } catch (error) {
          if (signal?.aborted && !(error instanceof FaucetError)) throw cancelledError();
          throw FaucetError.wrap(error, "source", { connector: name });
        }
        if (step.done) return;
        yield checkPage(step.value, name);
      }
    } finally {
      // Let the source release its cursor or file handle when the consumer stops early.
      await iterator.return?.();
    }
  }
  if (signal?.aborted) return;
  const records = await fetchRecords(source, context);
  yield* chunkRecords(records, batchSize);
}

/**
 * Splits records into pages of `batchSize` (0 = one page, even when empty).
 *
 * @example
 * [...chunkRecords([1, 2, 3], 2)].map((p) => p.records); // [[1, 2], [3]]
 */
export function* chunkRecords(records: Value[], batchSize: number): Generator<StreamPage> {
  if (batchSize <= 0 || records.length <= batchSize) {
    yield { records };
    return;
  }
  for (let start = 0; start < records.length; start += batchSize) {
    yield { records: records.slice(start, start + batchSize) };
  }
}

async function fetchRecords(source: Source, ctx: FetchContext): Promise<Value[]> {
  const name = sourceName(source);
  let records: unknown;
  try {
    records = await source.fetchWithContext(ctx);
  } catch (error) {
    if (ctx.signal?.aborted && !(error instanceof FaucetError)) throw cancelledError();
    throw FaucetError.wrap(error, "source", { connector: name });
  }
  if (!Array.isArray(records)) {
    throw new FaucetError("contract", `fetchWithContext resolved to ${typeof records}, not an array of records`, {
      connector: name,
      hint: "return an array of JSON values (an empty array when there is nothing to read)",
    });
  }
  return records as Value[];
}

function checkPage(page: unknown, name: string): StreamPage {
  if (!page || typeof page !== "object" || !Array.isArray((page as StreamPage).records)) {
    throw new FaucetError("contract", "streamPages yielded a page without a `records` array", {
      connector: name,
      hint: "yield objects shaped { records: Value[], bookmark?: Value }",
    });
  }
  return page as StreamPage;
}

// Small pieces the SQL sinks' own test files share.
import { Pipeline, type PipelineResult, type Sink, type Source, silentLogger, type Value } from "faucet-core";

/** A source of fixed pages, page `i` bookmarked `bookmark(i)` (default `i`), for pipeline tests of a sink. */
export function pagesSource(pages: Value[][], bookmark: (index: number) => Value = (index) => index): Source {
  return {
    connectorName: () => "pages",
    fetchWithContext: async () => pages.flat(),
    async *streamPages() {
      for (const [i, records] of pages.entries()) yield { records, bookmark: bookmark(i) };
    },
  };
}

/** Writes one page with a fresh sink and closes it, failed or not; returns the rows written. */
export async function writeOnce(sink: Sink, records: Value[]): Promise<number> {
  try {
    return await sink.writeBatch(records);
  } finally {
    await sink.close?.();
  }
}

/**
 * Runs one page through a pipeline whose poison policy splits a failing page until each bad row
 * is alone and dropped (what a sink's atomic batches buy), then closes the sink.
 */
export async function runDroppingPoison(sink: Sink, page: Value[]): Promise<PipelineResult> {
  try {
    return await new Pipeline(pagesSource([page]), sink, {
      poison: { maxRowAttempts: 1, action: "drop" },
      logger: silentLogger,
    }).run();
  } finally {
    await sink.close?.();
  }
}

// Small pieces the SQL sources' own test files share.
import type { FetchContext, StreamPage } from "faucet-core";

/** A source that streams pages and closes, as every SQL source does. */
interface StreamingSource {
  streamPages(ctx: FetchContext, batchSize: number): AsyncIterable<StreamPage>;
  close(): Promise<void>;
}

/** Every page `source` streams at `batch` rows a page; the source is closed after. */
export async function readPages(source: StreamingSource, batch: number): Promise<StreamPage[]> {
  const out: StreamPage[] = [];
  for await (const page of source.streamPages({}, batch)) out.push(page);
  await source.close();
  return out;
}

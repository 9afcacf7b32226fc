// Pipeline overhead: 10M tiny records from a no-op source into a no-op sink. What this measures
// is the engine's own cost per page (prefetch, bookkeeping, state), not any connector.
import { Pipeline, type Sink, type Source, type StreamPage, type Value } from "faucet-core";

const total = Number(process.env.FAUCET_BENCH_CORE_ROWS ?? 10_000_000);
const batchSize = Number(process.env.FAUCET_BENCH_CORE_BATCH ?? 1000);

class NoopSource implements Source {
  async fetchWithContext(): Promise<Value[]> {
    return [];
  }
  async *streamPages(_ctx: unknown, size: number): AsyncIterable<StreamPage> {
    // One shared page object: the benchmark isolates the pipeline from record allocation.
    const page: Value[] = Array.from({ length: size }, (_, i) => ({ i }));
    for (let sent = 0; sent < total; sent += size) {
      yield { records: sent + size <= total ? page : page.slice(0, total - sent), bookmark: sent + size };
    }
  }
}

class NoopSink implements Sink {
  async writeBatch(records: readonly Value[]): Promise<number> {
    return records.length;
  }
}

async function once(prefetch: number): Promise<number> {
  const started = performance.now();
  const result = await new Pipeline(new NoopSource(), new NoopSink(), { batchSize, prefetch }).run();
  if (result.recordsWritten !== total) throw new Error(`expected ${total} records, wrote ${result.recordsWritten}`);
  return (performance.now() - started) / 1000;
}

await once(1); // warm-up
for (const prefetch of [0, 1]) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push(await once(prefetch));
  times.sort((a, b) => a - b);
  const median = times[2] as number;
  const rowsPerSecond = Math.round(total / median);
  const perPageMicros = ((median / (total / batchSize)) * 1e6).toFixed(2);
  console.log(
    `core  prefetch=${prefetch}  rows=${total}  batch=${batchSize}  median=${median.toFixed(3)}s  ` +
      `rows/s=${rowsPerSecond.toLocaleString("en-US")}  per-page=${perPageMicros}µs`,
  );
}

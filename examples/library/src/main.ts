// The smallest faucet program: a custom source and sink, moved by the Pipeline.
import { Pipeline, type Sink, type Source, type Value } from "faucet-core";

/** Reads a few orders from "our system" (an array standing in for an API or a table). */
class OrdersSource implements Source {
  readonly #orders = [
    { id: 1, customer: "Ada", total: 12.5 },
    { id: 2, customer: "Bo", total: 40 },
    { id: 3, customer: "Chen", total: 7.25 },
  ];
  async fetchWithContext(): Promise<Value[]> {
    return this.#orders;
  }
}

/** Writes each page to stdout as JSON Lines. */
class StdoutSink implements Sink {
  async writeBatch(records: readonly Value[]): Promise<number> {
    process.stdout.write(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
    return records.length;
  }
}

const result = await new Pipeline(new OrdersSource(), new StdoutSink(), { batchSize: 2 }).run();
console.log(`wrote ${result.recordsWritten} records in ${result.pages} pages`);

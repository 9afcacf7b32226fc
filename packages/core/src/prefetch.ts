/**
 * Read-ahead with a bound: pulls items from `source` in the background while the consumer works
 * on the current one, holding at most `depth` items ahead. With depth 0 it is a plain
 * pass-through. The producer waits for room *before* pulling the next item, so at most
 * `depth + 1` items are alive at once (the one being consumed and `depth` ahead).
 *
 * @example
 * for await (const page of prefetch(readPages(), 1)) await write(page);
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  if (depth <= 0) {
    yield* source;
    return;
  }
  const buffer: T[] = [];
  let finished = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const notifyConsumer = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const notifyProducer = () => {
    const wake = wakeProducer;
    wakeProducer = undefined;
    wake?.();
  };

  const pump = (async () => {
    try {
      for await (const item of source) {
        buffer.push(item);
        notifyConsumer();
        while (buffer.length >= depth && !stopped) {
          await new Promise<void>((resolve) => {
            wakeProducer = resolve;
          });
        }
        if (stopped) break;
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      notifyConsumer();
    }
  })();

  try {
    while (true) {
      if (buffer.length > 0) {
        const item = buffer.shift() as T;
        notifyProducer();
        yield item;
        continue;
      }
      if (finished) {
        if (failure) throw failure.error;
        return;
      }
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    buffer.length = 0;
    notifyProducer();
    // Wait for the producer to wind down (it closes the source iterator), but never hang on a
    // source that ignores cancellation.
    await Promise.race([pump, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }
}

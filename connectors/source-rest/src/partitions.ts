import type { Value } from "faucet-core";

/**
 * The key a partition's bookmark is stored under: its values in key order, joined, e.g.
 * `owner=nodejs,repo=undici`. Stable across runs as long as the partition entry is the same.
 *
 * @example
 * partitionKey({ repo: "undici", owner: "nodejs" }); // "owner=nodejs,repo=undici"
 */
export function partitionKey(partition: Readonly<Record<string, Value>>): string {
  return Object.keys(partition)
    .sort()
    .map((key) => `${key}=${scalarText(partition[key] as Value)}`)
    .join(",");
}

function scalarText(value: Value): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Runs `run(item)` for every item, at most `concurrency` at once, and yields what they produce
 * as it arrives, each value with its item. Producers wait while `concurrency` values are
 * buffered, so memory stays bounded. The first failure aborts the other producers (through the
 * signal given to `run`) and is thrown once the values produced before it were yielded; a
 * consumer that stops early aborts them too. With `concurrency` 1 it is a plain sequential loop.
 *
 * @example
 * for await (const { item, value } of mergeConcurrent(partitions, 4, (p, signal) => readPages(p, signal))) { … }
 */
export async function* mergeConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, signal: AbortSignal) => AsyncIterable<R>,
  signal?: AbortSignal,
): AsyncGenerator<{ item: T; value: R }> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (concurrency <= 1 || items.length <= 1) {
      for (const item of items) {
        for await (const value of run(item, controller.signal)) yield { item, value };
      }
      return;
    }
    yield* interleave(items, concurrency, run, controller);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

async function* interleave<T, R>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, signal: AbortSignal) => AsyncIterable<R>,
  controller: AbortController,
): AsyncGenerator<{ item: T; value: R }> {
  const buffer: Array<{ item: T; value: R }> = [];
  const spaceWaiters: Array<() => void> = [];
  let wakeConsumer: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  let nextItem = 0;
  let running = 0;

  const notify = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const worker = async () => {
    running++;
    try {
      while (!failure && !controller.signal.aborted && nextItem < items.length) {
        const item = items[nextItem++] as T;
        for await (const value of run(item, controller.signal)) {
          while (buffer.length >= concurrency && !controller.signal.aborted) {
            await new Promise<void>((resolve) => spaceWaiters.push(resolve));
          }
          if (controller.signal.aborted) return;
          buffer.push({ item, value });
          notify();
        }
      }
    } catch (error) {
      failure ??= { error };
      controller.abort();
    } finally {
      running--;
      notify();
    }
  };

  const workers = Array.from({ length: Math.min(concurrency, items.length) }, () => worker());
  try {
    while (true) {
      const entry = buffer.shift();
      if (entry) {
        spaceWaiters.shift()?.();
        yield entry;
        continue;
      }
      if (failure) throw failure.error;
      if (running === 0) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    controller.abort();
    for (const wake of spaceWaiters.splice(0)) wake();
    await Promise.allSettled(workers);
  }
}

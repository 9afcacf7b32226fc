// Small doubles and helpers the state-store lease suite uses, exported for a store's own cases.
import { FaucetError, type Logger, type Sink, type Source, type StreamPage, sleep, type Value } from "faucet-core";
import { expect } from "vitest";

/** The FaucetError `promise` rejects with. */
export async function rejection(promise: Promise<unknown>): Promise<FaucetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(FaucetError.is(error), String(error)).toBe(true);
  return error as FaucetError;
}

/** Retries `take` until it succeeds or `ms` passed. */
export async function eventually<T>(take: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await take();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** A logger that keeps what was logged. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/**
 * An incremental source of the records `{id}` for ids 1 to `last`, one per page with the id as
 * its bookmark, resuming after the start bookmark. With `gate`, the page of id 3 waits for it.
 */
export function numbersSource(last: number, gate?: Promise<void>): Source {
  let after = 0;
  const ids = () => Array.from({ length: Math.max(0, last - after) }, (_, i) => after + 1 + i);
  return {
    connectorName: () => "numbers",
    capabilities: () => ({ incremental: true, deterministicReplay: true, discover: false }),
    applyStartBookmark: (bookmark) => {
      after = bookmark as number;
    },
    fetchWithContext: async () => ids().map((id) => ({ id })),
    async *streamPages(): AsyncGenerator<StreamPage> {
      for (const id of ids()) {
        if (id === 3 && gate) await gate;
        yield { records: [{ id }], bookmark: id };
      }
    },
  };
}

/** A sink that keeps what it is given in `written`. */
export function keepingSink(): Sink & { written: Value[] } {
  const written: Value[] = [];
  return {
    written,
    writeBatch: async (records: readonly Value[]) => {
      written.push(...records);
      return records.length;
    },
  };
}

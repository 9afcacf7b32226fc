import { afterEach, type TestContext, test } from "vitest";
import type { Connector } from "./fixtures.js";

/** Connectors opened by one test, closed after it whether it passed or not. */
export class Opened<T extends Connector> {
  #open: T[] = [];

  constructor() {
    afterEach(async () => {
      const open = this.#open.reverse();
      this.#open = [];
      let failure: unknown;
      for (const connector of open) {
        try {
          await connector.close?.();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    });
  }

  /** Remembers `connector` so it is closed after the test. */
  track(connector: T): T {
    this.#open.push(connector);
    return connector;
  }
}

/** The vitest test of one check; `body` may call `ctx.skip(reason)` when the check does not apply. */
export function check(title: string, body: (ctx: TestContext) => Promise<void>, timeout?: number): void {
  test(title, async (ctx) => await body(ctx), timeout);
}

/** `config` with `batch_size` set: the convention of every connector that pages natively. */
export function withBatchSizeKey<C>(config: C, batchSize: number): C {
  return { ...(config as object), batch_size: batchSize } as C;
}

import { ConformanceError } from "faucet-conformance";
import { expect } from "vitest";

/** Runs `fn` and returns the ConformanceError it must throw for `check`. */
export async function failure(check: string, fn: () => unknown): Promise<ConformanceError> {
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof ConformanceError)) throw error;
    expect(error.check).toBe(check);
    expect(error.message.startsWith(`[conformance] ${check} (`)).toBe(true);
    return error;
  }
  throw new Error(`${check} passed, but it should have failed`);
}

import type { RejectedRecord, TransformSpec, Value } from "faucet-core";
import { applyTransforms, createTransforms, FaucetError, silentLogger } from "faucet-core";
import { expect } from "vitest";

/** The fixed clock the tests run with. */
export const CLOCK = new Date("2024-05-01T12:34:56.789Z");

/** Runs records (deep-copied) through the transforms, as the Pipeline would for one page. */
export async function run(
  specs: TransformSpec | TransformSpec[],
  records: Value[],
  context: { pageIndex?: number; pipeline?: string } = {},
): Promise<{ records: Value[]; rejected: RejectedRecord[] }> {
  const stages = createTransforms(Array.isArray(specs) ? specs : [specs], { logger: silentLogger });
  return await applyTransforms(structuredClone(records), stages, {
    logger: silentLogger,
    runStartedAt: CLOCK,
    pipeline: context.pipeline ?? "orders",
    pageIndex: context.pageIndex ?? 0,
  });
}

/** The records a transform produces. */
export async function output(specs: TransformSpec | TransformSpec[], records: Value[]): Promise<Value[]> {
  return (await run(specs, records)).records;
}

/** The error a page fails with. */
export async function failure(specs: TransformSpec | TransformSpec[], records: Value[]): Promise<FaucetError> {
  try {
    await run(specs, records);
  } catch (error) {
    expect(error).toBeInstanceOf(FaucetError);
    return error as FaucetError;
  }
  throw new Error("expected the page to fail");
}

/** The config error compiling a transform raises (before any record is read). */
export function configError(spec: TransformSpec): FaucetError {
  try {
    createTransforms([spec]);
  } catch (error) {
    expect(error).toBeInstanceOf(FaucetError);
    expect((error as FaucetError).kind).toBe("config");
    return error as FaucetError;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be refused`);
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { FaucetError, type Value } from "faucet-core";
import { afterAll, beforeAll, expect } from "vitest";

/**
 * A temporary folder and an in-memory DuckDB for one test file, both removed afterwards. The
 * tests of sink-parquet use it too: DuckDB reads and writes the Parquet files on the other side.
 */
export function fixture(): { dir: () => string; db: () => DuckDBConnection; sql: (query: string) => Promise<Value[]> } {
  let dir = "";
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "faucet-parquet-"));
    instance = await DuckDBInstance.create(":memory:", { threads: "2" });
    connection = await instance.connect();
  });
  afterAll(() => {
    connection?.closeSync();
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    db: () => connection as DuckDBConnection,
    sql: async (query: string) =>
      (await (connection as DuckDBConnection).runAndReadAll(query)).getRowObjectsJson() as Value[],
  };
}

/** Runs `fn` and returns the FaucetError it must throw. */
export async function faucetError(fn: () => Promise<unknown>): Promise<FaucetError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FaucetError);
    return error as FaucetError;
  }
  throw new Error("expected a FaucetError, nothing was thrown");
}

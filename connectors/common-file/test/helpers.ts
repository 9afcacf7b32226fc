// Test helpers the file connectors share; their tests import this file by its relative path.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { FaucetError } from "faucet-core";
import { afterAll, expect } from "vitest";

/**
 * A temporary directory for one test file, removed after its tests, and `file(name, content)`
 * that writes a file in it (parent directories included) and returns its path.
 */
export function scratchDir(prefix: string): { dir: string; file: (name: string, content: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  };
  return { dir, file };
}

/** `bytes` in chunks of `size`, so that a reader meets every chunk boundary. */
export async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** The FaucetError `promise` rejects with. */
export async function failure(promise: Promise<unknown>): Promise<FaucetError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaucetError);
  return error as FaucetError;
}

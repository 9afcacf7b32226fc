// Inputs scenarios share: the benchmark CSV, generated once per (rows, seed) into bench/data and
// reused while it is provably unchanged, and its expected canonical content, cached beside it.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeDataset } from "../dataset/dataset.js";
import type { ScenarioContext, Verification } from "./scenario.js";
import { verifyCsv } from "./verify.js";

/** The seed of every published figure (the Rust faucet-stream's benchmark uses 42 too). */
export const BENCH_SEED = 42;

interface Sidecar {
  rows: number;
  seed: number;
  bytes: number;
  mtimeMs: number;
  expected?: Verification;
}

/**
 * The path of `bench/data/bench-<rows>-<seed>.csv`, generating it unless an earlier run left it
 * with a matching record of its rows, seed, size and modification time.
 *
 * @example
 * const csv = ensureBenchCsv(ctx); // bench/data/bench-1000000-42.csv
 */
export function ensureBenchCsv(ctx: ScenarioContext, seed = BENCH_SEED): string {
  const path = join(ctx.dataDir, `bench-${ctx.rows}-${seed}.csv`);
  const sidecar = readSidecar(path);
  if (sidecar && sidecar.rows === ctx.rows && sidecar.seed === seed) return path;
  const started = performance.now();
  const bytes = writeDataset(path, { rows: ctx.rows, seed });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`  generated ${path} (${bytes.toLocaleString("en-US")} bytes, ${seconds} s)`);
  writeSidecar(path, { rows: ctx.rows, seed, bytes, mtimeMs: statSync(path).mtimeMs });
  return path;
}

/**
 * What a correct conversion of the CSV at `path` holds (every value a string), computed from
 * the CSV itself and cached in its sidecar.
 */
export async function expectedFromCsv(path: string): Promise<Verification> {
  const sidecar = readSidecar(path);
  if (sidecar?.expected) return sidecar.expected;
  const expected = await verifyCsv(path);
  if (sidecar) writeSidecar(path, { ...sidecar, expected });
  return expected;
}

function sidecarPath(path: string): string {
  return `${path}.json`;
}

/** The sidecar when it still describes the file on disk (same size and mtime), else undefined. */
function readSidecar(path: string): Sidecar | undefined {
  if (!existsSync(path) || !existsSync(sidecarPath(path))) return undefined;
  try {
    const sidecar = JSON.parse(readFileSync(sidecarPath(path), "utf8")) as Sidecar;
    const stat = statSync(path);
    return stat.size === sidecar.bytes && stat.mtimeMs === sidecar.mtimeMs ? sidecar : undefined;
  } catch {
    return undefined;
  }
}

function writeSidecar(path: string, sidecar: Sidecar): void {
  writeFileSync(sidecarPath(path), `${JSON.stringify(sidecar, null, 2)}\n`);
}

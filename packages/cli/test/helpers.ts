import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

/** The built binary, run exactly as a user runs it. */
export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const PLUGINS = fileURLToPath(new URL("./fixtures/plugins/", import.meta.url));
export const LINES_SINK = join(PLUGINS, "lines-sink.mjs");
export const TICKER_SOURCE = join(PLUGINS, "ticker-source.mjs");

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory outside the workspace, removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "faucet-cli-test-"));
  made.push(dir);
  return dir;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no FAUCET_* settings from the caller. */
function env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("FAUCET_")) base[k] = v;
  return { ...base, ...extra };
}

/** Runs `node packages/cli/dist/bin.js …args` to completion. */
export function faucet(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Run {
  const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: env(options.env),
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the binary without waiting, for signal tests. */
export function startFaucet(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: env(options.env) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const done = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done, output: () => ({ stdout, stderr }) };
}

/** Writes `text` to `dir/name` and returns the path. */
export function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The files in `dir` (empty when it does not exist). */
export function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Waits until `predicate` holds (polling), or fails after `ms`. */
export async function waitFor(predicate: () => boolean, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

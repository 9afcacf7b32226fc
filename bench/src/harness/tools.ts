// The programs the harness runs: faucet itself (the real CLI on a YAML file) and the reference
// tools scenarios share (DuckDB through @duckdb/node-api in a child process, Miller).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command, ReferenceTool, ScenarioContext } from "./scenario.js";

const require = createRequire(import.meta.url);
/** The compiled `bench/dist/tools/duckdb-sql.js` next to this module's folder. */
const DUCKDB_RUNNER = fileURLToPath(new URL("../tools/duckdb-sql.js", import.meta.url));

/** Path of the faucet CLI entry point in the workspace. */
export function faucetBin(root: string): string {
  return join(root, "packages", "cli", "dist", "bin.js");
}

/** `node packages/cli/dist/bin.js run <config>`: the real CLI, as a user runs it. */
export function faucetCommand(root: string, configPath: string): Command {
  return { argv: [process.execPath, faucetBin(root), "run", configPath] };
}

/** Why faucet cannot run yet, or undefined when its CLI is built. */
export function faucetUnavailable(root: string): string | undefined {
  if (existsSync(faucetBin(root))) return undefined;
  return "not built: packages/cli/dist/bin.js is missing (npm run build)";
}

/** faucet's version as the report shows it: the CLI package version and the git commit. */
export function faucetVersion(root: string): string {
  let version = "faucet";
  try {
    const manifest = JSON.parse(readFileSync(join(root, "packages", "cli", "package.json"), "utf8")) as {
      version?: string;
    };
    if (manifest.version) version += ` ${manifest.version}`;
  } catch {
    // the CLI package does not exist yet; the commit still identifies the code
  }
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  if (head.status === 0) {
    const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" });
    version += ` (${head.stdout.trim()}${dirty.stdout.trim() ? ", uncommitted changes" : ""})`;
  }
  return version;
}

/**
 * DuckDB running `sql` in its own Node process (so its memory is measured apart from the
 * harness), with DuckDB's default of one thread per core.
 *
 * @example
 * duckdbTool(`COPY (SELECT * FROM read_csv('in.csv', all_varchar = true)) TO 'out.jsonl' (FORMAT JSON)`, "out.jsonl");
 */
export function duckdbTool(sql: string, output: string): ReferenceTool {
  return {
    name: "duckdb",
    version: async () => {
      const version = packageVersion("@duckdb/node-api");
      return version === undefined ? undefined : `DuckDB via @duckdb/node-api ${version}`;
    },
    unavailable: async () =>
      packageVersion("@duckdb/node-api") === undefined
        ? "not installed: @duckdb/node-api (a devDependency of bench; npm install)"
        : undefined,
    command: { argv: [process.execPath, DUCKDB_RUNNER, sql] },
    output,
  };
}

/**
 * Miller (`mlr`) with the given arguments, its stdout going to `output`.
 *
 * @example
 * millerTool(["--icsv", "--ojsonl", "cat", "in.csv"], "out.jsonl");
 */
export function millerTool(args: readonly string[], output: string): ReferenceTool {
  return {
    name: "miller",
    version: async () => versionOf("mlr", ["--version"]),
    unavailable: async () =>
      versionOf("mlr", ["--version"]) === undefined ? "not installed: mlr (apt-get install miller)" : undefined,
    command: { argv: ["mlr", ...args], stdout: output },
    output,
  };
}

/** A tool's version line, or undefined when the program cannot be started. */
export function versionOf(program: string, args: readonly string[]): string | undefined {
  const result = spawnSync(program, args, { encoding: "utf8", timeout: 10_000 });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.trim().split("\n")[0];
}

function packageVersion(name: string): string | undefined {
  try {
    const manifest = require(`${name}/package.json`) as { version?: string };
    return manifest.version;
  } catch {
    return undefined;
  }
}

/** The absolute path of a scenario's output file named `name` (in `ctx.outDir`). */
export function outputPath(ctx: ScenarioContext, name: string): string {
  return join(ctx.outDir, name);
}

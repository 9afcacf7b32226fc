/** What most commands share: options parsing, and loading and resolving the config. */
import { FaucetError, type Logger } from "faucet-core";
import type { Invocation } from "./bin.js";
import { findConfigFile, loadDocument } from "./config/load.js";
import { type ResolvedPipeline, resolvePipeline } from "./config/resolve.js";
import { createLogger, type LogLevel, parseFormat, parseLevel } from "./observability/logger.js";

/** `--output text|json`. */
export function outputFormat(invocation: Invocation): "text" | "json" {
  const value = invocation.values.output ?? "text";
  if (value === "text" || value === "json") return value;
  throw new FaucetError("config", `--output must be text or json, got ${JSON.stringify(value)}`, {
    hint: "use --output json for one JSON summary on stdout",
  });
}

/** A non-negative integer option, or `fallback` when absent. */
export function integerOption(invocation: Invocation, name: string, fallback?: number): number | undefined {
  const raw = invocation.values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new FaucetError("config", `--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`, {
      hint: `e.g. --${name} 100`,
    });
  }
  return value;
}

/**
 * The logger for `--log-level` (or FAUCET_LOG, else `defaultLevel`) and `--log-format` (or
 * FAUCET_LOG_FORMAT); `runId` is added to every line.
 */
export function loggerFor(invocation: Invocation, options: { runId?: string; defaultLevel?: LogLevel } = {}): Logger {
  const level = (invocation.values["log-level"] as string | undefined) ?? process.env.FAUCET_LOG;
  const format = (invocation.values["log-format"] as string | undefined) ?? process.env.FAUCET_LOG_FORMAT;
  return createLogger({
    level: level === undefined && options.defaultLevel ? options.defaultLevel : parseLevel(level),
    format: parseFormat(format),
    ...(options.runId ? { runId: options.runId } : {}),
  });
}

/** Loads and resolves the config named by the first positional (or found in the cwd). */
export async function openConfig(invocation: Invocation, statePath?: string): Promise<ResolvedPipeline> {
  const cwd = process.cwd();
  const file = findConfigFile(invocation.positionals[0], cwd);
  const loaded = await loadDocument(file);
  return await resolvePipeline(loaded, { cwd, ...(statePath !== undefined ? { statePath } : {}) });
}

/** Refuses extra positionals beyond `max`. */
export function checkPositionals(invocation: Invocation, max: number, usage: string): void {
  if (invocation.positionals.length > max) {
    throw new FaucetError("config", `unexpected argument ${JSON.stringify(invocation.positionals[max])}`, {
      hint: `usage: ${usage}`,
    });
  }
}

/**
 * Everything the CLI prints goes through here, so registered secrets are redacted from every
 * line, and every failure becomes one clear line and an exit code.
 */
import { FaucetError, type LogFields, type Logger, redactSecrets } from "faucet-core";

/** Exit codes, documented in docs/cli.md. */
export const EXIT = { ok: 0, failed: 1, config: 2, cancelled: 130 } as const;

/** Writes to stdout, redacted. */
export function out(text: string): void {
  process.stdout.write(redactSecrets(text));
}

/** Writes to stderr, redacted. */
export function err(text: string): void {
  status.clear();
  process.stderr.write(redactSecrets(text));
}

/** The exit code for an error: 2 for config problems, 130 for cancellation, else 1. */
export function exitCodeOf(error: unknown): number {
  if (FaucetError.is(error, "config")) return EXIT.config;
  if (FaucetError.is(error, "cancelled")) return EXIT.cancelled;
  return EXIT.failed;
}

/** One line for any error: the FaucetError message (with its hint), or the thrown text. */
export function describeError(error: unknown): string {
  if (error instanceof FaucetError) return error.message;
  if (error instanceof Error) return `[faucet] ${error.message}`;
  return `[faucet] ${String(error)}`;
}

/** The error as JSON for `--output json`. */
export function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof FaucetError) return { ...error.toJSON(), message: redactSecrets(error.message) };
  return { kind: "custom", message: redactSecrets(describeError(error)) };
}

/** Log levels, lowest first. */
const LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LEVELS)[number];

/** Parses `--log-level` / FAUCET_LOG. */
export function parseLevel(value: string | undefined): LogLevel {
  const v = (value ?? "info").toLowerCase();
  if ((LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new FaucetError("config", `unknown log level ${JSON.stringify(value)}`, {
    hint: `use one of ${LEVELS.join(", ")}`,
  });
}

/**
 * A logger to stderr: human lines on a terminal, one JSON object per line otherwise (so each
 * committed page is one structured line at debug level).
 */
export function createLogger(level: LogLevel, json = !process.stderr.isTTY): Logger {
  const min = LEVELS.indexOf(level);
  const write = (at: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS.indexOf(at) < min) return;
    if (json) {
      const line = { ts: new Date().toISOString(), level: at, msg: message, ...clean(fields) };
      err(`${JSON.stringify(line)}\n`);
    } else {
      const extra = Object.entries(clean(fields))
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      err(`${at}: ${message}${extra ? ` ${extra}` : ""}\n`);
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

function clean(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** The single live status line on a terminal's stderr. */
export const status = {
  active: false,
  /** Replaces the status line. */
  show(text: string): void {
    if (!process.stderr.isTTY) return;
    const width = process.stderr.columns || 120;
    process.stderr.write(`\r\x1b[2K${redactSecrets(text).slice(0, Math.max(20, width - 1))}`);
    this.active = true;
  },
  /** Erases it (before any other output). */
  clear(): void {
    if (!this.active) return;
    process.stderr.write("\r\x1b[2K");
    this.active = false;
  },
};

/**
 * Everything the CLI prints goes through here, so registered secrets are redacted from every
 * line, and every failure becomes one clear line and an exit code. Log lines are formatted by
 * observability/logger.ts and written with `err`.
 */
import { FaucetError, redactSecrets } from "faucet-core";

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

/** Prints a failure as one line on stderr (and as JSON on stdout for `--output json`); returns its exit code. */
export function reportFailure(error: unknown, json: boolean): number {
  if (json) out(`${JSON.stringify({ status: "failed", error: errorJson(error) })}\n`);
  err(`${describeError(error)}\n`);
  return exitCodeOf(error);
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

/** The live status line of `faucet run` on a terminal, and the final summary. */
import type { PipelineProgress, PipelineResult, Value } from "faucet-core";
import { status } from "./output.js";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * Formats 1234567 as 1,234,567. By hand: the first `toLocaleString` of a process loads ICU's
 * number formatting, ~35 ms of every `faucet run` for one summary line.
 */
export function count(n: number): string {
  const rounded = Math.round(n);
  if (!Number.isSafeInteger(rounded)) return rounded.toLocaleString("en-US");
  const digits = String(rounded < 0 ? -rounded : rounded);
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits[i];
  }
  return rounded < 0 ? `-${out}` : out;
}

/** Formats milliseconds as 0.42 s, 12.3 s or 3m 05s. */
export function duration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}

/** `1 page`, `3 pages`. */
function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? "" : "s"}`;
}

function bookmarkText(bookmark: Value | undefined): string {
  if (bookmark === undefined) return "none";
  const text = JSON.stringify(bookmark);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Redraws one status line on stderr ten times a second while a run is in progress. */
export class StatusLine {
  readonly #started = performance.now();
  #progress: PipelineProgress | undefined;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;
  #note = "";

  /** Starts drawing, if stderr is a terminal. */
  start(): this {
    if (!process.stderr.isTTY) return this;
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#timer.unref();
    this.#draw();
    return this;
  }

  update(progress: PipelineProgress): void {
    this.#progress = progress;
  }

  /** A word shown after the counters, e.g. "cancelling…". */
  note(text: string): void {
    this.#note = text;
    this.#draw();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    status.clear();
  }

  #draw(): void {
    if (!this.#timer && this.#frame > 0) return;
    const p = this.#progress;
    const elapsed = performance.now() - this.#started;
    const written = p?.recordsWritten ?? 0;
    const rate = elapsed > 0 ? (written / elapsed) * 1000 : 0;
    const spin = SPINNER[this.#frame++ % SPINNER.length];
    status.show(
      `${spin} read ${count(p?.recordsRead ?? 0)} · written ${count(written)} · ${count(p?.pages ?? 0)} pages · ` +
        `${count(rate)} rows/s · ${duration(elapsed)} · bookmark ${bookmarkText(p?.bookmark)}${this.#note ? ` · ${this.#note}` : ""}`,
    );
  }
}

/** The one-paragraph summary printed after a run. */
export function summaryText(result: PipelineResult, dryRun: boolean): string {
  const rate = result.durationMs > 0 ? (result.recordsWritten / result.durationMs) * 1000 : 0;
  const head = result.cancelled ? "cancelled" : dryRun ? "dry run finished" : "done";
  const verb = dryRun ? "would write" : "wrote";
  const lines = [
    `${head}: ${result.name}: read ${plural(result.recordsRead, "record")}, ${verb} ${count(result.recordsWritten)} in ${plural(result.pages, "page")}, ${duration(result.durationMs)} (${count(rate)} rows/s)`,
  ];
  if (result.deadLettered > 0) lines.push(`  dead-lettered: ${plural(result.deadLettered, "record")}`);
  if (dryRun) lines.push("  nothing was written and no state was saved");
  else lines.push(`  bookmark${result.cancelled ? " saved" : ""}: ${bookmarkText(result.bookmark)}`);
  lines.push(
    `  delivery: ${result.delivery.guarantee}${result.delivery.mechanism ? ` (${result.delivery.mechanism})` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

/** The `--output json` summary. */
export function summaryJson(result: PipelineResult, dryRun: boolean): Record<string, unknown> {
  return {
    status: result.cancelled ? "cancelled" : "ok",
    name: result.name,
    dry_run: dryRun,
    records_read: result.recordsRead,
    records_written: result.recordsWritten,
    pages: result.pages,
    dead_lettered: result.deadLettered,
    bookmark: result.bookmark ?? null,
    cancelled: result.cancelled,
    duration_ms: result.durationMs,
    delivery: result.delivery.guarantee,
    ...(result.delivery.mechanism ? { delivery_mechanism: result.delivery.mechanism } : {}),
  };
}

/** `faucet dlq inspect`: a summary of a dead-letter file, built in one streamed pass. */
import type { Value } from "faucet-core";
import { count } from "../progress.js";
import { checkDeadLetterFile, type MalformedLine, readDeadLetters } from "./file.js";

/** How many malformed lines are listed by number (the rest are only counted). */
export const MALFORMED_LISTED = 20;

/** One sample envelope. */
export interface Sample {
  line: number;
  reason: string;
  error_kind: string;
  message: string;
  payload: Value;
}

/** What `faucet dlq inspect` reports (also its `--output json` shape). */
export interface DeadLetterSummary {
  file: string;
  lines: number;
  envelopes: number;
  by_reason: Record<string, number>;
  by_error_kind: Record<string, number>;
  by_pipeline: Record<string, number>;
  first_ts: string | null;
  last_ts: string | null;
  samples: Sample[];
  malformed: number;
  malformed_lines: MalformedLine[];
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Counts sorted by count, largest first, then by name. */
function sorted(counts: Map<string, number>): Record<string, number> {
  const entries = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return Object.fromEntries(entries);
}

/**
 * Reads `path` once and summarizes it: counts by reason, error kind and pipeline, the first and
 * last timestamps, the first `samples` envelopes, and every malformed line (the first
 * {@link MALFORMED_LISTED} by number). Memory stays constant whatever the file's size.
 *
 * @example
 * const summary = await summarizeDeadLetters("out/dlq.jsonl", 5);
 */
export async function summarizeDeadLetters(path: string, samples = 5): Promise<DeadLetterSummary> {
  checkDeadLetterFile(path);
  const reasons = new Map<string, number>();
  const kinds = new Map<string, number>();
  const pipelines = new Map<string, number>();
  const summary: DeadLetterSummary = {
    file: path,
    lines: 0,
    envelopes: 0,
    by_reason: {},
    by_error_kind: {},
    by_pipeline: {},
    first_ts: null,
    last_ts: null,
    samples: [],
    malformed: 0,
    malformed_lines: [],
  };
  for await (const chunk of readDeadLetters(path)) {
    for (const item of chunk) {
      if (item.type === "blank") {
        summary.lines = item.line;
        continue;
      }
      summary.lines = item.value.line;
      if (item.type === "malformed") {
        summary.malformed++;
        if (summary.malformed_lines.length < MALFORMED_LISTED) summary.malformed_lines.push(item.value);
        continue;
      }
      const e = item.value;
      summary.envelopes++;
      bump(reasons, e.reason);
      bump(kinds, e.errorKind);
      bump(pipelines, e.pipeline);
      // ISO-8601 UTC timestamps order as text.
      if (e.ts !== undefined) {
        if (summary.first_ts === null || e.ts < summary.first_ts) summary.first_ts = e.ts;
        if (summary.last_ts === null || e.ts > summary.last_ts) summary.last_ts = e.ts;
      }
      if (summary.samples.length < samples) {
        summary.samples.push({
          line: e.line,
          reason: e.reason,
          error_kind: e.errorKind,
          message: e.message,
          payload: e.envelope.payload as Value,
        });
      }
    }
  }
  summary.by_reason = sorted(reasons);
  summary.by_error_kind = sorted(kinds);
  summary.by_pipeline = sorted(pipelines);
  return summary;
}

function clip(text: string, max: number): string {
  const one = text.replace(/\s*\n\s*/g, " ");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function table(title: string, counts: Record<string, number>): string[] {
  const entries = Object.entries(counts);
  if (entries.length === 0) return [];
  const width = Math.max(...entries.map(([k]) => k.length));
  return [`  ${title}:`, ...entries.map(([k, n]) => `    ${k.padEnd(width)}  ${count(n)}`)];
}

/** The text report of {@link summarizeDeadLetters}. */
export function summaryText(s: DeadLetterSummary): string {
  const n = s.envelopes;
  const lines = [`${s.file}: ${count(n)} dead-lettered record${n === 1 ? "" : "s"}`];
  if (s.first_ts !== null) lines.push(`  first: ${s.first_ts}`, `  last:  ${s.last_ts}`);
  lines.push(...table("by reason", s.by_reason), ...table("by error kind", s.by_error_kind));
  lines.push(...table("by pipeline", s.by_pipeline));
  if (s.samples.length > 0) {
    lines.push(`  samples (first ${s.samples.length}):`);
    for (const sample of s.samples) {
      lines.push(`    line ${sample.line}: ${sample.reason}/${sample.error_kind}: ${clip(sample.message, 160)}`);
      lines.push(`      payload ${clip(JSON.stringify(sample.payload) ?? "null", 160)}`);
    }
  }
  if (s.malformed > 0) {
    lines.push(`  malformed lines: ${count(s.malformed)}`);
    for (const m of s.malformed_lines) lines.push(`    line ${m.line}: ${clip(m.problem, 160)}`);
    if (s.malformed > s.malformed_lines.length) lines.push(`    … and ${s.malformed - s.malformed_lines.length} more`);
  }
  return `${lines.join("\n")}\n`;
}

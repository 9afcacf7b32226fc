/**
 * `faucet dlq replay`: sends the payloads of a JSON Lines dead-letter file through the pipeline's
 * own sink again. Rows that fail again go to a new dead-letter file; the replayed file is never
 * modified. Progress is a bookmark in the pipeline's state store (line reached, and which file),
 * so a replay that stops half-way resumes, and replaying the same file twice re-sends nothing.
 */
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import {
  applyTransforms,
  FaucetError,
  type FetchContext,
  type Logger,
  Pipeline,
  type PipelineResult,
  type Sink,
  type Source,
  type StateStore,
  type StreamPage,
  type Transform,
  type Value,
} from "faucet-core";
import type { ResolvedPipeline } from "../config/resolve.js";
import { readDeadLetters, readLines } from "./file.js";

/** Which rows go through the pipeline's transforms again. */
export type ReplayTransforms = "auto" | "all" | "none";

/** Where a replay got to in one file: stored under the replay's state key. */
export interface ReplayMark {
  file: string;
  /** SHA-256 of the file's first line: a file replaced by a new one starts over. */
  first: string;
  line: number;
}

/** The default file for rows that fail again: `dlq.jsonl` → `dlq.replay-failed.jsonl`. */
export function defaultFailedPath(from: string): string {
  const name = basename(from).replace(/\.gz$/i, "");
  const stem = name.replace(/\.(jsonl|ndjson|json)$/i, "");
  return join(dirname(from), `${stem}.replay-failed.jsonl`);
}

/**
 * The state key a replay of `from` keeps its progress under: the file's name, and a short hash of
 * its absolute path so two files of one name in different directories never share progress.
 */
export function replayStateKey(pipelineKey: string, from: string): string {
  const where = createHash("sha256").update(from).digest("hex").slice(0, 8);
  return `${pipelineKey}:dlq-replay:${basename(from)}#${where}`;
}

/** SHA-256 of the first line of `path` ("" for an empty file). */
export async function firstLineHash(path: string): Promise<string> {
  for await (const { lines } of readLines(path))
    return createHash("sha256")
      .update(lines[0] ?? "")
      .digest("hex");
  return createHash("sha256").update("").digest("hex");
}

/** Whether a stored mark belongs to this file, so the replay may skip the lines it covers. */
export function markApplies(mark: Value | undefined, file: string, first: string): mark is Value & ReplayMark {
  if (!mark || typeof mark !== "object" || Array.isArray(mark)) return false;
  const m = mark as Record<string, Value>;
  return m.file === file && m.first === first && typeof m.line === "number";
}

/** Reads a dead-letter file as pages of envelopes, bookmarked by line, from where the last replay stopped. */
export class DeadLetterFileSource implements Source {
  readonly #path: string;
  readonly #first: string;
  #startLine = 0;
  /** Envelopes read (this run). */
  envelopes = 0;
  /** Envelopes skipped because an earlier replay already sent them. */
  skipped = 0;

  constructor(path: string, first: string) {
    this.#path = path;
    this.#first = first;
  }

  connectorName(): string {
    return "dlq-replay";
  }

  get startLine(): number {
    return this.#startLine;
  }

  applyStartBookmark(bookmark: Value): void {
    if (markApplies(bookmark, this.#path, this.#first)) this.#startLine = bookmark.line;
  }

  async fetchWithContext(): Promise<Value[]> {
    throw new FaucetError("contract", "the dead-letter replay source only streams pages");
  }

  async *streamPages(_ctx: FetchContext, batchSize: number, signal?: AbortSignal): AsyncGenerator<StreamPage> {
    const size = batchSize > 0 ? batchSize : Number.POSITIVE_INFINITY;
    let records: Value[] = [];
    let last = this.#startLine;
    const mark = (): Value => ({ file: this.#path, first: this.#first, line: last });
    for await (const chunk of readDeadLetters(this.#path, signal)) {
      for (const item of chunk) {
        const line = item.type === "blank" ? item.line : item.value.line;
        if (line <= this.#startLine) {
          if (item.type === "envelope") this.skipped++;
          continue;
        }
        last = line;
        if (item.type === "malformed") {
          throw new FaucetError("json", `${this.#path}:${line}: ${item.value.problem}`, {
            hint: "fix or remove that line (`faucet dlq inspect` lists every malformed line), then replay again",
          });
        }
        if (item.type === "envelope") {
          records.push(item.value.envelope);
          this.envelopes++;
        }
        if (records.length >= size) {
          yield { records, bookmark: mark() };
          records = [];
        }
      }
    }
    if (records.length > 0 || last > this.#startLine) yield { records, bookmark: mark() };
  }
}

/** Counters the replay transform keeps. */
export interface RouteCounts {
  /** Rows that went through the pipeline's transforms again. */
  retransformed: number;
  /** Rows a transform dropped (a filter) instead of passing or rejecting them. */
  filtered: number;
}

/**
 * Unwraps each envelope to its payload. With `auto`, rows a transform rejected
 * (`transform_rejected`) go through the pipeline's transforms again, since their payload is the
 * record as the rejecting stage received it; rows the sink refused are already transformed and
 * go straight to the sink. `all` and `none` apply to every row. Rows a transform rejects again
 * go to the new dead-letter file.
 */
export function replayTransform(
  transforms: readonly Transform[],
  mode: ReplayTransforms,
  counts: RouteCounts,
): Transform {
  return async function dlqReplay(envelopes, ctx) {
    const out: Value[] = [];
    let segment: Value[] = [];
    let rerun = false;
    const flush = async () => {
      if (segment.length === 0) return;
      if (!rerun || transforms.length === 0) out.push(...segment);
      else {
        counts.retransformed += segment.length;
        const result = await applyTransforms(segment, transforms, {
          logger: ctx.logger,
          pageIndex: ctx.pageIndex,
          runStartedAt: ctx.runStartedAt,
          pipeline: ctx.pipeline,
        });
        out.push(...result.records);
        for (const r of result.rejected) ctx.reject(r.record, r.reason, r.error);
        counts.filtered += Math.max(0, segment.length - result.records.length - result.rejected.length);
      }
      segment = [];
    };
    for (const envelope of envelopes) {
      const e = envelope as Record<string, Value>;
      const again = mode === "all" || (mode === "auto" && e.reason === "transform_rejected");
      if (again !== rerun) {
        await flush();
        rerun = again;
      }
      segment.push(e.payload as Value);
    }
    await flush();
    return out;
  };
}

/** Keeps a sink in append mode: a file sink would otherwise replace its output on a fresh run. */
async function appendTo(sink: Sink): Promise<void> {
  await sink.resume?.({ dlq_replay: true });
}

/** What a replay needs. */
export interface ReplayInputs {
  resolved: ResolvedPipeline;
  from: string;
  failedPath: string;
  transforms: readonly Transform[];
  mode: ReplayTransforms;
  sink: Sink;
  failedSink: Sink;
  /** The pipeline's store, or undefined for a dry run (which reads `startMark` instead). */
  stateStore: StateStore | undefined;
  stateKey: string;
  startMark: Value | undefined;
  dryRun: boolean;
  logger: Logger;
  signal: AbortSignal;
}

/** What a replay did (also the `--output json` shape, with the fields below in snake_case). */
export interface ReplayOutcome {
  result: PipelineResult;
  source: DeadLetterFileSource;
  counts: RouteCounts;
}

/** Runs the replay pipeline: dead-letter file → (transforms) → the pipeline's sink; failures → `failedSink`. */
export async function runReplay(inputs: ReplayInputs): Promise<ReplayOutcome> {
  const { resolved } = inputs;
  const source = new DeadLetterFileSource(inputs.from, await firstLineHash(inputs.from));
  const counts: RouteCounts = { retransformed: 0, filtered: 0 };
  if (!inputs.dryRun) await appendTo(inputs.sink);
  const dlq = resolved.dlq;
  const pipeline = new Pipeline(source, inputs.sink, {
    name: resolved.name,
    ...(inputs.stateStore ? { stateStore: inputs.stateStore } : {}),
    stateKey: inputs.stateKey,
    ...(inputs.startMark !== undefined ? { startBookmark: inputs.startMark } : {}),
    // The caller holds the pipeline's own lease, which every replay of it takes first.
    lease: false,
    transforms: [replayTransform(inputs.transforms, inputs.mode, counts)],
    delivery: "at_least_once",
    logger: inputs.logger,
    signal: inputs.signal,
    closeConnectors: false,
    ...(resolved.batchSize !== undefined ? { batchSize: resolved.batchSize } : {}),
    ...(resolved.retry ? { retry: resolved.retry } : {}),
    ...(resolved.retryOn ? { retryOn: resolved.retryOn } : {}),
    ...(resolved.circuitBreaker ? { circuitBreaker: resolved.circuitBreaker } : {}),
    ...(resolved.poison ? { poison: resolved.poison } : {}),
    deadLetter: {
      sink: inputs.failedSink,
      onBatchError: dlq?.onBatchError ?? "propagate",
      ...(dlq?.maxFailuresPerPage !== undefined ? { maxFailuresPerPage: dlq.maxFailuresPerPage } : {}),
      ...(dlq?.maxFailuresTotal !== undefined ? { maxFailuresTotal: dlq.maxFailuresTotal } : {}),
    },
  });
  const result = await pipeline.run();
  return { result, source, counts };
}

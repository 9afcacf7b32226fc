import { parseConfig } from "../config.js";
import type { DeadLetterOptions } from "../dead-letter.js";
import type { TransformDefinition } from "../define.js";
import { FaucetError } from "../errors.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { Pipeline } from "../pipeline.js";
import type { Sink } from "../sink.js";
import type { Source, StreamPage } from "../source.js";
import type { Transform } from "../transform.js";
import type { Value } from "../value.js";
import { firstDifference } from "./diff.js";
import { builtinTransforms, createTransforms, type TransformSpec } from "./registry.js";
import { pinRunId } from "./set.js";
import { isPlainObject } from "./shared.js";
import {
  type ParsedTransformTestSpec,
  type TransformTestDlq,
  type TransformTestExpectation,
  TransformTestSpecSchema,
} from "./test-spec.js";

/** What one case did and whether it met its expectations. */
export interface TransformTestCaseReport {
  name: string;
  passed: boolean;
  /** One line per unmet expectation. */
  failures: string[];
  /** What the sink received. */
  records: Value[];
  /** What the dead-letter sink received (full envelopes). */
  deadLetter: Value[];
  /** The error the run failed with, if it failed. */
  error?: { kind: string; message: string };
  durationMs: number;
}

/** The result of a spec: every case, and whether all passed. */
export interface TransformTestReport {
  name?: string;
  passed: boolean;
  passedCount: number;
  failedCount: number;
  cases: TransformTestCaseReport[];
  durationMs: number;
}

/** What a spec's `pipeline:` file contributes. */
export interface PipelineFixture {
  transforms?: TransformSpec[];
  dlq?: TransformTestDlq;
}

/** Options of {@link runTransformSpec}. */
export interface RunTransformSpecOptions {
  /** The spec file's directory: relative paths in transform configs resolve against it. */
  baseDir?: string;
  /** Where the spec came from, for error paths. Default `spec`. */
  file?: string;
  /** Extra transform definitions (third-party transforms) besides the built-in ones. */
  definitions?: readonly TransformDefinition[];
  /** Reads the spec's `pipeline:` file (the CLI supplies this; core reads no YAML). */
  loadPipeline?: (path: string, baseDir: string) => PipelineFixture | Promise<PipelineFixture>;
  logger?: Logger;
}

/** Yields fixture records in pages, as a real source would. */
class FixtureSource implements Source {
  readonly #records: Value[];
  readonly #batch: number;
  constructor(records: Value[], batch: number) {
    this.#records = records;
    this.#batch = batch;
  }
  connectorName(): string {
    return "test-fixture";
  }
  async fetchWithContext(): Promise<Value[]> {
    return this.#records;
  }
  async *streamPages(_ctx: unknown, batchSize: number): AsyncIterable<StreamPage> {
    const size = this.#batch || batchSize || this.#records.length || 1;
    for (let at = 0; at < this.#records.length; at += size) yield { records: this.#records.slice(at, at + size) };
  }
}

/** Keeps every record written to it. */
class CaptureSink implements Sink {
  readonly rows: Value[] = [];
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  connectorName(): string {
    return this.#name;
  }
  async writeBatch(records: readonly Value[]): Promise<number> {
    for (const record of records) this.rows.push(record);
    return records.length;
  }
}

/**
 * Runs a `faucet test` spec: for each case an in-memory source yields the case's input, the
 * transforms under test run through the real {@link Pipeline} (with dead-letter routing when the
 * spec asks for it), a capturing sink keeps the output, and the output is checked against the
 * expected records, dead-letter rows or error. A malformed spec throws a `config` FaucetError; a
 * case that fails its expectations is reported, never thrown.
 *
 * @example
 * const report = await runTransformSpec({
 *   transforms: [{ type: "cast", config: { fields: { n: "int" } } }],
 *   cases: [{ name: "casts", input: [{ n: "1" }], expect: { records: [{ n: 1 }] } }],
 * });
 * console.log(formatTransformTestReport(report));
 */
export async function runTransformSpec(
  spec: unknown,
  options: RunTransformSpecOptions = {},
): Promise<TransformTestReport> {
  const started = performance.now();
  const parsed = parseConfig(TransformTestSpecSchema, spec, { path: options.file ?? "spec" });
  const baseDir = options.baseDir ?? process.cwd();
  let fixture: PipelineFixture = {};
  if (parsed.pipeline !== undefined) {
    if (!options.loadPipeline) {
      throw new FaucetError("config", `invalid config: \`pipeline: ${parsed.pipeline}\` needs a pipeline loader`, {
        hint: "run the spec with `faucet test`, or pass loadPipeline to runTransformSpec",
      });
    }
    fixture = await options.loadPipeline(parsed.pipeline, baseDir);
  }
  const cases: TransformTestCaseReport[] = [];
  for (let index = 0; index < parsed.cases.length; index++) {
    cases.push(await runCase(parsed, index, fixture, { ...options, baseDir }));
  }
  const passedCount = cases.filter((c) => c.passed).length;
  return {
    ...(parsed.name === undefined ? {} : { name: parsed.name }),
    passed: passedCount === cases.length,
    passedCount,
    failedCount: cases.length - passedCount,
    cases,
    durationMs: Math.round(performance.now() - started),
  };
}

async function runCase(
  spec: ParsedTransformTestSpec,
  index: number,
  fixture: PipelineFixture,
  options: RunTransformSpecOptions & { baseDir: string },
): Promise<TransformTestCaseReport> {
  const started = performance.now();
  const testCase = spec.cases[index] as ParsedTransformTestSpec["cases"][number];
  const logger = options.logger ?? silentLogger;
  const sink = new CaptureSink("test-output");
  const deadLetterSink = new CaptureSink("test-dead-letter");
  let error: FaucetError | undefined;
  try {
    const stages = compileStages(spec, index, fixture, options);
    const clock = spec.now === undefined ? new Date() : new Date(spec.now);
    if (spec.run_id !== undefined) pinRunId(clock, spec.run_id);
    const dlq = testCase.dlq ?? spec.dlq ?? fixture.dlq;
    const source = new FixtureSource(
      structuredClone(testCase.input) as Value[],
      testCase.batch_size ?? spec.batch_size,
    );
    await new Pipeline(source, sink, {
      name: spec.pipeline_name,
      batchSize: testCase.batch_size ?? spec.batch_size,
      transforms: stages.map((stage) => withClock(stage, clock)),
      retry: false,
      logger,
      ...(dlq ? { deadLetter: deadLetterOptions(dlq, deadLetterSink) } : {}),
    }).run();
  } catch (caught) {
    error = FaucetError.wrap(caught, "custom");
  }
  const failures = check(testCase.expect, sink.rows, deadLetterSink.rows, error);
  return {
    name: testCase.name,
    passed: failures.length === 0,
    failures,
    records: sink.rows,
    deadLetter: deadLetterSink.rows,
    ...(error ? { error: { kind: error.kind, message: error.message } } : {}),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}

function compileStages(
  spec: ParsedTransformTestSpec,
  index: number,
  fixture: PipelineFixture,
  options: RunTransformSpecOptions & { baseDir: string },
): Transform[] {
  const own = spec.cases[index]?.transforms;
  const list = own ?? spec.transforms ?? fixture.transforms;
  if (list === undefined) {
    throw new FaucetError("config", `invalid config: case \`${spec.cases[index]?.name}\` has no transforms to test`, {
      hint: "set `transforms` (or `pipeline`) at the top of the spec, or in the case",
    });
  }
  return createTransforms(list as TransformSpec[], {
    baseDir: options.baseDir,
    logger: options.logger ?? silentLogger,
    pipeline: spec.pipeline_name,
    path: own ? `cases[${index}].transforms` : "transforms",
    ...(options.definitions ? { definitions: [...options.definitions, ...builtinTransforms] } : {}),
  });
}

/** A stage that sees the pinned clock as the run's start. */
function withClock(stage: Transform, clock: Date): Transform {
  const pinned: Transform = (records, ctx) => stage(records, { ...ctx, runStartedAt: clock });
  Object.defineProperty(pinned, "name", { value: stage.name });
  return pinned;
}

function deadLetterOptions(dlq: TransformTestDlq, sink: Sink): DeadLetterOptions {
  const options: DeadLetterOptions = { sink };
  if (typeof dlq === "object") {
    if (dlq.on_batch_error) options.onBatchError = dlq.on_batch_error;
    if (dlq.max_failures_per_page !== undefined) options.maxFailuresPerPage = dlq.max_failures_per_page;
    if (dlq.max_failures_total !== undefined) options.maxFailuresTotal = dlq.max_failures_total;
  }
  return options;
}

function check(
  expect: TransformTestExpectation,
  records: Value[],
  deadLetter: Value[],
  error: FaucetError | undefined,
): string[] {
  const failures: string[] = [];
  if (expect.error === undefined && error) failures.push(`the run failed: ${error.message}`);
  if (expect.error !== undefined) {
    const want = typeof expect.error === "string" ? { message: expect.error } : expect.error;
    if (!error)
      failures.push(`expected the run to fail${want.message ? ` with "${want.message}"` : ""}, but it succeeded`);
    else {
      if (want.kind && error.kind !== want.kind)
        failures.push(`expected an error of kind ${want.kind}, got ${error.kind}: ${error.message}`);
      if (want.message && !error.message.includes(want.message)) {
        failures.push(`expected the error to contain "${want.message}", got: ${error.message}`);
      }
    }
  }
  if (expect.records !== undefined) {
    const diff = firstDifference(expect.records, records);
    if (diff) failures.push(`records differ at ${diff}`);
  }
  if (expect.record_count !== undefined && records.length !== expect.record_count) {
    failures.push(`expected ${expect.record_count} records, got ${records.length}`);
  }
  if (expect.dead_letter_count !== undefined && deadLetter.length !== expect.dead_letter_count) {
    failures.push(`expected ${expect.dead_letter_count} dead-letter rows, got ${deadLetter.length}`);
  }
  if (expect.dead_letter !== undefined) failures.push(...checkDeadLetter(expect.dead_letter, deadLetter));
  return failures;
}

function checkDeadLetter(expected: NonNullable<TransformTestExpectation["dead_letter"]>, actual: Value[]): string[] {
  const failures: string[] = [];
  if (expected.length !== actual.length) {
    failures.push(`expected ${expected.length} dead-letter rows, got ${actual.length}`);
  }
  for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
    const want = expected[i] as (typeof expected)[number];
    const got = actual[i] as Value;
    if (!isPlainObject(got)) continue;
    const diff = firstDifference(want.payload, got.payload, `dead_letter[${i}].payload`);
    if (diff) failures.push(diff);
    const errorInfo = isPlainObject(got.error) ? got.error : {};
    if (want.reason !== undefined && got.reason !== want.reason) {
      failures.push(`dead_letter[${i}].reason: expected ${want.reason}, got ${String(got.reason)}`);
    }
    if (want.error_kind !== undefined && errorInfo.kind !== want.error_kind) {
      failures.push(`dead_letter[${i}].error.kind: expected ${want.error_kind}, got ${String(errorInfo.kind)}`);
    }
    if (want.error !== undefined && !String(errorInfo.message ?? "").includes(want.error)) {
      failures.push(
        `dead_letter[${i}].error: expected it to contain "${want.error}", got: ${String(errorInfo.message)}`,
      );
    }
  }
  return failures;
}

/**
 * The report as text for a terminal: one line per case (✓/✗) with its failures indented, and a
 * closing `N passed, N failed` line.
 *
 * @example
 * process.stdout.write(formatTransformTestReport(report));
 */
export function formatTransformTestReport(report: TransformTestReport): string {
  const lines: string[] = [];
  if (report.name) lines.push(report.name);
  for (const c of report.cases) {
    lines.push(`${c.passed ? "✓" : "✗"} ${c.name}`);
    for (const failure of c.failures) lines.push(`    ${failure}`);
  }
  lines.push(`${report.passedCount} passed, ${report.failedCount} failed`);
  return `${lines.join("\n")}\n`;
}

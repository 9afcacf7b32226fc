// Runs one scenario: setup, then faucet and every reference tool in alternating rounds (warm-up
// rounds first, discarded), each run reset, timed and verified against the expected content.
// A tool that is missing, fails or writes a wrong output is reported as such, with no figures.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { type Measurement, measure } from "./measure.js";
import type { Command, Scenario, ScenarioContext, Verification } from "./scenario.js";
import { faucetCommand, faucetUnavailable, faucetVersion } from "./tools.js";

/** How many rounds to run. */
export interface RunOptions {
  warmups: number;
  runs: number;
}

/** One tool's outcome in a scenario. */
export interface ToolResult {
  name: string;
  version: string | undefined;
  /** ok: every run succeeded and verified; otherwise why there are no figures. */
  status: "ok" | "unavailable" | "failed" | "wrong output";
  reason?: string;
  /** The measured runs (warm-ups excluded), in order. */
  runs: Measurement[];
  medianSeconds?: number;
  minSeconds?: number;
  maxSeconds?: number;
  /** The largest peak RSS over the measured runs, in bytes, when it could be read. */
  peakRssBytes?: number;
  verification?: Verification;
}

/** A scenario's outcome. */
export interface ScenarioResult {
  id: string;
  title: string;
  description: string;
  rows: number;
  options: RunOptions;
  /** Set when the scenario could not run at all (setup or expected content failed). */
  error?: string;
  expected?: Verification;
  tools: ToolResult[];
  /** The 1-minute load average when the runs started and ended: other work on the machine skews figures. */
  load?: { start: number; end: number };
}

interface Contender {
  result: ToolResult;
  command: Command;
  output: string;
}

/**
 * Runs `scenario` with `ctx.rows` rows and returns every tool's figures or the reason it has none.
 *
 * @example
 * const result = await runScenario(scenarioA, ctx, { warmups: 1, runs: 5 });
 */
export async function runScenario(
  scenario: Scenario,
  ctx: ScenarioContext,
  options: RunOptions,
): Promise<ScenarioResult> {
  const base = { id: scenario.id, title: scenario.title, description: scenario.description, rows: ctx.rows, options };
  await mkdir(ctx.outDir, { recursive: true });
  let expected: Verification;
  try {
    await scenario.setup(ctx);
    log(`  computing the expected content`);
    expected = await scenario.expected(ctx);
  } catch (error) {
    return { ...base, error: `setup failed: ${messageOf(error)}`, tools: [] };
  }
  try {
    const contenders = await contendersOf(scenario, ctx);
    const verifier = new CachedVerifier(scenario, ctx);
    const loadAtStart = loadavg()[0]!;
    const rounds = options.warmups + options.runs;
    for (let round = 0; round < rounds; round++) {
      const measured = round >= options.warmups;
      // Rotate who goes first each round so no tool always runs right after the same one.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const contender of order) {
        if (contender.result.status !== "ok") continue;
        await runOnce(contender, scenario, ctx, verifier, expected, measured, round - options.warmups + 1);
      }
    }
    for (const contender of contenders) summarize(contender.result);
    const load = { start: loadAtStart, end: loadavg()[0]! };
    return { ...base, expected, tools: contenders.map((contender) => contender.result), load };
  } finally {
    await scenario.teardown?.(ctx);
  }
}

async function contendersOf(scenario: Scenario, ctx: ScenarioContext): Promise<Contender[]> {
  const configPath = join(ctx.outDir, "faucet.yaml");
  await writeFile(configPath, scenario.faucetConfig(ctx));
  const faucetMissing = faucetUnavailable(ctx.root);
  const contenders: Contender[] = [
    {
      result: initialResult("faucet", faucetVersion(ctx.root), faucetMissing),
      command: faucetCommand(ctx.root, configPath),
      output: scenario.faucetOutput(ctx),
    },
  ];
  for (const tool of scenario.references(ctx)) {
    const missing = await tool.unavailable();
    const version = missing === undefined ? await tool.version?.() : undefined;
    contenders.push({ result: initialResult(tool.name, version, missing), command: tool.command, output: tool.output });
  }
  return contenders;
}

function initialResult(name: string, version: string | undefined, missing: string | undefined): ToolResult {
  const result: ToolResult = { name, version, status: "ok", runs: [] };
  if (missing !== undefined) {
    result.status = "unavailable";
    result.reason = missing;
  }
  return result;
}

async function runOnce(
  contender: Contender,
  scenario: Scenario,
  ctx: ScenarioContext,
  verifier: CachedVerifier,
  expected: Verification,
  measured: boolean,
  runNumber: number,
): Promise<void> {
  const { result } = contender;
  const label = measured ? `run ${runNumber}` : "warm-up";
  if (scenario.reset) await scenario.reset(ctx, contender.output);
  else await rm(contender.output, { force: true });
  const measurement = await measure(contender.command, ctx.root);
  if (measurement.exitCode !== 0 || measurement.signal !== null) {
    result.status = "failed";
    const how = measurement.signal ? `killed by ${measurement.signal}` : `exit code ${measurement.exitCode}`;
    const message = lastLines(measurement.stderrTail).replaceAll(`${ctx.root}/`, "") || "(no message on stderr)";
    result.reason = `${how}: ${message}`;
    log(`  ${result.name} ${label}: FAILED (${result.reason})`);
    return;
  }
  let verification: Verification;
  try {
    verification = await verifier.verify(contender.output);
  } catch (error) {
    result.status = "wrong output";
    result.reason = messageOf(error).replaceAll(`${ctx.root}/`, "");
    log(`  ${result.name} ${label}: WRONG OUTPUT (${result.reason})`);
    return;
  }
  result.verification = verification;
  const mismatch = describeMismatch(verification, expected);
  if (mismatch !== undefined) {
    result.status = "wrong output";
    result.reason = mismatch;
    log(`  ${result.name} ${label}: WRONG OUTPUT (${mismatch}) after ${measurement.wallSeconds.toFixed(2)} s`);
    return;
  }
  if (measured) result.runs.push(measurement);
  log(`  ${result.name} ${label}: ${measurement.wallSeconds.toFixed(2)} s, ${formatMiB(measurement.peakRssBytes)}`);
}

function describeMismatch(actual: Verification, expected: Verification): string | undefined {
  if (actual.rows !== expected.rows) return `${actual.rows} rows, expected ${expected.rows}`;
  if (actual.contentHash !== expected.contentHash) {
    return `content differs from the input (hash ${actual.contentHash.slice(0, 12)}, expected ${expected.contentHash.slice(0, 12)})`;
  }
  return undefined;
}

function summarize(result: ToolResult): void {
  if (result.status !== "ok" || result.runs.length === 0) return;
  const times = result.runs.map((run) => run.wallSeconds).sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  result.medianSeconds = times.length % 2 === 1 ? times[middle]! : (times[middle - 1]! + times[middle]!) / 2;
  result.minSeconds = times[0]!;
  result.maxSeconds = times.at(-1)!;
  const peaks = result.runs.map((run) => run.peakRssBytes);
  if (peaks.every((peak) => peak !== undefined)) result.peakRssBytes = Math.max(...(peaks as number[]));
}

/**
 * Verifies outputs, reusing the result for a file whose bytes were already verified (the raw
 * SHA-256 is cheap next to the canonical pass, and runs of one tool write the same bytes).
 */
class CachedVerifier {
  private readonly byRawHash = new Map<string, Verification>();

  constructor(
    private readonly scenario: Scenario,
    private readonly ctx: ScenarioContext,
  ) {}

  async verify(output: string): Promise<Verification> {
    if (!existsSync(output) || !statSync(output).isFile()) return this.scenario.verify(this.ctx, output);
    const raw = await sha256File(output);
    const known = this.byRawHash.get(raw);
    if (known) return known;
    const verification = await this.scenario.verify(this.ctx, output);
    this.byRawHash.set(raw, verification);
    return verification;
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-3).join(" | ").slice(0, 500);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `123 MiB`, or `unknown` when no figure could be read. */
export function formatMiB(bytes: number | undefined): string {
  return bytes === undefined ? "unknown" : `${Math.round(bytes / 1024 ** 2)} MiB`;
}

function log(line: string): void {
  console.log(line);
}

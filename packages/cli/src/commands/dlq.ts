/**
 * `faucet dlq inspect <path>` summarizes a JSON Lines dead-letter file; `faucet dlq replay
 * [config]` sends its payloads through the pipeline's sink again (docs/dlq.md).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { closestMatch, FaucetError, type Sink, type SinkDefinition, type StateLease } from "faucet-core";
import type { Invocation } from "../bin.js";
import { DiscardSink } from "../build.js";
import type { ResolvedPipeline } from "../config/resolve.js";
import { integerOption, loggerFor, openConfig, outputFormat } from "../context.js";
import { checkDeadLetterFile } from "../dlq/file.js";
import {
  defaultFailedPath,
  type ReplayOutcome,
  type ReplayTransforms,
  replayStateKey,
  runReplay,
} from "../dlq/replay.js";
import { summarizeDeadLetters, summaryText } from "../dlq/summary.js";
import { EXIT, err, out } from "../output.js";
import { count } from "../progress.js";
import { watchStateDirectory } from "../state-cleanup.js";
import { openStateTarget, withLease } from "../state-target.js";

const USAGE = "faucet dlq inspect <path> | faucet dlq replay [config] [--from PATH] [--dry-run]";

export default async function dlq(invocation: Invocation): Promise<number> {
  const action = invocation.positionals[0];
  if (action === "inspect") return await inspect(invocation);
  if (action === "replay") return await replay(invocation);
  const guess = action ? closestMatch(action, ["inspect", "replay"]) : undefined;
  throw new FaucetError(
    "config",
    action === undefined
      ? "faucet dlq needs an action: inspect or replay"
      : `unknown dlq action \`${action}\`${guess ? `; did you mean \`${guess}\`?` : ""}`,
    { hint: `usage: ${USAGE}` },
  );
}

async function inspect(invocation: Invocation): Promise<number> {
  const [path, extra] = invocation.positionals.slice(1);
  if (path === undefined || extra !== undefined) {
    throw new FaucetError(
      "config",
      path === undefined
        ? "faucet dlq inspect needs the dead-letter file"
        : `unexpected argument ${JSON.stringify(extra)}`,
      { hint: "usage: faucet dlq inspect <path> [--samples N] [--output json]" },
    );
  }
  const format = outputFormat(invocation);
  const samples = integerOption(invocation, "samples", 5) as number;
  const summary = await summarizeDeadLetters(resolve(process.cwd(), path), samples);
  if (format === "json") out(`${JSON.stringify(summary)}\n`);
  else out(summaryText(summary));
  return EXIT.ok;
}

function transformsMode(invocation: Invocation): ReplayTransforms {
  const value = (invocation.values.transforms as string | undefined) ?? "auto";
  if (value === "auto" || value === "all" || value === "none") return value;
  throw new FaucetError("config", `--transforms must be auto, all or none, got ${JSON.stringify(value)}`, {
    hint: "auto re-runs the transforms only for rows a transform rejected (docs/dlq.md)",
  });
}

/** The file to replay: `--from`, else the path of the pipeline's `jsonl` dead-letter sink. */
function replaySource(resolved: ResolvedPipeline, from: string | undefined): { path: string; explicit: boolean } {
  if (from !== undefined) return { path: resolve(process.cwd(), from), explicit: true };
  const sink = resolved.dlq?.sink;
  if (!sink) {
    throw new FaucetError(
      "config",
      `${resolved.loaded.file}: the pipeline has no pipeline.dlq, so there is no file to replay`,
      {
        hint: "pass the dead-letter file with --from PATH",
      },
    );
  }
  const path = (sink.config as { path?: unknown }).path;
  if (sink.type !== "jsonl" || typeof path !== "string") {
    throw new FaucetError("config", `pipeline.dlq.sink is a \`${sink.type}\` sink; dlq replay reads JSON Lines files`, {
      hint: "export the dead letters as JSON Lines and pass them with --from PATH",
    });
  }
  return { path: resolve(resolved.loaded.baseDir, path), explicit: false };
}

/** Replaying into an overwrite sink would replace the destination with the replayed rows only. */
function refuseOverwrite(resolved: ResolvedPipeline): void {
  if ((resolved.sink.config as { write_mode?: unknown }).write_mode !== "overwrite") return;
  throw new FaucetError(
    "config",
    "pipeline.sink has write_mode: overwrite; a replay would replace the table with the replayed rows",
    {
      hint: "replay with a copy of the config whose sink uses write_mode: append or upsert",
    },
  );
}

/** The sink rows that fail again go to: a JSON Lines file, appended to. */
async function failedSink(resolved: ResolvedPipeline, path: string, invocation: Invocation): Promise<Sink> {
  const definition = (await resolved.registry.definition("sink", "jsonl", "--failed-dlq")) as SinkDefinition;
  const config = definition.config.parse({ path, append: true });
  return (await definition.create(config as never, {
    baseDir: resolved.loaded.baseDir,
    logger: loggerFor(invocation),
    pipeline: resolved.name,
  })) as Sink;
}

async function replay(invocation: Invocation): Promise<number> {
  const rest = invocation.positionals.slice(1);
  if (rest.length > 1) {
    throw new FaucetError("config", `unexpected argument ${JSON.stringify(rest[1])}`, { hint: `usage: ${USAGE}` });
  }
  const format = outputFormat(invocation);
  const mode = transformsMode(invocation);
  const dryRun = invocation.values["dry-run"] === true;
  const logger = loggerFor(invocation);
  const statePath = invocation.values["state-path"] as string | undefined;
  const resolved = await openConfig({ ...invocation, positionals: rest }, statePath);
  refuseOverwrite(resolved);
  const from = replaySource(resolved, invocation.values.from as string | undefined);
  if (!from.explicit && !existsSync(from.path)) {
    const note = `[faucet] nothing to replay: ${from.path} does not exist (the pipeline has dead-lettered nothing)\n`;
    if (format === "json") out(`${JSON.stringify({ status: "ok", from: from.path, resent: 0 })}\n`);
    else err(note);
    return EXIT.ok;
  }
  checkDeadLetterFile(from.path);
  const failedOption = invocation.values["failed-dlq"] as string | undefined;
  const failedPath = failedOption ? resolve(process.cwd(), failedOption) : defaultFailedPath(from.path);
  if (failedPath === from.path) {
    throw new FaucetError("config", `--failed-dlq is the file being replayed (${from.path})`, {
      hint: "rows that fail again must go to another file, or the replay would feed itself",
    });
  }
  // One pass first, so a malformed line refuses the replay before anything is sent.
  const scan = await summarizeDeadLetters(from.path, 0);
  if (scan.malformed > 0) {
    const where = scan.malformed_lines.map((m) => m.line).join(", ");
    throw new FaucetError(
      "json",
      `${from.path}: ${scan.malformed} malformed line${scan.malformed === 1 ? "" : "s"} (line ${where}${scan.malformed > scan.malformed_lines.length ? ", …" : ""}); nothing was replayed`,
      {
        hint: "`faucet dlq inspect` shows what is wrong with each; fix or remove those lines and replay again",
      },
    );
  }

  const stateDirectory = watchStateDirectory(resolved);
  const target = await openStateTarget(resolved, logger, { sink: dryRun ? new DiscardSink() : "real" });
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      err(`[faucet] second ${signal}: exiting now without waiting for the flush\n`);
      process.exit(EXIT.cancelled);
    }
    err(`[faucet] ${signal}: cancelling the replay; flushing and saving its progress\n`);
    controller.abort(new Error(`received ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const stateKey = replayStateKey(target.key, from.path);
    const failed: Sink = dryRun ? new DiscardSink() : await failedSink(resolved, failedPath, invocation);
    let outcome: ReplayOutcome;
    try {
      const work = async (lease?: StateLease) =>
        await runReplay({
          resolved,
          from: from.path,
          failedPath,
          transforms: target.built.pipeline.options.transforms ?? [],
          mode,
          sink: target.built.sink,
          failedSink: failed,
          stateStore: dryRun ? undefined : target.store,
          stateKey,
          startMark: dryRun ? await target.store.get(stateKey) : undefined,
          dryRun,
          logger,
          // A lost lease stops the replay like a cancellation; withLease then fails it.
          signal: lease?.signal ? AbortSignal.any([controller.signal, lease.signal]) : controller.signal,
        });
      // The pipeline's own lease: no run writes to the sink, and no other replay runs, meanwhile.
      outcome = dryRun ? await work() : await withLease(resolved, target.store, target.key, logger, work);
    } finally {
      await failed.close?.();
    }
    const report = replayReport(outcome, { from: from.path, failedPath, stateKey, total: scan.envelopes, dryRun });
    if (format === "json") out(`${JSON.stringify(report)}\n`);
    else err(replayText(report, resolved.name));
    return outcome.result.cancelled ? EXIT.cancelled : EXIT.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await target.close();
    stateDirectory.undo();
  }
}

interface ReplayReport {
  status: "ok" | "cancelled";
  dry_run: boolean;
  from: string;
  failed_dlq: string;
  state_key: string;
  envelopes: number;
  already_replayed: number;
  resent: number;
  retransformed: number;
  written: number;
  failed_again: number;
  filtered: number;
  dropped: number;
  line: number;
}

function replayReport(
  outcome: ReplayOutcome,
  context: { from: string; failedPath: string; stateKey: string; total: number; dryRun: boolean },
): ReplayReport {
  const { result, source, counts } = outcome;
  const mark = result.bookmark as { line?: number } | undefined;
  return {
    status: result.cancelled ? "cancelled" : "ok",
    dry_run: context.dryRun,
    from: context.from,
    failed_dlq: context.failedPath,
    state_key: context.stateKey,
    envelopes: context.total,
    already_replayed: source.skipped,
    // A cancelled replay read ahead of what it committed: count what landed somewhere.
    resent: result.cancelled
      ? result.recordsWritten + result.deadLettered + counts.filtered + result.dropped
      : source.envelopes,
    retransformed: counts.retransformed,
    written: result.recordsWritten,
    failed_again: result.deadLettered,
    filtered: counts.filtered,
    dropped: result.dropped,
    line: mark?.line ?? source.startLine,
  };
}

function replayText(r: ReplayReport, name: string): string {
  const n = count;
  const head = r.status === "cancelled" ? "cancelled" : r.dry_run ? "dry run finished" : "done";
  const lines = [
    `${head}: dlq replay of ${name}: ${n(r.resent)} of ${n(r.envelopes)} dead-lettered records re-sent, ${n(r.written)} ${r.dry_run ? "would be written" : "written"}, ${n(r.failed_again)} failed again`,
  ];
  if (r.already_replayed > 0) lines.push(`  skipped ${n(r.already_replayed)} records an earlier replay already sent`);
  if (r.retransformed > 0) lines.push(`  through the transforms again: ${n(r.retransformed)}`);
  if (r.filtered > 0) lines.push(`  dropped by a transform: ${n(r.filtered)}`);
  if (r.dropped > 0) lines.push(`  dropped as poison rows: ${n(r.dropped)}`);
  if (r.dry_run)
    lines.push("  nothing was written and no progress was saved (sink rejections show only in a real replay)");
  else {
    if (r.failed_again > 0) lines.push(`  failed again → ${r.failed_dlq}`);
    lines.push(`  progress: line ${n(r.line)} saved under state key "${r.state_key}"; ${r.from} is left unchanged`);
  }
  return `${lines.join("\n")}\n`;
}

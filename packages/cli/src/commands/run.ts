/**
 * `faucet run`: runs a pipeline, with a live status line, graceful cancellation, a summary, and
 * the run's metrics, spans and logs (observability/).
 */
import { randomUUID } from "node:crypto";
import type { Invocation } from "../bin.js";
import { buildPipeline } from "../build.js";
import { checkPositionals, integerOption, loggerFor, openConfig, outputFormat } from "../context.js";
import { levelFromDirective, parseFormat } from "../observability/logger.js";
import { observabilitySettings, observeRun, type RunObservation } from "../observability/observe-run.js";
import { EXIT, err, out, reportFailure } from "../output.js";
import { StatusLine, summaryJson, summaryText } from "../progress.js";
import { watchStateDirectory } from "../state-cleanup.js";

export default async function run(invocation: Invocation): Promise<number> {
  checkPositionals(invocation, 1, "faucet run [config]");
  const format = outputFormat(invocation);
  const limit = integerOption(invocation, "limit");
  const linger = integerOption(invocation, "metrics-linger", 0) ?? 0;
  const dryRun = invocation.values["dry-run"] === true;
  const statePath = invocation.values["state-path"] as string | undefined;
  const resolved = await openConfig(invocation, statePath);
  const settings = observabilitySettings(resolved.loaded.document);
  const runId = randomUUID();
  const configLevel = levelFromDirective(settings.level);
  const logger = loggerFor(invocation, { runId, ...(configLevel ? { defaultLevel: configLevel } : {}) });
  const logFormat = parseFormat(
    (invocation.values["log-format"] as string | undefined) ?? process.env.FAUCET_LOG_FORMAT,
  );
  if (linger > 0 && !settings.listen) {
    logger.warn("--metrics-linger has no effect without observability.prometheus.listen in the config");
  }

  const stateDirectory = watchStateDirectory(resolved);
  const controller = new AbortController();
  const line = new StatusLine();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      line.stop();
      err(`[faucet] second ${signal}: exiting now without waiting for the flush\n`);
      process.exit(EXIT.cancelled);
    }
    line.note("cancelling… (again to quit now)");
    if (!process.stderr.isTTY) err(`[faucet] ${signal}: cancelling; flushing and saving the bookmark\n`);
    controller.abort(new Error(`received ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  let observation: RunObservation | undefined;
  try {
    const built = await buildPipeline(resolved, {
      logger,
      signal: controller.signal,
      dryRun,
      ...(limit !== undefined ? { limit } : {}),
      onProgress: (p) => {
        line.update(p);
        observation?.onProgress(p);
      },
    });
    let result: Awaited<ReturnType<typeof built.pipeline.run>>;
    try {
      observation = await observeRun({
        pipeline: built.pipeline,
        name: resolved.name,
        runId,
        logger,
        settings,
        ...(built.deadLetterSink ? { deadLetterSink: built.deadLetterSink } : {}),
        lifecycleLevel: logFormat === "json" ? "info" : "debug",
      });
      line.start();
      try {
        result = await observation.run();
      } finally {
        line.stop();
      }
    } finally {
      await built.close();
    }
    if (format === "json") out(`${JSON.stringify(summaryJson(result, dryRun))}\n`);
    else err(summaryText(result, dryRun));
    return result.cancelled ? EXIT.cancelled : EXIT.ok;
  } catch (error) {
    // Lingering to be scraped: say what failed now, not after the wait.
    if (!observation?.serving || linger === 0) throw error;
    return reportFailure(error, format === "json");
  } finally {
    stateDirectory.undo();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await observation?.close(linger);
  }
}

/** `faucet run`: runs a pipeline, with a live status line, graceful cancellation and a summary. */
import type { Invocation } from "../bin.js";
import { buildPipeline } from "../build.js";
import { checkPositionals, integerOption, loggerFor, openConfig, outputFormat } from "../context.js";
import { EXIT, err, out } from "../output.js";
import { StatusLine, summaryJson, summaryText } from "../progress.js";
import { watchStateDirectory } from "../state-cleanup.js";

export default async function run(invocation: Invocation): Promise<number> {
  checkPositionals(invocation, 1, "faucet run [config]");
  const format = outputFormat(invocation);
  const limit = integerOption(invocation, "limit");
  const dryRun = invocation.values["dry-run"] === true;
  const statePath = invocation.values["state-path"] as string | undefined;
  const logger = loggerFor(invocation);
  const resolved = await openConfig(invocation, statePath);

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

  try {
    const built = await buildPipeline(resolved, {
      logger,
      signal: controller.signal,
      dryRun,
      ...(limit !== undefined ? { limit } : {}),
      onProgress: (p) => line.update(p),
    });
    let result: Awaited<ReturnType<typeof built.pipeline.run>>;
    line.start();
    try {
      result = await built.pipeline.run();
    } finally {
      line.stop();
      await built.close();
    }
    if (format === "json") out(`${JSON.stringify(summaryJson(result, dryRun))}\n`);
    else err(summaryText(result, dryRun));
    return result.cancelled ? EXIT.cancelled : EXIT.ok;
  } finally {
    stateDirectory.undo();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

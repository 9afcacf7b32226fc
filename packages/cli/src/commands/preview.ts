/** `faucet preview`: the first records after transforms, as JSON Lines on stdout. */
import { MemoryStateStore, type Sink, type Value } from "faucet-core";
import type { Invocation } from "../bin.js";
import { buildPipeline } from "../build.js";
import { checkPositionals, integerOption, loggerFor, openConfig } from "../context.js";
import { out } from "../output.js";

/** Prints each page as JSON Lines. */
class JsonLinesStdout implements Sink {
  async writeBatch(records: readonly Value[]): Promise<number> {
    let text = "";
    for (const record of records) text += `${JSON.stringify(record)}\n`;
    out(text);
    return records.length;
  }
  connectorName(): string {
    return "preview";
  }
}

export default async function preview(invocation: Invocation): Promise<number> {
  checkPositionals(invocation, 1, "faucet preview [config] [--limit N]");
  const limit = integerOption(invocation, "limit", 10) as number;
  const resolved = await openConfig(invocation);
  const built = await buildPipeline(resolved, {
    logger: loggerFor(invocation),
    dryRun: true,
    sink: new JsonLinesStdout(),
    stateStore: new MemoryStateStore(),
    limit,
  });
  try {
    await built.pipeline.run();
  } finally {
    await built.close();
  }
  return 0;
}

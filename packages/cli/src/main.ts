/**
 * Dispatches a parsed command and turns every failure into one line and an exit code. faucet-core
 * (and with it zod) is imported only by the commands that need it, and by the error path, so
 * `faucet list` stays fast.
 */
import type { Invocation } from "./bin.js";

type CommandModule = { default: (invocation: Invocation) => Promise<number> };

const MODULES: Record<string, () => Promise<CommandModule>> = {
  run: () => import("./commands/run.js"),
  validate: () => import("./commands/validate.js"),
  schema: () => import("./commands/schema.js"),
  init: () => import("./commands/init.js"),
  list: () => import("./commands/list.js"),
  preview: () => import("./commands/preview.js"),
  doctor: () => import("./commands/doctor.js"),
  test: () => import("./commands/test.js"),
  new: () => import("./commands/new.js"),
  dlq: () => import("./commands/dlq.js"),
  state: () => import("./commands/state.js"),
};

/** Runs one command; resolves to its exit code. */
export async function runCommand(invocation: Invocation): Promise<number> {
  const load = MODULES[invocation.command];
  if (!load) return 2;
  try {
    return await (await load()).default(invocation);
  } catch (error) {
    const { reportFailure } = await import("./output.js");
    return reportFailure(error, invocation.values.output === "json");
  }
}

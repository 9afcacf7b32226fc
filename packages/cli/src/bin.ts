#!/usr/bin/env node
/**
 * The `faucet` binary. Startup is part of performance: `--version` and `--help` read only this
 * file, the command table and package.json; each command's module (and faucet-core, zod and
 * connectors) is imported only when that command runs.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { COMMANDS, commandHelp, mainHelp } from "./commands.js";

/** Parsed arguments of one command. */
export interface Invocation {
  command: string;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

async function fail(message: string, hint: string): Promise<number> {
  process.stderr.write(`[faucet] ${message} (hint: ${hint})\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === "--version" || first === "-V" || first === "version") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? argv[1] : undefined;
    process.stdout.write(topic && COMMANDS[topic] ? commandHelp(topic) : mainHelp(version()));
    return 0;
  }
  const spec = COMMANDS[first];
  if (!spec) {
    const { closestMatch } = await import("faucet-core");
    const guess = closestMatch(first, Object.keys(COMMANDS));
    return await fail(
      `unknown command \`${first}\`${guess ? `; did you mean \`${guess}\`?` : ""}`,
      "run `faucet --help` to see every command",
    );
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    return await fail(`${first}: ${(error as Error).message}`, `usage: ${spec.usage}`);
  }
  if (parsed.values.help) {
    process.stdout.write(commandHelp(first));
    return 0;
  }
  const invocation: Invocation = {
    command: first,
    values: parsed.values as Invocation["values"],
    positionals: parsed.positionals,
  };
  const { runCommand } = await import("./main.js");
  return await runCommand(invocation);
}

// `faucet preview | head -1`: a reader that stops early is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

/** Anything that escapes a command (a connector's stray rejection): one redacted line, exit 1. */
async function crash(error: unknown): Promise<void> {
  try {
    const { describeError, err } = await import("./output.js");
    err(`${describeError(error)}\n`);
  } catch {
    process.stderr.write("[faucet] unexpected failure\n");
  }
  process.exit(1);
}
process.on("unhandledRejection", (error) => void crash(error));
process.on("uncaughtException", (error) => void crash(error));

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // The command is done: a connector that left a socket or timer open must not keep the
  // process alive. The timer is unref'd, so a clean exit is never delayed by it.
  setTimeout(() => process.exit(code), 1000).unref();
}, crash);

/**
 * `faucet state get|set|delete|list [config]`: inspects and repairs bookmarks in the pipeline's
 * configured state store. The key defaults to the one a run uses; `set` and `delete` hold the
 * key's lease while they change it, so they refuse to touch a key a run holds.
 */
import { readFileSync } from "node:fs";
import { closestMatch, FaucetError, type Value } from "faucet-core";
import type { Invocation } from "../bin.js";
import { loggerFor, openConfig, outputFormat } from "../context.js";
import { EXIT, err, out } from "../output.js";
import { watchStateDirectory } from "../state-cleanup.js";
import { openStateTarget, requireDurableStore, withLease } from "../state-target.js";

const ACTIONS = ["get", "set", "delete", "list"] as const;
type Action = (typeof ACTIONS)[number];
const USAGE = "faucet state get|set|delete|list [config] [json-value] [--key KEY]";

function parseAction(invocation: Invocation): Action {
  const action = invocation.positionals[0];
  if ((ACTIONS as readonly string[]).includes(action ?? "")) return action as Action;
  const guess = action ? closestMatch(action, ACTIONS) : undefined;
  throw new FaucetError(
    "config",
    action === undefined
      ? "faucet state needs an action: get, set, delete or list"
      : `unknown state action \`${action}\`${guess ? `; did you mean \`${guess}\`?` : ""}`,
    { hint: `usage: ${USAGE}` },
  );
}

/** `set` takes its JSON value last (`-` reads it from stdin); the config, if given, comes first. */
function splitArguments(action: Action, rest: string[]): { config?: string; value?: string } {
  const max = action === "set" ? 2 : 1;
  if (rest.length > max) {
    throw new FaucetError("config", `unexpected argument ${JSON.stringify(rest[max])}`, { hint: `usage: ${USAGE}` });
  }
  if (action !== "set") return rest[0] === undefined ? {} : { config: rest[0] };
  if (rest.length === 0) {
    throw new FaucetError("config", "faucet state set needs the new value as JSON", {
      hint: `e.g. faucet state set faucet.yaml '{"updated_at":"2024-05-01T00:00:00Z"}' (or - to read stdin)`,
    });
  }
  const value = rest[rest.length - 1] as string;
  return rest.length === 2 ? { config: rest[0] as string, value } : { value };
}

function parseValue(text: string): Value {
  const raw = text === "-" ? readFileSync(0, "utf8") : text;
  try {
    return JSON.parse(raw) as Value;
  } catch (error) {
    throw new FaucetError("config", `the new state value is not JSON: ${(error as Error).message}`, {
      hint: `quote a string bookmark as JSON: '"2024-05-01"'; objects look like '{"id":42}'`,
    });
  }
}

function show(value: Value | undefined): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

export default async function state(invocation: Invocation): Promise<number> {
  const action = parseAction(invocation);
  const { config, value: valueText } = splitArguments(action, invocation.positionals.slice(1));
  const value = valueText === undefined ? undefined : parseValue(valueText);
  const format = outputFormat(invocation);
  const logger = loggerFor(invocation);
  const statePath = invocation.values["state-path"] as string | undefined;
  const resolved = await openConfig({ ...invocation, positionals: config ? [config] : [] }, statePath);
  requireDurableStore(resolved);
  const stateDirectory = watchStateDirectory(resolved);
  const target = await openStateTarget(resolved, logger);
  const key = (invocation.values.key as string | undefined) ?? target.key;
  const store = target.store;
  const report = (json: Record<string, unknown>, text: string, stream: "out" | "err" = "err") => {
    if (format === "json") out(`${JSON.stringify({ store: resolved.state.type, key, ...json })}\n`);
    else (stream === "out" ? out : err)(text);
  };
  try {
    switch (action) {
      case "get": {
        const current = await store.get(key);
        if (current === undefined) {
          report(
            { found: false, value: null },
            `[faucet] no state under key "${key}": a run starts from the beginning\n`,
          );
        } else report({ found: true, value: current }, `${JSON.stringify(current, null, 2)}\n`, "out");
        return EXIT.ok;
      }
      case "list": {
        if (!store.list) {
          throw new FaucetError("config", `the ${resolved.state.type} state store cannot list its keys`, {
            hint: "ask for one key with `faucet state get --key KEY`",
          });
        }
        const keys = await store.list();
        report({ keys, pipeline_key: target.key }, keys.map((k) => `${k}\n`).join(""), "out");
        return EXIT.ok;
      }
      case "set": {
        const next = value as Value;
        const previous = await withLease(resolved, store, key, logger, async () => {
          const before = await store.get(key);
          await store.put(key, next);
          return before;
        });
        report(
          { previous: previous ?? null, value: next },
          `[faucet] state "${key}": ${show(previous)} -> ${JSON.stringify(next)}\n`,
        );
        return EXIT.ok;
      }
      case "delete": {
        const previous = await withLease(resolved, store, key, logger, async () => {
          const before = await store.get(key);
          if (before !== undefined) await store.delete(key);
          return before;
        });
        report(
          { deleted: previous !== undefined, previous: previous ?? null },
          previous === undefined
            ? `[faucet] no state under key "${key}"; nothing deleted\n`
            : `[faucet] deleted state "${key}" (was ${JSON.stringify(previous)}): the next run starts from the beginning\n`,
        );
        return EXIT.ok;
      }
    }
  } finally {
    await target.close();
    stateDirectory.undo();
  }
}

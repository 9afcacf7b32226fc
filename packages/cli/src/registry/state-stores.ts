/** The built-in state stores: `memory` and `file`. Other stores are `faucet-state-<type>` packages. */
import { resolve } from "node:path";
import { defineStateStore, FileStateStore, MemoryStateStore, z } from "faucet-core";

/** `memory`: bookmarks live for one run only. */
export const memoryStateStore = defineStateStore({
  type: "memory",
  description: "Keeps bookmarks in memory for the length of one run (not durable)",
  config: z.strictObject({}),
  create: () => new MemoryStateStore(),
});

/** `file`: one crash-safe JSON file per state key. */
export const fileStateStore = defineStateStore({
  type: "file",
  description: "Keeps bookmarks as one crash-safe JSON file per state key in a directory",
  config: z.strictObject({
    path: z
      .string()
      .min(1)
      .default(".faucet/state")
      .describe("Directory holding the state files; relative paths resolve against the config file's directory."),
  }),
  create: (config, context) => new FileStateStore(resolve(context.baseDir, config.path)),
});

/** Both, for the registry. */
export const definitions = [memoryStateStore, fileStateStore];

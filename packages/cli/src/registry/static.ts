/** The registry's static view: what `faucet list` shows without importing any connector. */
import { BUILTINS } from "./builtins.generated.js";
import { discoverPackages, packageEntryUrl } from "./plugins.js";
import type { RegistryEntry } from "./types.js";

/** The state stores built into the CLI. */
export const BUILTIN_STATE_STORES: readonly RegistryEntry[] = [
  {
    kind: "state",
    type: "memory",
    package: "faucet-cli",
    description: "Keeps bookmarks in memory for the length of one run (not durable)",
    origin: "builtin",
    verified: true,
    load: () => import("./state-stores.js"),
  },
  {
    kind: "state",
    type: "file",
    package: "faucet-cli",
    description: "Keeps bookmarks as one crash-safe JSON file per state key in a directory",
    origin: "builtin",
    verified: true,
    load: () => import("./state-stores.js"),
  },
];

/** Every built-in entry. */
export function builtinEntries(): RegistryEntry[] {
  return [...BUILTINS, ...BUILTIN_STATE_STORES];
}

/** Built-ins plus every connector package installed where `starts` can see it (not imported). */
export function staticEntries(starts: readonly string[]): RegistryEntry[] {
  const builtins = builtinEntries();
  const exclude = new Set(builtins.map((e) => e.package));
  const found = discoverPackages(starts, exclude).map(
    (p): RegistryEntry => ({
      kind: p.kind,
      type: p.type,
      package: p.name,
      description: p.description,
      origin: "plugin",
      verified: false,
      load: async () => (await import(packageEntryUrl(p.dir))) as Record<string, unknown>,
    }),
  );
  return [...builtins, ...found];
}

/** What the registry knows about a connector before importing it. */

/** The four kinds of pluggable pieces. */
export type Kind = "source" | "sink" | "transform" | "state";

/** Every kind, in display order. */
export const KINDS: readonly Kind[] = ["source", "sink", "transform", "state"];

/** One entry of the registry: enough to list it; `load` imports the module that defines it. */
export interface RegistryEntry {
  kind: Kind;
  /** The YAML `type`. For a discovered package that is not yet loaded: derived from its name. */
  type: string;
  /** The npm package (or module path) that defines it. */
  package: string;
  /** One line for `faucet list`. */
  description: string;
  origin: "builtin" | "plugin";
  /** False while `type` is only derived from the package name. */
  verified: boolean;
  load(): Promise<Record<string, unknown>>;
}

/** The package-name prefix of each kind: `faucet-source-<type>`, … */
export const PACKAGE_PREFIX: Readonly<Record<Kind, string>> = {
  source: "faucet-source-",
  sink: "faucet-sink-",
  transform: "faucet-transform-",
  state: "faucet-state-",
};

/**
 * The registry: every source, sink, transform and state store the CLI can use, generic over
 * the four kinds. Built-ins come from the generated list and are imported only when a config
 * uses them; installed `faucet-<kind>-*` packages are found by name and imported only when their
 * type is asked for; packages named under `plugins:` are imported up front. Two packages that
 * claim one type are an error, and an unknown type lists the available ones.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { closestMatch, type Definition, FaucetError, isDefinition } from "faucet-core";
import { nodeModulesChain, packageEntryUrl, readManifest } from "./plugins.js";
import { staticEntries } from "./static.js";
import type { Kind, RegistryEntry } from "./types.js";

/** Where to look for plugins. */
export interface RegistryOptions {
  /** Directories whose node_modules chains are searched (the working and config directories). */
  searchFrom: readonly string[];
  /** Packages or module paths named under `plugins:`. */
  plugins?: readonly string[];
  /** Plugin paths resolve against this directory. */
  baseDir?: string;
}

const KIND_LABEL: Readonly<Record<Kind, string>> = {
  source: "source",
  sink: "sink",
  transform: "transform",
  state: "state store",
};

/** Every definition a module exports: `definition`, `definitions`, `default` or any other export. */
export function definitionsIn(module: Record<string, unknown>): Definition[] {
  const out: Definition[] = [];
  for (const value of Object.values(module)) {
    if (isDefinition(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isDefinition(item)) out.push(item);
  }
  return [...new Set(out)];
}

/** The registry of one CLI invocation. */
export class Registry {
  #entries: RegistryEntry[];
  readonly #loaded = new Map<RegistryEntry, Definition[]>();
  /** Installed packages that failed to import while looking through them, with why. */
  readonly broken = new Map<string, string>();

  private constructor(entries: RegistryEntry[]) {
    this.#entries = entries;
  }

  /** Opens the registry: built-ins, installed packages, and `plugins:` (imported now). */
  static async open(options: RegistryOptions): Promise<Registry> {
    const registry = new Registry(staticEntries(options.searchFrom));
    for (const plugin of options.plugins ?? []) await registry.#addPlugin(plugin, options.baseDir ?? process.cwd());
    return registry;
  }

  /** Every entry, optionally of one kind. */
  entries(kind?: Kind): RegistryEntry[] {
    return this.#entries.filter((e) => kind === undefined || e.kind === kind);
  }

  /** The types available for `kind`, sorted. */
  types(kind: Kind): string[] {
    return [...new Set(this.entries(kind).map((e) => e.type))].sort();
  }

  /**
   * The definition of `type`, importing only the package that defines it. `path` is the
   * document path of the `type` key, for the error message.
   */
  async definition(kind: Kind, type: string, path: string): Promise<Definition> {
    let candidates = this.entries(kind).filter((e) => e.type === type);
    if (candidates.length === 0) {
      // A package may claim a type other than its name says: import the unverified ones.
      await this.#verifyAll(kind);
      candidates = this.entries(kind).filter((e) => e.type === type);
    }
    const packages = [...new Set(candidates.map((c) => c.package))];
    if (packages.length > 1) {
      throw new FaucetError(
        "config",
        `\`${path}\`: ${KIND_LABEL[kind]} type \`${type}\` is claimed by ${packages.join(" and ")}`,
        {
          hint: "uninstall one of them or remove it from `plugins:`; two connectors cannot share a type",
        },
      );
    }
    const entry = candidates[0];
    if (!entry) throw this.#unknown(kind, type, path);
    const found = (await this.#load(entry)).find((d) => d.kind === kind && d.type === type);
    if (found) return found;
    // The package's name suggested this type but it defines another: re-key it and try again.
    if (!entry.verified) {
      await this.#verify(entry);
      return await this.definition(kind, type, path);
    }
    throw new FaucetError(
      "contract",
      `${entry.package} exports no ${KIND_LABEL[kind]} definition of type \`${type}\``,
      {
        hint: "the package must export `definition` made with defineSource/defineSink/defineTransform/defineStateStore",
      },
    );
  }

  /** Imports every entry of `kind` that loads (for `faucet schema config`); see {@link broken}. */
  async all(kind: Kind): Promise<Definition[]> {
    await this.#verifyAll(kind);
    const out: Definition[] = [];
    for (const entry of this.entries(kind)) {
      try {
        const definition = (await this.#load(entry)).find((d) => d.kind === kind && d.type === entry.type);
        if (definition) out.push(definition);
      } catch (error) {
        this.broken.set(entry.package, (error as Error).message);
      }
    }
    return out;
  }

  #unknown(kind: Kind, type: string, path: string): FaucetError {
    const available = this.types(kind);
    const guess = closestMatch(type, available);
    const list = available.length ? available.join(", ") : "none installed";
    const broken = this.broken.size ? `; could not load ${[...this.broken.keys()].join(", ")}` : "";
    return new FaucetError(
      "config",
      `\`${path}\`: unknown ${KIND_LABEL[kind]} type \`${type}\`${guess ? `; did you mean \`${guess}\`?` : ""} (available: ${list}${broken})`,
      { hint: `run \`faucet list\` to see every type, or install a faucet-${kind}-${type} package` },
    );
  }

  async #load(entry: RegistryEntry): Promise<Definition[]> {
    const cached = this.#loaded.get(entry);
    if (cached) return cached;
    let module: Record<string, unknown>;
    try {
      module = await entry.load();
    } catch (error) {
      throw new FaucetError("config", `could not load ${entry.package}: ${(error as Error).message}`, {
        cause: error,
        hint: `reinstall it (npm install ${entry.package})`,
      });
    }
    const definitions = definitionsIn(module);
    this.#loaded.set(entry, definitions);
    return definitions;
  }

  /** Imports every unverified entry of `kind` and re-keys it by the types it really defines. */
  async #verifyAll(kind: Kind): Promise<void> {
    for (const entry of this.entries(kind).filter((e) => !e.verified)) {
      try {
        await this.#verify(entry);
      } catch (error) {
        // A broken package that nobody asked for by name must not break other lookups.
        this.broken.set(entry.package, (error as Error).message);
        this.#entries = this.#entries.filter((e) => e !== entry);
      }
    }
  }

  async #verify(entry: RegistryEntry): Promise<void> {
    const definitions = await this.#load(entry);
    const replacements = definitions.map((d) => ({ ...entry, kind: d.kind, type: d.type, verified: true }));
    for (const replacement of replacements) this.#loaded.set(replacement, definitions);
    this.#entries = this.#entries.flatMap((e) => (e === entry ? replacements : [e]));
  }

  async #addPlugin(specifier: string, baseDir: string): Promise<void> {
    const url = resolvePlugin(specifier, baseDir);
    const name = specifier;
    // Already known (e.g. a built-in named under plugins:): nothing to add.
    if (this.#entries.some((e) => e.package === name && e.verified)) return;
    const entry: RegistryEntry = {
      kind: "source",
      type: "",
      package: name,
      description: "",
      origin: "plugin",
      verified: false,
      load: async () => (await import(url)) as Record<string, unknown>,
    };
    const definitions = await this.#load(entry);
    if (definitions.length === 0) {
      throw new FaucetError("config", `plugin ${specifier} exports no faucet definition`, {
        hint: "a plugin exports `definition` made with defineSource/defineSink/defineTransform/defineStateStore",
      });
    }
    // The same package may also have been discovered in node_modules: keep one entry for it.
    this.#entries = this.#entries.filter((e) => e.package !== name);
    for (const d of definitions) {
      const verified: RegistryEntry = {
        ...entry,
        kind: d.kind,
        type: d.type,
        description: d.description,
        verified: true,
      };
      this.#loaded.set(verified, definitions);
      this.#entries.push(verified);
    }
  }
}

/** The import URL of a plugin: a path (resolved against `baseDir`) or an installed package name. */
export function resolvePlugin(specifier: string, baseDir: string): string {
  if (specifier.startsWith(".") || isAbsolute(specifier)) {
    const full = resolve(baseDir, specifier);
    if (!existsSync(full)) {
      throw new FaucetError("config", `\`plugins\`: module not found: ${specifier} (looked for ${full})`, {
        hint: "plugin paths resolve against the config file's directory",
      });
    }
    return pathToFileURL(full).href;
  }
  for (const modules of nodeModulesChain(baseDir)) {
    const dir = resolve(modules, specifier);
    if (readManifest(dir)) return packageEntryUrl(dir);
  }
  throw new FaucetError("config", `\`plugins\`: package ${specifier} is not installed`, {
    hint: `install it next to the config: npm install ${specifier}`,
  });
}

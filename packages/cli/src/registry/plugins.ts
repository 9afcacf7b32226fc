/**
 * Finding third-party packages without importing them: every installed `faucet-source-*`,
 * `faucet-sink-*`, `faucet-transform-*` and `faucet-state-*` package (also under a scope) in the
 * `node_modules` folders from a directory up to the root. Imports nothing, so `faucet list`
 * stays fast.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { KINDS, type Kind, PACKAGE_PREFIX } from "./types.js";

/** A package found in node_modules. */
export interface FoundPackage {
  name: string;
  kind: Kind;
  /** Derived from the name: `faucet-source-foo` → `foo`. */
  type: string;
  description: string;
  dir: string;
}

/** The kind and type a package name implies, if it follows the naming convention. */
export function parsePackageName(name: string): { kind: Kind; type: string } | undefined {
  const bare = name.startsWith("@") ? name.slice(name.indexOf("/") + 1) : name;
  for (const kind of KINDS) {
    const prefix = PACKAGE_PREFIX[kind];
    if (bare.startsWith(prefix) && bare.length > prefix.length) return { kind, type: bare.slice(prefix.length) };
  }
  return undefined;
}

/** Every `node_modules` folder from `start` up to the root. */
export function nodeModulesChain(start: string): string[] {
  const out: string[] = [];
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, "node_modules");
    if (existsSync(candidate)) out.push(candidate);
    const parent = dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export function readManifest(dir: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Installed connector packages visible from `starts` (nearest first; a name found twice keeps
 * the nearest), leaving out `exclude` (the built-ins).
 */
export function discoverPackages(starts: readonly string[], exclude: ReadonlySet<string>): FoundPackage[] {
  const found = new Map<string, FoundPackage>();
  const consider = (name: string, dir: string) => {
    if (exclude.has(name) || found.has(name)) return;
    const parsed = parsePackageName(name);
    if (!parsed) return;
    const manifest = readManifest(dir);
    if (!manifest) return;
    const description = typeof manifest.description === "string" ? manifest.description : "";
    found.set(name, { name, ...parsed, description, dir });
  };
  const seen = new Set<string>();
  for (const start of starts) {
    for (const modules of nodeModulesChain(start)) {
      if (seen.has(modules)) continue;
      seen.add(modules);
      for (const entry of safeReaddir(modules)) {
        if (entry.startsWith("@")) {
          for (const scoped of safeReaddir(join(modules, entry))) {
            if (scoped.startsWith("faucet-")) consider(`${entry}/${scoped}`, join(modules, entry, scoped));
          }
        } else if (entry.startsWith("faucet-")) {
          consider(entry, join(modules, entry));
        }
      }
    }
  }
  return [...found.values()];
}

/** The import URL of an installed package's ESM entry point. */
export function packageEntryUrl(dir: string): string {
  return pathToFileURL(join(dir, entryPoint(readManifest(dir) ?? {}))).href;
}

function entryPoint(manifest: Record<string, unknown>): string {
  let exp = manifest.exports as unknown;
  if (exp && typeof exp === "object" && !Array.isArray(exp) && "." in (exp as object)) {
    exp = (exp as Record<string, unknown>)["."];
  }
  for (let i = 0; i < 5 && exp && typeof exp === "object" && !Array.isArray(exp); i++) {
    const conditions = exp as Record<string, unknown>;
    exp = conditions.import ?? conditions.node ?? conditions.default;
  }
  if (typeof exp === "string") return exp;
  if (typeof manifest.module === "string") return manifest.module;
  if (typeof manifest.main === "string") return manifest.main;
  return "index.js";
}

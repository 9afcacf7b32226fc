#!/usr/bin/env node
// `npm run generate`: everything derived from the connectors, in one place, so nothing is kept
// by hand. From connectors/*/package.json and each package's exported definitions it writes:
//   packages/cli/src/registry/builtins.generated.ts  the CLI's lazy list of built-ins
//   packages/cli/src/config/types.generated.ts       config types for definePipeline (z.input)
//   packages/stream/src/connectors.generated.ts      faucet-stream's lazy connector factories
//   packages/{cli,stream}/package.json + tsconfig.json  a dependency/reference per connector
//   connectors/*/README.md                           the config table between the markers
//   packages/cli/schema/faucet.schema.json           the whole-document JSON Schema
//   docs/config.md                                   the config reference
// `--check` writes nothing and exits 1 listing every stale file (a test runs it);
// `--no-build` skips compiling first; `--allow-broken` skips connectors that fail to load.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { builtinsFile, KIND_ORDER, streamFile, typesFile } from "./generate-code.mjs";
import { configDoc } from "./generate-docs.mjs";
import { configTable } from "./generate-schema-text.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const args = new Set(process.argv.slice(2));
const check = args.has("--check");
const allowBroken = args.has("--allow-broken");
const KIND_OF_PREFIX = {
  "faucet-source-": "source",
  "faucet-sink-": "sink",
  "faucet-state-": "state",
  "faucet-transform-": "transform",
};
const at = (...parts) => join(root, ...parts);
const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

function tsc(projects) {
  const result = spawnSync(process.execPath, [at("node_modules/typescript/bin/tsc"), "-b", ...projects], {
    cwd: root,
    stdio: "inherit",
  });
  return result.status === 0;
}

/**
 * The connector directories committed to git: a connector still being written (not yet added)
 * is left out, so generated files never depend on work a fresh clone does not have. Without
 * git (an exported tree), every directory counts.
 */
function committedConnectors() {
  const result = spawnSync("git", ["ls-files", "connectors/*/package.json"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) return undefined;
  return new Set(
    result.stdout
      .split("\n")
      .filter(Boolean)
      .map((f) => f.split("/")[1]),
  );
}

/** The first-party connector packages: connectors/<dir> named faucet-<kind>-<name>. */
function connectorPackages() {
  const out = [];
  const committed = committedConnectors();
  for (const dir of readdirSync(at("connectors")).sort()) {
    const manifestFile = at("connectors", dir, "package.json");
    if (dir === "template" || !existsSync(manifestFile)) continue;
    if (committed && !committed.has(dir)) continue;
    const manifest = readJson(manifestFile);
    const prefix = Object.keys(KIND_OF_PREFIX).find((p) => manifest.name?.startsWith(p));
    if (!prefix || manifest.private) continue;
    out.push({ dir, name: manifest.name, kind: KIND_OF_PREFIX[prefix], manifest });
  }
  return out;
}

function isDefinition(value) {
  return (
    value &&
    typeof value === "object" &&
    typeof value.type === "string" &&
    typeof value.create === "function" &&
    ["source", "sink", "transform", "state"].includes(value.kind) &&
    typeof value.config === "object"
  );
}

/** Every definition a module exports, with the export that holds it (direct exports first). */
function definitionsOf(module) {
  const out = [];
  const seen = new Set();
  for (const [exportName, value] of Object.entries(module)) {
    if (isDefinition(value) && !seen.has(value)) {
      seen.add(value);
      out.push({ definition: value, exportName });
    }
  }
  for (const value of Object.values(module)) {
    if (!Array.isArray(value)) continue;
    for (const item of value) {
      if (isDefinition(item) && !seen.has(item)) {
        seen.add(item);
        out.push({ definition: item, exportName: undefined });
      }
    }
  }
  return out;
}

async function format(file, text) {
  const result = spawnSync(
    process.execPath,
    [at("node_modules/@biomejs/biome/bin/biome"), "format", `--stdin-file-path=${file}`],
    {
      cwd: root,
      input: text,
      encoding: "utf8",
    },
  );
  if (result.status !== 0) throw new Error(`biome could not format ${file}: ${result.stderr}`);
  return result.stdout;
}

function syncManifest(file, packages, keep) {
  const manifest = readJson(file);
  const deps = { ...Object.fromEntries(Object.entries(manifest.dependencies ?? {}).filter(([name]) => keep(name))) };
  for (const p of packages) deps[p.name] = "*";
  deps["faucet-core"] = "*";
  manifest.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function syncTsconfig(file, packages) {
  const config = readJson(file);
  config.references = [{ path: "../core" }, ...packages.map((p) => ({ path: `../../connectors/${p.dir}` }))];
  return `${JSON.stringify(config, null, 2)}\n`;
}

function fillReadme(file, table) {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("<!-- config:start -->");
  const end = text.indexOf("<!-- config:end -->");
  if (start < 0 || end < start) return undefined;
  return `${text.slice(0, start)}<!-- config:start -->\n<!-- Generated by \`npm run generate\` from the zod schema. Do not edit. -->\n\n${table}\n${text.slice(end)}`;
}

async function main() {
  const packages = connectorPackages();
  if (!args.has("--no-build")) {
    const ok = tsc(["packages/core", ...packages.map((p) => `connectors/${p.dir}`)]);
    if (!ok && !allowBroken) throw new Error("the connectors do not build; fix them or pass --allow-broken");
  }
  const core = await import(pathToFileURL(at("packages/core/dist/index.js")).href);
  const entries = [];
  const loaded = [];
  const warnings = [];
  for (const p of packages) {
    let module;
    try {
      module = await import(
        pathToFileURL(at("connectors", p.dir, p.manifest.exports?.["."]?.import ?? p.manifest.main ?? "dist/index.js"))
          .href
      );
    } catch (error) {
      if (!allowBroken) throw new Error(`${p.name} does not load: ${error.message} (build it, or pass --allow-broken)`);
      warnings.push(`skipped ${p.name}: ${error.message}`);
      continue;
    }
    const found = definitionsOf(module);
    if (found.length === 0) {
      if (!allowBroken) throw new Error(`${p.name} exports no definition`);
      warnings.push(`skipped ${p.name}: no definition`);
      continue;
    }
    loaded.push(p);
    for (const { definition, exportName } of found) {
      entries.push({
        kind: definition.kind,
        type: definition.type,
        package: p.name,
        dir: p.dir,
        description: definition.description,
        exportName,
        definition,
        jsonSchema: core.schemaFor(definition.config),
      });
    }
  }
  // Transforms built into faucet-core (its `builtinTransforms`, when present).
  for (const { definition, exportName } of definitionsOf(core).filter((d) => d.definition.kind === "transform")) {
    entries.push({
      kind: "transform",
      type: definition.type,
      package: "faucet-core",
      description: definition.description,
      exportName,
      definition,
      jsonSchema: core.schemaFor(definition.config),
    });
  }
  entries.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.type.localeCompare(b.type));
  const seen = new Map();
  for (const e of entries) {
    const key = `${e.kind}:${e.type}`;
    if (seen.has(key))
      throw new Error(`${e.kind} type \`${e.type}\` is claimed by both ${seen.get(key)} and ${e.package}`);
    seen.set(key, e.package);
  }

  const outputs = new Map();
  const put = (file, text) => outputs.set(at(file), text);
  put("packages/cli/src/registry/builtins.generated.ts", await format("builtins.generated.ts", builtinsFile(entries)));
  put(
    "packages/cli/package.json",
    syncManifest(at("packages/cli/package.json"), loaded, (n) => !n.startsWith("faucet-")),
  );
  put(
    "packages/stream/package.json",
    syncManifest(at("packages/stream/package.json"), loaded, (n) => !n.startsWith("faucet-")),
  );
  put(
    "packages/cli/tsconfig.json",
    await format("tsconfig.json", syncTsconfig(at("packages/cli/tsconfig.json"), loaded)),
  );
  put(
    "packages/stream/tsconfig.json",
    await format("tsconfig.json", syncTsconfig(at("packages/stream/tsconfig.json"), loaded)),
  );
  put(
    "packages/stream/src/connectors.generated.ts",
    await format("connectors.generated.ts", streamFile(entries, loaded)),
  );
  for (const e of entries) {
    if (!e.dir) continue;
    const readme = at("connectors", e.dir, "README.md");
    if (!existsSync(readme)) {
      warnings.push(`${relative(root, readme)} is missing`);
      continue;
    }
    const filled = fillReadme(readme, configTable(e.jsonSchema));
    if (filled === undefined)
      warnings.push(`${relative(root, readme)} has no <!-- config:start --> / <!-- config:end --> markers`);
    else put(`connectors/${e.dir}/README.md`, await format("README.md", filled));
  }

  // The CLI's own pieces (grammar, built-in state stores) come from its build, which needs the
  // registry, manifests and references above in place first.
  const stale = [];
  const flush = () => {
    for (const [file, text] of outputs) {
      const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
      if (current === text) continue;
      if (!stale.includes(relative(root, file))) stale.push(relative(root, file));
      if (!check) write(file, text);
    }
  };
  flush();
  if (!args.has("--no-build") && !tsc(["packages/cli"])) throw new Error("packages/cli does not build");
  const cliDist = (file) => import(pathToFileURL(at("packages/cli/dist", file)).href);
  const stateModule = await cliDist("registry/state-stores.js");
  const stateStores = stateModule.definitions.map((definition) => ({
    kind: "state",
    type: definition.type,
    package: "faucet-cli",
    description: definition.description,
    definition,
    jsonSchema: core.schemaFor(definition.config),
  }));
  put(
    "packages/cli/src/config/types.generated.ts",
    await format("types.generated.ts", typesFile(entries, stateStores)),
  );
  const { documentSchema } = await cliDist("config/document-schema.js");
  const grammar = await cliDist("config/grammar.js");
  const all = [...entries, ...stateStores].sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.type.localeCompare(b.type),
  );
  const byKind = Object.fromEntries(
    KIND_ORDER.map((k) => [k, all.filter((e) => e.kind === k).map((e) => e.definition)]),
  );
  const schema = documentSchema(byKind);
  put(
    "packages/cli/schema/faucet.schema.json",
    await format("faucet.schema.json", `${JSON.stringify(schema, null, 2)}\n`),
  );
  put("docs/config.md", await format("config.md", configDoc({ grammar, core, all, kinds: KIND_ORDER })));

  flush();
  if (!check && stale.length > 0 && !args.has("--no-build")) tsc(["packages/cli", "packages/stream"]);
  for (const w of warnings) process.stderr.write(`generate: warning: ${w}\n`);
  if (check && stale.length > 0) {
    process.stderr.write(`generate: stale generated files (run \`npm run generate\`):\n  ${stale.join("\n  ")}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `generate: ${entries.length + stateStores.length} definitions from ${loaded.length} packages; ${check ? "everything is up to date" : stale.length ? `updated ${stale.join(", ")}` : "nothing changed"}\n`,
  );
}

function write(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

main().catch((error) => {
  process.stderr.write(`generate: ${error.message}\n`);
  process.exit(1);
});

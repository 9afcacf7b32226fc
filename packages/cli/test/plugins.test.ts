// Third-party packages found by name in node_modules, duplicates, and state store plugins.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, test } from "vitest";
import { faucet, ROOT, tempDir, write } from "./helpers.js";

const CORE = pathToFileURL(join(ROOT, "packages/core/dist/index.js")).href;

/** Installs a fake package into `dir/node_modules/<name>` whose index exports `body`. */
function install(dir: string, name: string, description: string, body: string): void {
  const pkg = join(dir, "node_modules", name);
  mkdirSync(pkg, { recursive: true });
  write(
    pkg,
    "package.json",
    JSON.stringify({
      name,
      version: "1.0.0",
      description,
      type: "module",
      exports: { ".": { import: "./index.mjs" } },
    }),
  );
  write(
    pkg,
    "index.mjs",
    `import { defineSink, defineSource, defineStateStore, MemoryStateStore, z } from ${JSON.stringify(CORE)};\n${body}`,
  );
}

const FAKE_SOURCE = (type: string) => `export const definition = defineSource({
  type: ${JSON.stringify(type)},
  description: "Three fake records",
  config: z.strictObject({ label: z.string().default("x").describe("A label") }),
  create: (config) => ({ fetchWithContext: async () => [1, 2, 3].map((n) => ({ n, label: config.label })) }),
});`;

const PRINT_SINK = `export const definition = defineSink({
  type: "print",
  description: "Prints records",
  config: z.strictObject({}),
  create: () => ({ writeBatch: async (records) => { process.stdout.write(records.map((r) => JSON.stringify(r) + "\\n").join("")); return records.length; } }),
});`;

function project(): string {
  const dir = tempDir();
  install(dir, "faucet-source-fake", "faucet source: fake records", FAKE_SOURCE("fake"));
  install(dir, "faucet-sink-print", "faucet sink: print records", PRINT_SINK);
  write(
    dir,
    "faucet.yaml",
    "version: 1\npipeline:\n  source:\n    type: fake\n    config: { label: hi }\n  sink:\n    type: print\n",
  );
  return dir;
}

describe("installed plugins", () => {
  test("faucet-source-* and faucet-sink-* packages are listed without importing and used by type", () => {
    const dir = project();
    const list = faucet(["list"], { cwd: dir });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/ fake +faucet source: fake records \(faucet-source-fake\)/);
    const run = faucet(["run"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(
      run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { n: 1, label: "hi" },
      { n: 2, label: "hi" },
      { n: 3, label: "hi" },
    ]);
    const schema = JSON.parse(faucet(["schema", "config"], { cwd: dir }).stdout);
    expect(schema.$defs["source.fake"].properties.label.default).toBe("x");
  });

  test("a package whose definition claims another type is found by that type", () => {
    const dir = project();
    install(dir, "faucet-source-weird", "faucet source: odd", FAKE_SOURCE("odd"));
    write(dir, "odd.yaml", "version: 1\npipeline:\n  source: { type: odd }\n  sink: { type: print }\n");
    const run = faucet(["run", "odd.yaml"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toHaveLength(3);
  });

  test("two packages claiming one type are an error", () => {
    const dir = project();
    install(dir, "@acme/faucet-source-fake", "faucet source: another fake", FAKE_SOURCE("fake"));
    const list = faucet(["list"], { cwd: dir });
    expect(list.code).toBe(1);
    expect(list.stdout).toContain("[DUPLICATE TYPE]");
    expect(list.stderr).toContain("two packages claim the same type: source:fake");
    const run = faucet(["run"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /source type `fake` is claimed by (@acme\/)?faucet-source-fake and (@acme\/)?faucet-source-fake/,
    );
  });

  test("a plugin that claims a built-in type is an error too", () => {
    const dir = project();
    install(dir, "faucet-source-mycsv", "faucet source: my csv", FAKE_SOURCE("csv"));
    write(
      dir,
      "dup.yaml",
      "version: 1\nplugins: [faucet-source-mycsv]\npipeline:\n  source: { type: csv, config: {} }\n  sink: { type: print }\n",
    );
    const run = faucet(["validate", "dup.yaml"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("source type `csv` is claimed by faucet-source-csv and faucet-source-mycsv");
    expect(faucet(["validate", "missing-plugin.yaml"], { cwd: dir }).code).toBe(2);
    write(
      dir,
      "gone.yaml",
      "version: 1\nplugins: [faucet-source-gone]\npipeline:\n  source: { type: fake }\n  sink: { type: print }\n",
    );
    expect(faucet(["validate", "gone.yaml"], { cwd: dir }).stderr).toContain(
      "`plugins`: package faucet-source-gone is not installed",
    );
  });

  test("a faucet-state-* package is a state store", () => {
    const dir = project();
    install(
      dir,
      "faucet-state-shared",
      "faucet state store: shared",
      `export const definition = defineStateStore({
  type: "shared",
  description: "A state store plugin",
  config: z.strictObject({ bucket: z.string().describe("Where") }),
  create: () => { const store = new MemoryStateStore(); return Object.assign(store, { durable: true }); },
});`,
    );
    write(
      dir,
      "state.yaml",
      readFileSync(join(dir, "faucet.yaml"), "utf8") + "  state:\n    type: shared\n    config: { bucket: b1 }\n",
    );
    const validated = faucet(["validate", "state.yaml"], { cwd: dir });
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain("type: shared");
    expect(faucet(["list"], { cwd: dir }).stdout).toMatch(/State stores:[\s\S]* shared +faucet state store: shared/);
    write(
      dir,
      "bad-state.yaml",
      readFileSync(join(dir, "faucet.yaml"), "utf8") + "  state:\n    type: shared\n    config: { buckt: b1 }\n",
    );
    expect(faucet(["validate", "bad-state.yaml"], { cwd: dir }).stderr).toContain(
      "`pipeline.state.config.buckt`: unknown key; did you mean `bucket`?",
    );
  });
});
